import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from handoff.selectors import attendance_chart, briefings_with_attendance
from handoff.services import briefing_acknowledge, briefing_prepare
from tests.factories import AgentFactory, UserFactory
from tests.handoff.conftest import BOUNDARY

pytestmark = pytest.mark.django_db

# Manila's shift ends at 08:00 UTC and Dublin arrives: the stand-up of Dublin Tier 1.
MORNING = BOUNDARY.replace(hour=8)


@pytest.fixture
def dublin(sun):
    team = sun["dub"]
    agents = [AgentFactory(team=team, user=UserFactory(username=f"dub{i}", role="agent")).user for i in range(4)]
    return {"team": team, "agents": agents, "lead": team.leads.get(), "manila": sun["mnl"]}


def _briefing(dublin, day):
    briefing, _ = briefing_prepare(
        team=dublin["manila"], boundary_at=MORNING + dt.timedelta(days=day), now=MORNING + dt.timedelta(days=day)
    )
    return briefing


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://meet.example.org/dub-standup", True),
        ("http://jitsi.internal:8443/t1-dub", True),
        ("", True),
        ("javascript:alert(1)", False),
        ("ftp://files.example.org/standup", False),
        ("meet.example.org/standup", False),
    ],
)
def test_the_meeting_link_is_any_http_or_https_url(sun, url, ok):
    team = sun["dub"]
    team.meeting_url = url
    if ok:
        team.full_clean()
    else:
        with pytest.raises(ValidationError) as error:
            team.full_clean()
        assert "meeting_url" in error.value.message_dict


def test_admins_edit_the_meeting_link_in_the_admin_and_the_api(client, sun):
    team = sun["dub"]
    admin = UserFactory(username="boss", role="admin")
    client.force_login(admin)
    form = client.get(reverse("admin:regions_team_change", args=[team.pk])).content.decode()
    assert 'name="meeting_url"' in form and "stand-up meeting link" in form.lower()
    api = APIClient()
    api.force_authenticate(admin)
    bad = api.patch(f"/api/v1/teams/{team.pk}/", {"meeting_url": "javascript:alert(1)"}, format="json")
    assert bad.status_code == 400 and "meeting_url" in bad.json()["error"]["fields"]
    good = api.patch(f"/api/v1/teams/{team.pk}/", {"meeting_url": "https://meet.example.org/dub"}, format="json")
    assert good.status_code == 200 and good.json()["meeting_url"] == "https://meet.example.org/dub"
    # an agent reads it but may not change it
    api.force_authenticate(AgentFactory(team=team).user)
    assert api.get(f"/api/v1/teams/{team.pk}/").json()["meeting_url"] == "https://meet.example.org/dub"
    assert api.patch(f"/api/v1/teams/{team.pk}/", {"meeting_url": ""}, format="json").status_code == 403


@time_machine.travel(MORNING - dt.timedelta(minutes=30), tick=False)  # the overlap: the briefing is prepared
def test_the_briefing_shows_the_stand_up_link_from_the_overlap(client, dublin):
    team = dublin["team"]
    briefing = _briefing(dublin, 0)
    client.force_login(dublin["lead"])
    # without a link, the dashboard says who adds it
    page = client.get(reverse("handoff-dashboard"), {"team": team.code}).content.decode()
    assert "No stand-up call link for Dublin T1 yet" in page
    # with one, the dashboard and the printable briefing show it
    team.meeting_url = "https://meet.example.org/dub-standup"
    team.save()
    for url in (f"{reverse('handoff-dashboard')}?team={team.code}", reverse("briefing", args=[briefing.pk])):
        page = client.get(url).content.decode()
        assert 'href="https://meet.example.org/dub-standup"' in page, url
        assert "Join the stand-up call" in page


def test_attendance_over_the_last_briefings(client, dublin):
    # given four stand-ups: 4, 3 and 1 of the 4 agents attended, and one not held
    agents, lead = dublin["agents"], dublin["lead"]
    for day, attendees in enumerate([agents, agents[:3], agents[:1], None]):
        briefing = _briefing(dublin, day)
        if attendees is not None:
            briefing_acknowledge(
                briefing=briefing, attendees=attendees, standup_held=True, actor=lead, now=briefing.boundary_at
            )
    now = MORNING + dt.timedelta(days=3, hours=1)
    # when the lead looks at the attendance
    current, history = briefings_with_attendance(dublin["team"], now)
    chart = attendance_chart(history, team_size=4)
    # then the newest briefing is the current one, and the chart shows each stand-up oldest first
    assert current == history[0] and current.boundary_at == MORNING + dt.timedelta(days=3)
    assert [b["height"] for b in chart["bars"]] == [40, 30, 10, 0]
    assert [(r["attended"], r["share"], r["held"]) for r in chart["rows"]] == [
        (0, 0.0, False),
        (1, 0.25, True),
        (3, 0.75, True),
        (4, 1.0, True),
    ]
    assert chart["bars"][0]["label"].endswith("UTC: 4 of 4 attended")
    # and the dashboard shows the chart with its table
    with time_machine.travel(now, tick=False):
        client.force_login(lead)
        page = client.get(reverse("handoff-dashboard"), {"team": "t1-dub"}).content.decode()
    assert "Stand-up attendance" in page and "Attendance per briefing, newest first" in page
    assert '<td class="num">75 %</td>' in page and "not recorded" in page


def test_only_the_last_fourteen_count_and_no_team_means_no_share():
    assert attendance_chart([], team_size=0) == {"bars": [], "width": 10, "rows": [], "team_size": 0}


def test_history_stops_at_fourteen_briefings(dublin):
    for day in range(16):
        _briefing(dublin, day)
    _, history = briefings_with_attendance(dublin["team"], MORNING + dt.timedelta(days=20))
    assert len(history) == 14 and history[0].boundary_at == MORNING + dt.timedelta(days=15)
