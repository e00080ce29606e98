"""Every QA page: the owner gets it, an outsider (another team's agent, a vendor agent, another team's lead) gets a
404, anonymous people go to the login page."""

import pytest

from compliance.models import AuditEntry
from qa.calibration import session_create
from qa.models import Dispute, FollowUp, Review
from qa.reviews import dispute_raise, review_create
from qa.surveys import survey_answer, survey_create
from tests.factories import AgentFactory, TeamFactory, VendorFactory
from tickets.services import ticket_customer_message

from .conftest import T0, conversation, points

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(world):
    t = conversation(agent=world["agent.dub"], team=world["teams"]["dub"], country="DE",
                     subject="Invoice for jan@example.de")  # fmt: skip
    review = review_create(ticket=t, scores=points(world["rubrics"]["dach"]), actor=world["lead.dub"])
    return review


def _vendor_agent():
    return AgentFactory(team=TeamFactory(code="t1-bpo-x", vendor=VendorFactory(name="Other BPO", kind="bpo"))).user


def test_lead_scores_a_german_customers_ticket_on_dach_through_the_page(client, world):
    t = conversation(agent=world["agent.mnl"], team=world["teams"]["mnl"], country="DE")
    client.force_login(world["lead.mnl"])
    page = client.get(f"/qa/tickets/{t.pk}/review/")
    assert page.status_code == 200
    assert "DACH scorecard" in page.content.decode() and "Rapport" not in page.content.decode()
    data = {f"c{c.pk}_point": str(c.scale) for c in world["rubrics"]["dach"].criteria.all()}
    response = client.post(f"/qa/tickets/{t.pk}/review/", data | {"summary": "Good"})
    review = Review.objects.get(ticket=t)
    assert response.status_code == 302 and response.url == f"/qa/reviews/{review.pk}/"
    assert review.rubric.market.code == "dach" and review.total == 100.0


def test_review_page_owner_and_outsiders(client, world, reviewed):
    url = f"/qa/reviews/{reviewed.pk}/"
    for owner in (world["agent.dub"], world["lead.dub"], world["admin"]):
        client.force_login(owner)
        assert client.get(url).status_code == 200, owner
    for outsider in (world["agent.mnl"], world["lead.mnl"], _vendor_agent()):
        client.force_login(outsider)
        assert client.get(url).status_code == 404, outsider
        assert client.get(f"/qa/tickets/{reviewed.ticket_id}/review/").status_code == 404
    client.logout()
    assert client.get(url).url.startswith("/login/")


def test_review_page_masks_message_bodies_for_vendor_tier1_agents(client, world):
    t = conversation(agent=world["agent.mnl"], team=world["teams"]["mnl"], country="DE", solve=False)
    ticket_customer_message(ticket=t, body="Write to ana.lopez@example.org please", at=T0)
    review = review_create(ticket=t, scores=points(world["rubrics"]["dach"]), actor=world["lead.mnl"])
    client.force_login(world["agent.mnl"])  # a BPO vendor's Tier 1 agent
    body = client.get(f"/qa/reviews/{review.pk}/").content.decode()
    assert "ana.lopez@example.org" not in body and "a•••@example.org" in body
    client.force_login(world["lead.mnl"])
    assert "ana.lopez@example.org" in client.get(f"/qa/reviews/{review.pk}/").content.decode()


def test_agent_disputes_on_the_page_and_the_lead_resolves(client, world, reviewed):
    client.force_login(world["agent.dub"])
    assert client.post(f"/qa/reviews/{reviewed.pk}/dispute/", {"reason": "Too harsh"}).status_code == 302
    assert client.post(f"/qa/reviews/{reviewed.pk}/dispute/", {"reason": "Again"}).status_code == 400
    client.force_login(world["lead.mnl"])
    assert (
        client.post(f"/qa/reviews/{reviewed.pk}/resolve/", {"status": "upheld", "resolution": "x"}).status_code == 404
    )
    client.force_login(world["lead.dub"])
    home = client.get("/qa/").content.decode()
    assert "Too harsh" in home
    response = client.post(f"/qa/reviews/{reviewed.pk}/resolve/", {"status": "upheld", "resolution": "Stands"})
    assert response.status_code == 302
    assert Dispute.objects.get(review=reviewed).status == "upheld"


def test_home_lists_own_reviews_only_for_agents(client, world, reviewed):
    client.force_login(world["agent.dub"])
    assert reviewed.ticket.reference in client.get("/qa/").content.decode()
    client.force_login(world["agent.mnl"])
    assert reviewed.ticket.reference not in client.get("/qa/").content.decode()


def test_follow_up_page_flow(client, world):
    t = conversation(agent=world["agent.dub"], team=world["teams"]["dub"], country="US", language="en")
    survey_answer(survey=survey_create(ticket_id=t.pk, now=T0), score=1, at=T0)
    follow_up = FollowUp.objects.get()
    client.force_login(world["lead.mnl"])
    assert client.post(f"/qa/follow-ups/{follow_up.pk}/done/", {"note": "x"}).status_code == 404
    client.force_login(world["lead.dub"])
    assert t.reference in client.get("/qa/").content.decode()
    client.post(f"/qa/follow-ups/{follow_up.pk}/done/", {"note": "Called back, refunded"})
    follow_up.refresh_from_db()
    assert follow_up.status == "done" and follow_up.done_by == world["lead.dub"]


def test_rubric_pages(client, world):
    dach = world["rubrics"]["dach"]
    client.force_login(world["agent.mnl"])
    assert client.get("/qa/rubrics/").status_code == 200
    assert client.get(f"/qa/rubrics/{dach.pk}/").status_code == 200
    assert client.post("/qa/rubrics/new/", {"market": dach.market_id}).status_code == 404
    client.force_login(world["admin"])
    response = client.post("/qa/rubrics/new/", {"market": dach.market_id})
    draft = dach.market.rubrics.get(version=2)
    assert response.url == f"/qa/rubrics/{draft.pk}/edit/"
    edit = client.get(response.url)
    assert edit.status_code == 200 and "qa/rubric-preview.js" in edit.content.decode()
    form = {"name": "DACH v2", "criteria-TOTAL_FORMS": "2", "criteria-INITIAL_FORMS": "0",
            "criteria-MIN_NUM_FORMS": "0", "criteria-MAX_NUM_FORMS": "20",
            "criteria-0-name": "Brevity", "criteria-0-weight": "2", "criteria-0-scale": "2",
            "criteria-0-point_descriptions": "Long\nShort",
            "criteria-1-name": "Accuracy", "criteria-1-weight": "1", "criteria-1-scale": "3",
            "criteria-1-point_descriptions": "Wrong\nPartly\nRight", "criteria-1-auto_fail": "on",
            "publish": "1"}  # fmt: skip
    assert client.post(response.url, form).status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published" and [c.name for c in draft.criteria.all()] == ["Brevity", "Accuracy"]
    assert draft.criteria.get(name="Accuracy").auto_fail
    assert AuditEntry.objects.filter(object_type="qa.rubric", summary__contains="published").exists()
    assert client.get(f"/qa/rubrics/{draft.pk}/edit/").status_code == 302  # published: no more edits


def test_calibration_pages_are_blind_until_closed(client, world):
    t = conversation(agent=world["agent.mnl"], team=world["teams"]["mnl"])
    session = session_create(
        name="S1", tickets=[t], reviewers=[world["lead.dub"], world["admin"]], actor=world["lead.mnl"]
    )
    url = f"/qa/calibration/{session.pk}/"
    client.force_login(world["lead.dub"])
    page = client.get(url).content.decode()
    assert "Blind scoring" in page and "Spread per criterion" not in page
    data = {f"c{c.pk}_point": str(min(3, c.scale)) for c in world["rubrics"]["dach"].criteria.all()}
    assert client.post(f"{url}tickets/{t.pk}/", data).status_code == 302
    assert client.get(f"{url}tickets/{t.pk}/?reference=1").status_code == 404
    client.force_login(world["lead.mnl"])
    assert "Spread per criterion" in client.get(url).content.decode()
    assert client.get("/qa/calibration/").status_code == 200
    for outsider in (world["agent.mnl"], _vendor_agent()):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.get("/qa/calibration/").status_code == 404


def test_metrics_page_csv_and_weights(client, world, reviewed):
    client.force_login(world["lead.dub"])
    page = client.get("/qa/metrics/", {"dimension": "team", "week": reviewed.created_at.date().isoformat()})
    assert page.status_code == 200 and "Dublin T1" in page.content.decode() and "Manila T1" not in page.content.decode()
    csv = client.get("/qa/metrics.csv", {"dimension": "team", "week": reviewed.created_at.date().isoformat()})
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("week_start_utc,dimension,label,qa") and "Dublin T1" in lines[1]
    assert AuditEntry.objects.filter(action="export", summary__contains="QA metrics").exists()
    assert client.post("/qa/metrics/settings/", {"weight_qa": "1"}).status_code == 404  # leads do not set weights
    for outsider in (world["agent.dub"], _vendor_agent()):
        client.force_login(outsider)
        assert client.get("/qa/metrics/").status_code == 404
        assert client.get("/qa/metrics.csv").status_code == 404
    client.logout()
    assert client.get("/qa/metrics/").url.startswith("/login/")


def test_dispute_exists_only_once_in_the_database(world, reviewed):
    dispute_raise(review=reviewed, reason="No", actor=world["agent.dub"])
    assert Dispute.objects.count() == 1


def test_score_a_ticket_by_reference(client, world):
    t = conversation(agent=world["agent.dub"], team=world["teams"]["dub"])
    client.force_login(world["lead.dub"])
    assert client.get("/qa/", {"ticket": t.reference}).url == f"/qa/tickets/{t.pk}/review/"
    client.force_login(world["agent.dub"])
    assert client.get("/qa/", {"ticket": t.reference}).status_code == 200  # agents do not score


def test_metrics_week_is_named_by_its_utc_days_in_any_time_zone(client, world):
    lead = world["lead.dub"]
    lead.time_zone = "America/Mexico_City"  # Monday 00:00 UTC is Sunday evening there
    lead.save(update_fields=["time_zone"])
    client.force_login(lead)
    page = client.get("/qa/metrics/", {"week": "2026-11-04"}).content.decode()
    assert "Week of Mon 2 Nov 2026 to Sun 8 Nov 2026" in page and "week=2026-11-02" in page
