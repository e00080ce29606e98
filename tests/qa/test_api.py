import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from qa.reviews import review_create
from qa.surveys import survey_answer, survey_create
from tests.factories import AgentFactory, TeamFactory, UserFactory, VendorFactory

from .conftest import T0, conversation, points

pytestmark = pytest.mark.django_db


def _api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_lead_scores_through_the_api_on_the_customers_market(world):
    t = conversation(agent=world["agent.mnl"], team=world["teams"]["mnl"], country="DE")
    dach, apac = world["rubrics"]["dach"], world["rubrics"]["apac"]
    body = {
        "ticket": t.pk,
        "scores": [{"criterion": c.pk, "point": c.scale, "comment": "ok"} for c in dach.criteria.all()],
    }
    created = _api(world["lead.mnl"]).post("/api/v1/qa-reviews/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["market"] == "dach" and created.json()["total"] == 100.0
    assert len(created.json()["scores"]) == 4

    wrong = {"ticket": t.pk, "scores": [{"criterion": c.pk, "point": 1} for c in apac.criteria.all()]}
    refused = _api(world["lead.dub"]).post("/api/v1/qa-reviews/", wrong, format="json")
    # the Dublin lead cannot see the Manila ticket at all; an admin sending APAC criteria is refused
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
    refused = _api(world["admin"]).post("/api/v1/qa-reviews/", wrong, format="json")
    assert refused.status_code == 400 and "scores" in refused.json()["error"]["fields"]
    assert _api(world["agent.dub"]).post("/api/v1/qa-reviews/", body, format="json").status_code == 403


def test_dispute_and_resolve_through_the_api(world):
    t = conversation(agent=world["agent.dub"], team=world["teams"]["dub"], country="US", language="en")
    review = review_create(ticket=t, scores=points(world["rubrics"]["na"], 3), actor=world["lead.dub"])
    url = f"/api/v1/qa-reviews/{review.pk}/"
    agent = _api(world["agent.dub"])
    assert agent.get(url).status_code == 200
    assert agent.post(url + "dispute/", {"reason": "Too strict"}, format="json").status_code == 201
    again = agent.post(url + "dispute/", {"reason": "Again"}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    assert (
        _api(world["lead.mnl"])
        .post(url + "resolve/", {"status": "upheld", "resolution": "x"}, format="json")
        .status_code
        == 404
    )
    done = _api(world["lead.dub"]).post(
        url + "resolve/",
        {
            "status": "revised",
            "resolution": "Fair point",
            "scores": [{"criterion": c.pk, "point": c.scale} for c in review.rubric.criteria.all()],
        },
        format="json",
    )
    assert done.status_code == 200 and done.json()["total"] == 100.0
    assert done.json()["dispute"]["status"] == "revised" and done.json()["dispute"]["original_total"] == review.total


def test_lists_are_scoped_and_paginated_by_cursor(world):
    t = conversation(agent=world["agent.dub"], team=world["teams"]["dub"], country="MX", language="es")
    review_create(ticket=t, scores=points(world["rubrics"]["latam"]), actor=world["lead.dub"])
    survey_answer(survey=survey_create(ticket_id=t.pk, now=T0), score=5, nps=9, comment="Mi correo es x@y.com", at=T0)
    vendor_agent = AgentFactory(team=TeamFactory(code="t1-bpo-y", vendor=VendorFactory(name="Y BPO", kind="bpo"))).user
    for user, reviews, surveys in [
        (world["lead.dub"], 1, 1),
        (world["agent.dub"], 1, 1),
        (world["admin"], 1, 1),
        (world["lead.mnl"], 0, 0),
        (world["agent.mnl"], 0, 0),
        (vendor_agent, 0, 0),
    ]:
        client = _api(user)
        page = client.get("/api/v1/qa-reviews/").json()
        assert len(page["results"]) == reviews and "next" in page, user
        assert len(client.get("/api/v1/survey-responses/").json()["results"]) == surveys, user
    response = _api(world["lead.dub"]).get("/api/v1/survey-responses/").json()["results"][0]
    assert response["kind"] == "csat" and response["team"] == "t1-dub" and response["market"] == "latam"
    assert response["region"] == "dub" and response["vendor"] == world["teams"]["dub"].vendor.name
    assert _api().get("/api/v1/qa-reviews/").status_code == 401


def test_rubrics_calibration_and_metrics_endpoints(world):
    lead = _api(world["lead.dub"])
    rubrics = lead.get("/api/v1/rubrics/", {"market": "dach"}).json()["results"]
    assert [r["market"] for r in rubrics] == ["dach"] and len(rubrics[0]["criteria"]) == 4
    assert lead.get("/api/v1/rubrics/", {"status": "nope"}).status_code == 400
    assert lead.get("/api/v1/calibration-sessions/").status_code == 200
    assert _api(world["agent.dub"]).get("/api/v1/calibration-sessions/").status_code == 403
    metrics = lead.get("/api/v1/qa-metrics/", {"dimension": "team", "week": "2026-11-04"})
    assert metrics.status_code == 200 and metrics.json()["week_start"].startswith("2026-11-02T00:00:00")
    assert lead.get("/api/v1/qa-metrics/", {"dimension": "planet"}).status_code == 400
    assert _api(world["agent.dub"]).get("/api/v1/qa-metrics/").status_code == 403


def test_integration_token_reads_reviews(world):
    bot = UserFactory(username="bot", role="integration")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=bot).key}")
    assert client.get("/api/v1/qa-reviews/").status_code == 200
    assert client.get("/api/v1/rubrics/").status_code == 200
