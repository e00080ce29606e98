import pytest
from rest_framework.test import APIClient

from knowledge.models import Article
from knowledge.services import article_create

from .conftest import BODY, publish, translate

pytestmark = pytest.mark.django_db


def _api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_anonymous_gets_401(kb):
    article = publish(kb)
    for path in ("/api/v1/articles/", f"/api/v1/articles/{article.pk}/", "/api/v1/articles/search/?q=x",
                 "/api/v1/acknowledgements/"):  # fmt: skip
        assert _api().get(path).status_code == 401


def test_list_and_retrieve_are_scoped(kb):
    published = publish(kb)
    draft = article_create(
        owner_team=kb["owners"], category=kb["category"], title="Secret", body="x", actor=kb["owner"]
    )
    vendor, owner = _api(kb["vendor"]), _api(kb["owner"])
    assert [a["id"] for a in vendor.get("/api/v1/articles/").json()["results"]] == [published.pk]
    assert {a["id"] for a in owner.get("/api/v1/articles/").json()["results"]} == {published.pk, draft.pk}
    assert vendor.get(f"/api/v1/articles/{draft.pk}/").status_code == 404
    assert vendor.get(f"/api/v1/articles/{draft.pk}/versions/").status_code == 404
    body = vendor.get(f"/api/v1/articles/{published.pk}/").json()
    assert body["status"] == "published" and body["published_version"] == 1 and body["owner_team"] == "t2-dub"


def test_create_edit_publish_and_diff(kb):
    owner = _api(kb["owner"])
    response = owner.post(
        "/api/v1/articles/",
        {"owner_team": "t2-dub", "category": "billing", "title": "Issue a refund", "body": BODY, "required_tiers": [1]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert response.json()["status"] == "draft"
    assert owner.post(f"/api/v1/articles/{pk}/workflow/", {"to": "archived"}, format="json").status_code == 409
    assert owner.post(f"/api/v1/articles/{pk}/workflow/", {"to": "published"}, format="json").json()["status"] == (
        "published"
    )
    response = owner.post(
        f"/api/v1/articles/{pk}/versions/",
        {"title": "Issue a refund", "body": BODY + "\n4. Close.", "change_note": "Close"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["number"] == 2
    assert [v["number"] for v in owner.get(f"/api/v1/articles/{pk}/versions/").json()] == [2, 1]
    diff = owner.get(f"/api/v1/articles/{pk}/diff/", {"old": 1, "new": 2}).json()
    assert [(d["op"], d["text"]) for d in diff if d["op"] != "same"] == [("added", "4. Close.")]
    assert owner.get(f"/api/v1/articles/{pk}/diff/", {"old": 1, "new": 9}).status_code == 400


def test_readers_may_not_write(kb):
    article = publish(kb)
    vendor = _api(kb["vendor"])
    payload = {"title": "x", "body": "y", "change_note": "z"}
    assert vendor.post(f"/api/v1/articles/{article.pk}/versions/", payload, format="json").status_code == 403
    assert vendor.post(f"/api/v1/articles/{article.pk}/workflow/", {"to": "archived"}, format="json").status_code == 403
    payload = {"owner_team": "t2-dub", "category": "billing", "title": "x", "body": "y"}
    assert vendor.post("/api/v1/articles/", payload, format="json").status_code == 403
    assert Article.objects.get(pk=article.pk).versions.count() == 1


def test_translations_are_flagged_outdated_after_a_new_version(kb):
    article = publish(kb)
    owner = _api(kb["owner"])
    response = owner.put(
        f"/api/v1/articles/{article.pk}/translations/",
        {"locale": "de", "title": "Erstattung", "body": "Die Erstattung auslösen."},
        format="json",
    )
    assert response.status_code == 200 and response.json()["outdated"] is False
    owner.post(
        f"/api/v1/articles/{article.pk}/versions/", {"title": "T", "body": "B", "change_note": "n"}, format="json"
    )
    [german] = owner.get(f"/api/v1/articles/{article.pk}/translations/").json()
    assert german["locale"] == "de" and german["outdated"] is True and german["source_version"] == 1


def test_search_and_content_gaps(kb):
    article = publish(kb, "Issue a refund", "Open the billing console.")
    translate(kb, article, title="Emitir un reembolso", body="Abre la consola de facturación.")
    agent = _api(kb["agent"])
    [hit] = agent.get("/api/v1/articles/search/", {"q": "billing"}).json()
    assert hit["article"] == article.pk and "<mark>" in hit["snippet"] and hit["locale"] == "en"
    [hit] = agent.get("/api/v1/articles/search/", {"q": "consola", "locale": "es"}).json()
    assert hit["title"] == "Emitir un reembolso"
    assert agent.get("/api/v1/articles/search/", {"q": "nothing-like-this"}).json() == []
    assert agent.get("/api/v1/articles/search/").status_code == 400


def test_acknowledgements(kb):
    article = publish(kb, tiers=[1])
    agent = _api(kb["agent"])
    [pending] = agent.get("/api/v1/acknowledgements/", {"pending": "true"}).json()["results"]
    assert pending["article"] == article.pk and pending["acknowledged_at"] is None
    assert agent.post(f"/api/v1/articles/{article.pk}/acknowledge/").status_code == 200
    assert agent.post(f"/api/v1/articles/{article.pk}/acknowledge/").status_code == 409
    assert agent.get("/api/v1/acknowledgements/", {"pending": "true"}).json()["results"] == []
    assert agent.get("/api/v1/acknowledgements/status/").status_code == 403
    [row] = _api(kb["lead"]).get("/api/v1/acknowledgements/status/").json()
    assert row["teams"] == [
        {"team": "t1-dub", "vendor": "Meridian", "acknowledged": 1, "total": 2, "pending": ["Diego Cruz"]}
    ]
    assert row["vendors"] == [{"vendor": "Meridian", "acknowledged": 1, "total": 2}]
