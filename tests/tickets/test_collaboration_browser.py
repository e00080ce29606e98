"""Issue #13, done when: in Chromium a Manila agent mentions a Kraków Tier-3 agent in a note and opens a side
conversation with Kraków; the Kraków agent sees both in their shift."""

import datetime as dt

import pytest
import time_machine
from playwright.sync_api import expect

from tests.factories import PASSWORD, ticket
from tickets.models import Mention, SideConversation
from tickets.services import ticket_assign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORT = {"width": 1400, "height": 900}


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_manila_mentions_and_asks_krakow_who_sees_both_in_their_shift(live_server, browser, check_page, collab):
    # Tomorrow (so the session cookies set in the travelled time are still valid for the real browser), 03:00 UTC:
    # Manila Tier 1 is on shift, Kraków Tier 3 starts at 08:00.
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    night = dt.datetime.combine(tomorrow, dt.time(3), tzinfo=dt.UTC)
    krakow_morning = dt.datetime.combine(tomorrow, dt.time(8, 5), tzinfo=dt.UTC)

    with time_machine.travel(night, tick=True):
        t = ticket(subject="Webhook deliveries fail")
        t = ticket_assign(ticket=t, assignee=collab["maria"], actor=collab["maria"])
        maria = browser.new_context(viewport=VIEWPORT).new_page()
        maria.set_default_timeout(10_000)
        _login(maria, live_server, "maria")
        maria.goto(f"{live_server.url}/tickets/{t.pk}/")
        maria.wait_for_load_state("domcontentloaded")

        # when Maria types @kas in the note, the composer suggests Kasia of Kraków Tier 3, and Enter picks her
        body = maria.get_by_label("Reply or internal note")
        body.click()
        body.press_sequentially("@kas")
        suggestion = maria.get_by_role("option", name="@kasia — Kasia Nowak · Kraków Tier 3")
        expect(suggestion).to_be_visible()
        body.press("Enter")
        expect(body).to_have_value("@kasia ")
        body.press_sequentially("could the gateway reject this customer's webhooks?")
        maria.get_by_role("button", name="Add internal note").click()

        # then the note is on the timeline with the mention marked
        mention = maria.locator("#timeline mark.mention", has_text="@kasia")
        expect(mention).to_be_visible()
        assert Mention.objects.filter(user=collab["kasia"], ticket=t).exists()
        check_page(maria)

        # when she asks Kraków Tier 3 in a side conversation
        maria.get_by_role("link", name="Start a side conversation").click()
        maria.get_by_label("Ask").select_option(label="Kraków Tier 3 · Kraków")
        maria.get_by_label("Subject").fill("Gateway 502s since 06:00?")
        maria.get_by_label("Question").fill("Every webhook call of this customer gets a 502. Is it the gateway?")
        check_page(maria)
        maria.get_by_role("button", name="Start the side conversation").click()

        # then the thread is on the ticket
        thread = maria.get_by_role("article", name="Gateway 502s since 06:00?")
        expect(thread).to_contain_text("With Kraków Tier 3")
        expect(thread).to_contain_text("Every webhook call of this customer gets a 502")
        conversation = SideConversation.objects.get(ticket=t)

        # and Kasia, off shift at 03:00, has nothing yet
        kasia = browser.new_context(viewport=VIEWPORT).new_page()
        kasia.set_default_timeout(10_000)
        _login(kasia, live_server, "kasia")
        kasia.goto(f"{live_server.url}/notifications/")
        expect(kasia.get_by_text("No notifications yet.")).to_be_visible()

    with time_machine.travel(krakow_morning, tick=True):
        # when Kasia's shift starts, her notifications hold the mention and the side conversation
        kasia.goto(f"{live_server.url}/notifications/")
        notices = kasia.get_by_role("list", name="Your notifications, newest first")
        expect(notices).to_contain_text(f"Maria Santos mentioned you on {t.reference}: Webhook deliveries fail")
        expect(notices).to_contain_text(
            f"Maria Santos (Manila Tier 1) asks on {t.reference}: Gateway 502s since 06:00?"
        )
        check_page(kasia, screenshot="collaboration-notifications")

        # her queue's "Mentioned me" view lists the ticket, and the side conversations list shows what asks her
        kasia.goto(f"{live_server.url}/queue/?view=mentioned")
        expect(kasia.locator(f"#row-{t.pk}")).to_be_visible()
        kasia.get_by_role("link", name="Side conversations").click()
        expect(kasia.get_by_role("row", name=t.reference)).to_contain_text("Gateway 502s since 06:00? ➜ asks you")
        check_page(kasia)

        # and she opens the ticket (shared with her by the mention) and answers in the thread
        kasia.get_by_role("link", name=t.reference).click()
        thread = kasia.get_by_role("article", name="Gateway 502s since 06:00?")
        thread.get_by_label("Message to Kraków Tier 3").fill("The endpoint answers after 10 s; we cut it there.")
        thread.get_by_role("button", name="Send").click()
        expect(kasia.get_by_role("article", name="Gateway 502s since 06:00?")).to_contain_text(
            "The endpoint answers after 10 s"
        )
        check_page(kasia, screenshot="side-conversation")
    assert [e.actor.username for e in t.events.filter(kind="side_conversation")] == ["maria", "kasia"]
    assert conversation.ticket_id == t.pk
