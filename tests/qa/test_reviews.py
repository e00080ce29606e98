import pytest
from django.core.exceptions import ValidationError

from compliance.models import AuditEntry
from qa.models import DisputeStatus, Review
from qa.reviews import dispute_raise, dispute_resolve, review_create, rubric_for_ticket
from qa.rubrics import rubric_create_draft, rubric_publish, rubric_save

from .conftest import conversation, points

pytestmark = pytest.mark.django_db


def test_a_manila_agents_reply_to_a_german_customer_is_scored_on_the_dach_rubric(world):
    # given a Manila (APAC) agent answering a customer in Germany
    t = conversation(agent=world["agent.mnl"], team=world["teams"]["mnl"], country="DE")
    dach, apac = world["rubrics"]["dach"], world["rubrics"]["apac"]

    # when the Manila lead scores it
    review = review_create(ticket=t, scores=points(dach), actor=world["lead.mnl"])

    # then it is on DACH, never the agent's APAC rubric, and APAC criteria are refused
    assert rubric_for_ticket(t) == dach
    assert review.rubric == dach and review.rubric.market.code == "dach"
    assert review.agent == world["agent.mnl"] and review.team == world["teams"]["mnl"]
    assert {s.criterion.name for s in review.scores.all()} == {
        "Brevity",
        "Customer effort",
        "Accuracy",
        "Security and privacy",
    }
    with pytest.raises(ValidationError, match="Score every criterion"):
        review_create(ticket=t, scores=points(apac), actor=world["lead.dub"])


def test_unlisted_country_uses_the_default_rubric(world):
    t = conversation(agent=world["agent.dub"], team=world["teams"]["dub"], country="IE", language="en")
    assert rubric_for_ticket(t) == world["rubrics"]["default"]


def test_weighted_total_and_auto_fail(world):
    t = conversation(agent=world["agent.mnl"], team=world["teams"]["mnl"], country="DE")
    dach = world["rubrics"]["dach"]
    c = {c.name: c for c in dach.criteria.all()}
    # Brevity 25 at 3/5 (0.5), effort 35 at 5/5 (1), accuracy 30 at 4/5 (0.75), security 10 at 2/2 (1)
    scores = {
        c["Brevity"].pk: (3, "A bit long"),
        c["Customer effort"].pk: (5, ""),
        c["Accuracy"].pk: (4, ""),
        c["Security and privacy"].pk: (2, ""),
    }
    review = review_create(ticket=t, scores=scores, actor=world["lead.mnl"])
    assert review.total == 80.0  # 100 x (12.5 + 35 + 22.5 + 10) / 100
    assert review.scores.get(criterion=c["Brevity"]).comment == "A bit long"

    scores[c["Security and privacy"].pk] = (1, "Read out the card number")
    failed = review_create(ticket=t, scores=scores, actor=world["lead.dub"])
    assert failed.total == 0.0 and failed.auto_failed


def test_points_must_be_on_the_scale_and_reviewers_are_leads(world):
    t = conversation(agent=world["agent.mnl"], team=world["teams"]["mnl"])
    dach = world["rubrics"]["dach"]
    with pytest.raises(ValidationError, match="from 1 to 5"):
        review_create(ticket=t, scores=points(dach, 9) | {dach.criteria.first().pk: (6, "")}, actor=world["lead.mnl"])
    with pytest.raises(ValidationError, match="Only leads and admins"):
        review_create(ticket=t, scores=points(dach), actor=world["agent.dub"])


def test_agent_disputes_once_and_the_lead_revises(world):
    t = conversation(agent=world["agent.mnl"], team=world["teams"]["mnl"])
    dach = world["rubrics"]["dach"]
    review = review_create(ticket=t, scores=points(dach, 1), actor=world["lead.mnl"])
    assert review.total == 0.0

    with pytest.raises(ValidationError, match="Only the reviewed agent"):
        dispute_raise(review=review, reason="Unfair", actor=world["agent.dub"])
    dispute = dispute_raise(review=review, reason="The security rule was followed", actor=world["agent.mnl"])
    with pytest.raises(ValidationError, match="disputed once"):
        dispute_raise(review=review, reason="Again", actor=world["agent.mnl"])

    with pytest.raises(ValidationError, match="Only a lead of the agent's team"):
        dispute_resolve(dispute=dispute, status="upheld", resolution="No", actor=world["lead.dub"])
    dispute_resolve(
        dispute=dispute, status="revised", resolution="Agreed", scores=points(dach), actor=world["lead.mnl"]
    )
    dispute.refresh_from_db()
    review.refresh_from_db()
    assert dispute.status == DisputeStatus.REVISED and dispute.original_total == 0.0
    assert review.total == 100.0
    with pytest.raises(ValidationError, match="resolved already"):
        dispute_resolve(dispute=dispute, status="upheld", resolution="x", actor=world["lead.mnl"])
    summaries = list(AuditEntry.objects.filter(object_type__startswith="qa.").values_list("summary", flat=True))
    assert any("Dispute of" in s and "revised" in s for s in summaries)


def test_rubric_versions_keep_old_reviews_on_their_version(world):
    t = conversation(agent=world["agent.mnl"], team=world["teams"]["mnl"])
    v1 = world["rubrics"]["dach"]
    old = review_create(ticket=t, scores=points(v1), actor=world["lead.mnl"])

    draft = rubric_create_draft(market=v1.market, actor=world["admin"])
    assert draft.version == 2 and draft.criteria.count() == 4
    brevity = {"name": "Brevity", "weight": 1, "scale": 2, "point_descriptions": ["Long", "Short"], "auto_fail": False}
    rubric_save(rubric=draft, name="DACH v2", criteria=[brevity], actor=world["admin"])
    rubric_publish(rubric=draft, actor=world["admin"])
    v1.refresh_from_db()
    assert v1.status == "retired" and rubric_for_ticket(t) == draft
    assert Review.objects.get(pk=old.pk).rubric == v1
    with pytest.raises(ValidationError, match="Only a draft changes"):
        rubric_save(rubric=draft, name="x", criteria=[brevity], actor=world["admin"])
