import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from handoff.models import Briefing
from handoff.services import briefing_acknowledge, briefing_content
from tests.factories import PASSWORD, AgentFactory, UserFactory, ticket
from tickets.collaboration import side_conversation_start
from tickets.services import ticket_move_to_team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lead_joins_the_stand_up_from_the_briefing_and_sees_attendance(live_server, page, check_page, sun):
    # given Dublin's stand-up link, five stand-ups with their attendance, and the briefing of the next shift change,
    # prepared at overlap start, listing a side conversation Manila opened with Mexico City
    now = timezone.now()
    dublin, manila = sun["dub"], sun["mnl"]
    dublin.meeting_url = "https://meet.example.org/dublin-standup"
    dublin.save()
    lead = dublin.leads.get()
    agents = [AgentFactory(team=dublin, user=UserFactory(username=f"dub{i}", role="agent")).user for i in range(4)]
    asker = AgentFactory(team=manila, user=UserFactory(username="maria", first_name="Maria", role="agent")).user
    t = ticket_move_to_team(ticket=ticket(subject="Card declined"), team=manila, actor=None, reason="setup")
    side_conversation_start(ticket=t, team=sun["mex"], subject="Spanish call-back?", body="Can you call?", actor=asker)

    def briefing(boundary_at):
        content = briefing_content(departing_team=manila, arriving_team=dublin, boundary_at=boundary_at)
        return Briefing.objects.create(
            team=dublin, departing_team=manila, boundary_at=boundary_at, prepared_at=boundary_at, content=content
        )

    for day in range(5, 0, -1):
        held = briefing(now - dt.timedelta(days=day))
        briefing_acknowledge(briefing=held, attendees=agents[: 4 - day % 3], standup_held=True, actor=lead)
    upcoming = briefing(now + dt.timedelta(minutes=30))

    # when Dublin's lead opens the dashboard
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(lead.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/handoff/?team=t1-dub")

    # then the briefing offers the stand-up call, lists the open side conversation, and attendance is charted
    briefing_section = page.get_by_role("region", name="Briefing for the stand-up")
    join = briefing_section.get_by_role("link", name="Join the stand-up call")
    expect(join).to_have_attribute("href", "https://meet.example.org/dublin-standup")
    expect(briefing_section).to_contain_text("Spanish call-back? (Manila T1 → Mexico City T1)")
    attendance = page.get_by_role("region", name="Stand-up attendance")
    expect(attendance.get_by_role("img", name="Share of the team at each stand-up, oldest on the left")).to_be_visible()
    expect(attendance.get_by_role("row")).to_have_count(6)  # the header and five stand-ups
    check_page(page, screenshot="standup-attendance")

    # and the printable briefing has the link too
    page.goto(f"{live_server.url}/handoff/briefings/{upcoming.pk}/")
    expect(page.get_by_role("link", name="Join the stand-up call")).to_be_visible()
    expect(page.get_by_text("Spanish call-back?")).to_be_visible()
    check_page(page)
