import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from compliance.models import AuditEntry
from knowledge.diff import version_diff
from knowledge.models import Acknowledgement, ArticleVersion, ImmutableRow, Status
from knowledge.selectors import acknowledgement_status, acknowledgements_pending, article_text_for, reader_languages
from knowledge.services import (
    acknowledgement_confirm,
    article_create,
    article_edit,
    article_transition,
)

from .conftest import BODY, publish, translate

pytestmark = pytest.mark.django_db


def test_every_edit_is_a_new_immutable_version_and_drafts_stay_drafts(kb):
    # given a draft
    article = article_create(
        owner_team=kb["owners"], category=kb["category"], title="Issue a refund", body=BODY, actor=kb["owner"]
    )
    # when the owner edits it twice
    article_edit(
        article=article, title="Issue a refund", body=BODY + "\n4. Close.", change_note="Close", actor=kb["owner"]
    )
    article = article_edit(article=article, title="Refunds", body=BODY, change_note="Rename", actor=kb["lead"])
    # then three versions, each with its author and note, and still a draft
    versions = list(
        article.versions.order_by("number").values_list("number", "title", "change_note", "author__username")
    )
    assert versions == [
        (1, "Issue a refund", "First version", "owner.dub"),
        (2, "Issue a refund", "Close", "owner.dub"),
        (3, "Refunds", "Rename", "lead.dub"),
    ]
    assert article.status == Status.DRAFT and article.published_version is None
    with pytest.raises(ImmutableRow):
        v1 = ArticleVersion.objects.get(article=article, number=1)
        v1.title = "Changed"
        v1.save()


def test_edit_needs_a_change_note(kb):
    article = publish(kb)
    with pytest.raises(ValidationError) as exc:
        article_edit(article=article, title="T", body="B", change_note="  ", actor=kb["owner"])
    assert "change_note" in exc.value.message_dict


@pytest.mark.parametrize("who", ["vendor", "agent"])
def test_vendor_agents_and_other_teams_read_but_do_not_edit(kb, who):
    article = publish(kb)
    with pytest.raises(PermissionDenied):
        article_edit(article=article, title="T", body="B", change_note="n", actor=kb[who])
    with pytest.raises(PermissionDenied):
        article_transition(article=article, to="archived", actor=kb[who])
    with pytest.raises(PermissionDenied):
        article_create(owner_team=kb["owners"], category=kb["category"], title="T", body="B", actor=kb[who])


def test_vendor_agent_of_the_owner_team_cannot_edit_either(kb):
    kb["owners"].vendor = kb["vendor_team"].vendor
    kb["owners"].save()
    article = publish(kb, actor=kb["admin"])
    with pytest.raises(PermissionDenied):
        article_edit(article=article, title="T", body="B", change_note="n", actor=kb["owner"])


def test_workflow_refuses_skipping_steps_and_records_every_move(kb):
    article = article_create(owner_team=kb["owners"], category=kb["category"], title="T", body="B", actor=kb["owner"])
    with pytest.raises(ValidationError):
        article_transition(article=article, to="archived", actor=kb["owner"])
    for to in ("in_review", "draft", "in_review", "published", "archived", "draft"):
        article = article_transition(article=article, to=to, actor=kb["owner"])
        assert article.status == to
    entries = AuditEntry.objects.filter(object_type="knowledge.article", object_id=str(article.pk))
    assert entries.count() == 6
    assert entries.filter(summary__contains="version 1 published").exists()
    assert entries.filter(summary__contains="published → archived").exists()


def test_archived_article_cannot_be_edited_until_restored(kb):
    article = article_transition(article=publish(kb), to="archived", actor=kb["owner"])
    with pytest.raises(ValidationError):
        article_edit(article=article, title="T", body="B", change_note="n", actor=kb["owner"])


def test_editing_a_published_article_publishes_the_new_version_and_outdates_translations(kb):
    # given a published article with a Spanish translation of version 1
    article = publish(kb)
    spanish = translate(kb, article)
    assert not spanish.is_outdated
    # when the owner edits it
    article = article_edit(
        article=article,
        title="Issue a refund",
        body=BODY + "\n4. Close the ticket.",
        change_note="Close it",
        actor=kb["owner"],
    )
    # then version 2 is published and the translation is behind it
    assert article.published_version.number == 2 and article.status == Status.PUBLISHED
    spanish.refresh_from_db()
    assert spanish.is_outdated and spanish.source_version.number == 1
    # until it is brought up to date
    spanish = translate(kb, article, body="Abre la consola, reembolsa y cierra.")
    assert not spanish.is_outdated and spanish.source_version.number == 2


def test_publishing_a_required_version_asks_every_agent_of_the_tier_to_acknowledge(kb):
    # given an article required for Tier 1 (Dublin Tier 1 and the Manila vendor team)
    article = publish(kb, tiers=[1])
    tier1 = {"agent.dub", "agent.mnl", "agent.es"}
    assert set(Acknowledgement.objects.values_list("user__username", flat=True)) == tier1
    assert acknowledgements_pending(kb["owner"]).count() == 0  # Tier 2
    # when one acknowledges
    ack = acknowledgement_confirm(article=article, actor=kb["agent"])
    assert ack.acknowledged_at is not None
    assert AuditEntry.objects.filter(summary__contains="version 1 acknowledged", actor=kb["agent"]).exists()
    with pytest.raises(ValidationError):
        acknowledgement_confirm(article=article, actor=kb["agent"])
    # then a new version needs acknowledging again; the old duty lapses
    article_edit(article=article, title="T", body="New text", change_note="Rewrite", actor=kb["owner"])
    pending = acknowledgements_pending(kb["agent"])
    assert [a.version.number for a in pending] == [2]
    assert [a.version.number for a in acknowledgements_pending(kb["vendor"])] == [2]


def test_leads_see_who_has_not_acknowledged_per_team(kb):
    article = publish(kb, tiers=[1])
    acknowledgement_confirm(article=article, actor=kb["agent"])
    rows = acknowledgement_status(kb["lead"])  # leads Dublin Tier 1 and 2, not the Manila vendor team
    [row] = rows
    assert row["article"] == article
    assert [(t["team"].code, t["acknowledged"], t["total"], t["pending"]) for t in row["teams"]] == [
        ("t1-dub", 1, 2, ["Diego Cruz"])
    ]
    [row] = acknowledgement_status(kb["admin"])
    assert [t["team"].code for t in row["teams"]] == ["t1-dub", "t1-mnl"]
    assert [(v["vendor"].name, v["acknowledged"], v["total"]) for v in row["vendors"]] == [
        ("Meridian", 1, 2),
        ("Pacific Shore BPO", 0, 1),
    ]


def test_agents_read_the_version_in_their_language(kb):
    article = publish(kb)
    translate(kb, article)
    languages = reader_languages(kb["mexican"])
    assert languages == ["es", "en"]
    title, _, locale, translation = article_text_for(article, languages)
    assert (title, locale) == ("Emitir un reembolso", "es") and translation is not None
    title, _, locale, translation = article_text_for(article, reader_languages(kb["agent"]))
    assert (title, locale, translation) == ("Issue a refund", "en", None)


def test_diff_marks_added_and_removed_lines():
    class V:
        def __init__(self, title, body):
            self.title, self.body = title, body

    rows = version_diff(V("Refunds", "a\nb\nc"), V("Refunds", "a\nB\nc\nd"))
    assert [(r.op, r.text) for r in rows if r.op != "same"] == [("removed", "b"), ("added", "B"), ("added", "d")]
    assert [r.sign for r in rows if r.op != "same"] == ["−", "+", "+"]


def test_an_article_can_be_deleted_with_everything_that_hangs_off_it(kb):
    article = publish(kb, tiers=[1])
    translate(kb, article)
    article.delete()
    assert not ArticleVersion.objects.exists() and not Acknowledgement.objects.exists()
