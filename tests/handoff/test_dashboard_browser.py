import datetime as dt

import pytest
from playwright.sync_api import expect

from handoff.services import briefings_prepare_due, handoff_run
from tests.factories import PASSWORD, ticket
from tickets.services import ticket_move_to_team, ticket_set_next_action

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lead_sees_readiness_update_live(live_server, page, check_page, sun):
    now = dt.datetime.now(dt.UTC)
    lead = sun["dub"].leads.get()
    for team in sun.values():
        team.leads.add(lead)
    past = now - dt.timedelta(hours=1)
    bare = ticket_move_to_team(ticket=ticket(at=past), team=sun["dub"], actor=None, reason="setup", at=past)
    ready = ticket_move_to_team(ticket=ticket(at=past), team=sun["dub"], actor=None, reason="setup", at=past)
    ticket_set_next_action(ticket=ready, text="Confirm the refund", actor=lead, at=past)
    handoff_run(team=sun["mnl"], boundary_at=now - dt.timedelta(minutes=5), now=now - dt.timedelta(minutes=5))
    briefings_prepare_due(now=now)

    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(lead.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/handoff/?team=t1-dub")

    readiness = page.get_by_role("region", name="Readiness: tickets that would block")
    expect(readiness).to_contain_text(bare.reference)
    expect(readiness).not_to_contain_text(ready.reference)
    check_page(page, screenshot="handoff-dashboard")

    # another agent writes the missing note; the dashboard shows it without a reload
    ticket_set_next_action(ticket=bare, text="Call the customer back at 9", actor=lead)
    expect(page.get_by_text("Every open ticket of Dublin T1 has a valid Next Action")).to_be_visible(timeout=15_000)
