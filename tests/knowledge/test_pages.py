import pytest
from django.test import Client

from knowledge.models import Article, SearchMiss
from knowledge.services import article_create, article_edit, article_transition

from .conftest import BODY, publish, translate

pytestmark = pytest.mark.django_db


def _client(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_search_page_finds_published_articles_with_a_highlighted_snippet(kb):
    publish(kb, "Issue a refund", "Open the billing console and refund the order.")
    publish(kb, "Reset a password", "Send the reset link.")
    response = _client(kb["vendor"]).get("/knowledge/", {"q": "billing"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Issue a refund" in page and "Reset a password" not in page
    assert "<mark>billing</mark>" in page


def test_a_search_that_finds_nothing_is_a_content_gap(kb):
    publish(kb)
    _client(kb["agent"]).get("/knowledge/", {"q": "Quantum  Teleport"})
    assert list(SearchMiss.objects.values_list("query", "user__username")) == [("quantum teleport", "agent.dub")]
    page = _client(kb["lead"]).get("/knowledge/effectiveness/").content.decode()
    assert "quantum teleport" in page


def test_filters_by_audience_category_and_locale(kb):
    publish(kb, "Refund timeline", "Refund takes ten days.", audience="customer")
    internal = publish(kb, "Refund internals", "Refund in the console.")
    translate(kb, internal, title="Reembolso interno", body="Reembolso en la consola.")
    client = _client(kb["agent"])
    page = client.get("/knowledge/", {"q": "refund", "audience": "customer"}).content.decode()
    assert "Refund timeline" in page and "Refund internals" not in page
    page = client.get("/knowledge/", {"q": "reembolso", "locale": "es"}).content.decode()
    assert "Reembolso interno" in page and "Refund timeline" not in page


@pytest.mark.parametrize("who", ["vendor", "agent", "mexican"])
def test_drafts_are_404_for_readers_outside_the_owner_team(kb, who):
    draft = article_create(
        owner_team=kb["owners"], category=kb["category"], title="Secret plan", body="x", actor=kb["owner"]
    )
    client = _client(kb[who])
    for path in ("", "edit/", "diff/?old=1&new=1", "translation/"):
        assert client.get(f"/knowledge/articles/{draft.pk}/{path}").status_code == 404, path
    assert client.post(f"/knowledge/articles/{draft.pk}/workflow/", {"to": "published"}).status_code == 404
    assert "Secret plan" not in client.get("/knowledge/", {"q": "secret"}).content.decode()
    assert Article.objects.get(pk=draft.pk).status == "draft"


def test_owner_lead_and_admin_see_the_draft_and_its_workflow_buttons(kb):
    draft = article_create(
        owner_team=kb["owners"], category=kb["category"], title="Secret plan", body="x", actor=kb["owner"]
    )
    for who in ("owner", "lead", "admin"):
        page = _client(kb[who]).get(f"/knowledge/articles/{draft.pk}/").content.decode()
        assert "Secret plan" in page and "Submit for review" in page and "Publish" in page


def test_vendor_agents_read_published_articles_but_get_no_editor(kb):
    article = publish(kb)
    client = _client(kb["vendor"])
    page = client.get(f"/knowledge/articles/{article.pk}/").content.decode()
    assert "Issue a refund" in page and "Edit (new version)" not in page
    assert client.get(f"/knowledge/articles/{article.pk}/edit/").status_code == 404
    assert client.post(f"/knowledge/articles/{article.pk}/edit/", {"title": "x"}).status_code == 404
    assert client.get("/knowledge/articles/new/").status_code == 403


def test_anonymous_users_are_sent_to_log_in(kb):
    article = publish(kb)
    for path in ("/knowledge/", f"/knowledge/articles/{article.pk}/", "/knowledge/acknowledgements/"):
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_editor_saves_a_new_version_and_the_article_shows_a_diff(kb):
    article = publish(kb)
    translate(kb, article)
    client = _client(kb["owner"])
    response = client.post(
        f"/knowledge/articles/{article.pk}/edit/",
        {
            "title": "Issue a refund",
            "body": BODY.replace("Refund the order.", "Refund the whole order."),
            "change_note": "Whole order",
            "category": kb["category"].pk,
            "audience": "internal",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/knowledge/articles/{article.pk}/").content.decode()
    assert "Outdated (v1)" in page and "Whole order" in page
    diff = client.get(f"/knowledge/articles/{article.pk}/diff/", {"old": 1, "new": 2}).content.decode()
    assert "<del>2. Refund the order.</del>" in diff and "<ins>2. Refund the whole order.</ins>" in diff
    assert "1 line added" in diff and "1 line removed" in diff


def test_editor_shows_errors_without_a_change_note(kb):
    article = publish(kb)
    response = _client(kb["owner"]).post(
        f"/knowledge/articles/{article.pk}/edit/",
        {"title": "T", "body": "B", "change_note": "", "category": kb["category"].pk, "audience": "internal"},
    )
    assert response.status_code == 400 and article.versions.count() == 1


def test_spanish_agent_reads_spanish_with_a_notice_when_it_is_behind(kb):
    article = publish(kb)
    translate(kb, article)
    client = _client(kb["mexican"])
    page = client.get(f"/knowledge/articles/{article.pk}/").content.decode()
    assert "Emitir un reembolso" in page and "follows version" not in page
    article_edit(article=article, title="Issue a refund", body="New", change_note="New", actor=kb["owner"])
    page = client.get(f"/knowledge/articles/{article.pk}/").content.decode()
    assert "Emitir un reembolso" in page and "This es translation follows version 1" in page


def test_acknowledging_from_my_list(kb):
    article = publish(kb, tiers=[1])
    client = _client(kb["agent"])
    assert "Issue a refund" in client.get("/knowledge/acknowledgements/").content.decode()
    response = client.post(f"/knowledge/articles/{article.pk}/acknowledge/", {"next": "list"})
    assert response.status_code == 302
    page = client.get("/knowledge/acknowledgements/").content.decode()
    assert "Nothing to acknowledge" in page


def test_acknowledgement_status_is_for_leads_and_admins(kb):
    publish(kb, tiers=[1])
    assert _client(kb["agent"]).get("/knowledge/acknowledgements/status/").status_code == 403
    assert _client(kb["agent"]).get("/knowledge/effectiveness/").status_code == 403
    page = _client(kb["lead"]).get("/knowledge/acknowledgements/status/").content.decode()
    assert "Dublin Tier 1" in page and "Aoife Byrne" in page and "Maria Santos" not in page


def test_public_help_shows_only_published_customer_facing_articles_in_the_customers_language(kb):
    public = publish(kb, "Refund timeline", "Refunds take ten days.", audience="customer")
    translate(kb, public, title="Plazo de reembolso", body="Los reembolsos tardan diez días.")
    internal = publish(kb, "Refund internals", "Console steps.")
    draft = article_create(
        owner_team=kb["owners"],
        category=kb["category"],
        title="Draft help",
        body="x",
        audience="customer",
        actor=kb["owner"],
    )
    anonymous = Client()
    index = anonymous.get("/help/").content.decode()
    assert "Refund timeline" in index and "Refund internals" not in index and "Draft help" not in index
    assert anonymous.get(f"/help/{internal.slug}/").status_code == 404
    assert anonymous.get(f"/help/{draft.slug}/").status_code == 404
    assert "Plazo de reembolso" in anonymous.get(f"/help/{public.slug}/?lang=es").content.decode()
    page = anonymous.get(f"/help/{public.slug}/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5").content.decode()
    assert "Plazo de reembolso" in page and 'lang="es"' in page
    assert "Refund timeline" in anonymous.get(f"/help/{public.slug}/").content.decode()
    public.refresh_from_db()
    assert public.view_count == 3


def test_a_restored_article_shows_its_owners_the_latest_draft_and_readers_nothing(kb):
    article = publish(kb, "Old title")
    article_transition(article=article, to="archived", actor=kb["owner"])
    article = article_transition(article=article, to="draft", actor=kb["owner"])
    article_edit(article=article, title="New title", body="New", change_note="Rework", actor=kb["owner"])
    page = _client(kb["owner"]).get(f"/knowledge/articles/{article.pk}/").content.decode()
    assert "New title" in page and "Draft, not shown to readers" in page
    assert _client(kb["agent"]).get(f"/knowledge/articles/{article.pk}/").status_code == 404


def test_owners_create_articles_for_their_teams_only(kb):
    client = _client(kb["owner"])
    page = client.get("/knowledge/articles/new/").content.decode()
    assert "Dublin Tier 2" in page and "Dublin Tier 1" not in page
    response = client.post(
        "/knowledge/articles/new/",
        {"owner_team": kb["tier1"].pk, "language": "en", "title": "T", "body": "B", "change_note": "First",
         "category": kb["category"].pk, "audience": "internal"},
    )  # fmt: skip
    assert response.status_code == 400 and not Article.objects.exists()
    response = client.post(
        "/knowledge/articles/new/",
        {"owner_team": kb["owners"].pk, "language": "en", "title": "Refund rules", "body": "B", "change_note": "First",
         "category": kb["category"].pk, "audience": "internal", "tiers": ["1", "2"]},
    )  # fmt: skip
    article = Article.objects.get()
    assert response.status_code == 302 and article.status == "draft" and article.required_tiers == [1, 2]


def test_the_admin_lists_knowledge(kb):
    publish(kb, tiers=[1])
    client = _client(kb["admin"])
    for model in ("category", "article", "translation", "acknowledgement", "searchmiss"):
        assert client.get(f"/admin/knowledge/{model}/").status_code == 200, model


def test_public_help_search_finds_only_customer_facing_articles_and_records_misses(kb):
    publish(kb, "Refund timeline", "Refunds take ten days.", audience="customer")
    publish(kb, "Refund internals", "Console steps for a refund.")
    page = Client().get("/help/", {"q": "refund"}).content.decode()
    assert "1 result for" in page and "Refund timeline" in page and "Refund internals" not in page
    Client().get("/help/", {"q": "teleport"}, HTTP_ACCEPT_LANGUAGE="de")
    assert list(SearchMiss.objects.values_list("query", "locale", "user")) == [("teleport", "de", None)]
