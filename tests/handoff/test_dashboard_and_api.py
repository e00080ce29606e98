import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from handoff.models import Briefing
from handoff.services import briefings_prepare_due, handoff_run
from tests.factories import UserFactory, ticket
from tickets.services import ticket_move_to_team, ticket_set_next_action

from .conftest import BOUNDARY

pytestmark = pytest.mark.django_db
BEFORE = BOUNDARY - dt.timedelta(hours=2)


def owned_by(team, note=""):
    t = ticket_move_to_team(ticket=ticket(at=BEFORE), team=team, actor=None, reason="setup", at=BEFORE)
    if note:
        t = ticket_set_next_action(ticket=t, text=note, actor=None, at=BEFORE + dt.timedelta(minutes=1))
    return t


@pytest.fixture
def lead_dub(sun):
    return sun["dub"].leads.get()


@time_machine.travel(BOUNDARY - dt.timedelta(minutes=30), tick=False)
def test_lead_dashboard_shows_countdown_readiness_briefing_and_runs(client, sun, lead_dub):
    bare = owned_by(sun["dub"])
    owned_by(sun["dub"], note="ok")
    handoff_run(team=sun["mnl"], boundary_at=BOUNDARY - dt.timedelta(hours=9), now=BOUNDARY - dt.timedelta(hours=9))
    sun["mex"].leads.add(lead_dub)  # leads both: sees the briefing where Mexico City arrives
    briefings_prepare_due(now=BOUNDARY - dt.timedelta(minutes=30))
    client.force_login(lead_dub)

    page = client.get(reverse("handoff-dashboard"), {"team": "t1-dub"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "in 30 min" in html and "Mexico City T1" in html
    assert "1 would block" in html and bare.reference in html
    assert f'href="/tickets/{bare.pk}/#next-action"' in html
    page = client.get(reverse("handoff-dashboard"), {"team": "t1-mex"})
    assert "Acknowledge briefing" in page.content.decode()


def test_acknowledge_from_the_dashboard(client, sun, lead_dub):
    owned_by(sun["dub"], note="x")
    [briefing] = briefings_prepare_due(now=BOUNDARY - dt.timedelta(minutes=30))
    sun["mex"].leads.add(lead_dub)
    client.force_login(lead_dub)
    bad = client.post(reverse("briefing-ack", args=[briefing.pk]), {"attendees": [lead_dub.pk]}, follow=True)
    assert "only for a stand-up that was held" in bad.content.decode()
    client.post(reverse("briefing-ack", args=[briefing.pk]), {"standup_held": "on", "attendees": [lead_dub.pk]})
    briefing = Briefing.objects.get()
    assert briefing.acknowledged_by == lead_dub and list(briefing.attendees.all()) == [lead_dub]
    assert client.get(reverse("briefing", args=[briefing.pk])).status_code == 200


def test_outsiders(client, sun):
    [briefing] = (owned_by(sun["dub"], note="x"), briefings_prepare_due(now=BOUNDARY - dt.timedelta(minutes=30)))[1]
    client.force_login(UserFactory(role="agent"))
    assert client.get(reverse("handoff-dashboard")).status_code == 404
    other_lead = UserFactory(role="lead")
    sun["mnl"].leads.add(other_lead)
    client.force_login(other_lead)
    assert client.get(reverse("briefing", args=[briefing.pk])).status_code == 404
    assert client.post(reverse("briefing-ack", args=[briefing.pk]), {"standup_held": "on"}).status_code == 404
    page = client.get(reverse("handoff-dashboard"), {"team": "t1-dub"})
    assert page.context["team"] == sun["mnl"]  # a lead only ever sees their own teams
    client.logout()
    assert client.get(reverse("handoff-dashboard")).status_code == 302


def test_api_runs_handoffs_briefings_trigger_and_detectors(sun, lead_dub):
    t = owned_by(sun["dub"], note="x")
    bare = owned_by(sun["dub"])
    handoff_run(team=sun["dub"], boundary_at=BOUNDARY, now=BOUNDARY)
    [briefing] = briefings_prepare_due(now=BOUNDARY + dt.timedelta(hours=6, minutes=30))  # Mexico City -> Manila
    api = APIClient()
    api.force_authenticate(lead_dub)

    runs = api.get("/api/v1/handoff-runs/", {"team": "t1-dub"}).json()["results"]
    assert [(r["team"]["code"], r["moved"], r["blocked"]) for r in runs] == [("t1-dub", 1, 1)]
    handoffs = api.get("/api/v1/handoffs/", {"outcome": "blocked"}).json()["results"]
    assert [h["ticket"] for h in handoffs] == [bare.pk]
    assert api.get("/api/v1/handoffs/", {"ticket": t.pk}).json()["results"][0]["to_team"] == "t1-mex"
    assert api.get("/api/v1/briefings/").json()["results"][0]["id"] == briefing.pk
    assert api.post(f"/api/v1/briefings/{briefing.pk}/acknowledge/", {"standup_held": True}).status_code == 403
    assert api.post("/api/v1/handoff-runs/trigger/", {"team": "t1-mex"}).status_code == 403

    admin = APIClient()
    admin.force_authenticate(UserFactory(role="admin"))
    ack = admin.post(f"/api/v1/briefings/{briefing.pk}/acknowledge/", {"standup_held": True, "attendees": ["nobody"]})
    assert ack.status_code == 400 and ack.json()["error"]["fields"] == {"attendees": ["Unknown username in the list."]}
    ran = admin.post("/api/v1/handoff-runs/trigger/", {"team": "t1-dub", "boundary_at": BOUNDARY.isoformat()})
    assert ran.status_code == 201 and ran.json()["moved"] == 1  # the same finished run
    with time_machine.travel(BOUNDARY + dt.timedelta(hours=1), tick=False):
        cold = admin.get("/api/v1/cold-tickets/").json()
    assert bare.pk in [c["id"] for c in cold]
    assert admin.get("/api/v1/bouncing-tickets/").json() == []


def test_api_outsiders(sun):
    assert APIClient().get("/api/v1/handoff-runs/").status_code == 401
    agent = APIClient()
    agent.force_authenticate(UserFactory(role="agent"))
    assert agent.get("/api/v1/handoff-runs/").status_code == 403
    bot = UserFactory(role="integration")
    token = APIClient()
    token.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=bot).key}")
    assert token.get("/api/v1/handoff-runs/").status_code == 200
