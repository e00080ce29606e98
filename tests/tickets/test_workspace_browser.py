import re

import pytest
from playwright.sync_api import expect

from tests.factories import (
    PASSWORD,
    AgentFactory,
    CustomerFactory,
    RegionFactory,
    TeamFactory,
    UserFactory,
    shift_pattern,
    ticket,
)
from tickets.models import Macro, SlaPolicy
from tickets.services import ticket_assign, ticket_set_next_action, ticket_set_status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORT = {"width": 1400, "height": 900}
# Live refresh polls every 5 s (ticket) and 10 s (queue); wait a little longer than one period.
POLL = 12_000


def _agent(team, username, first, last):
    user = UserFactory(username=username, first_name=first, last_name=last, role="agent", time_zone="Europe/Dublin")
    AgentFactory(user=user, team=team)
    return user


@pytest.fixture
def desk():
    """A small Dublin Tier 1 desk like the demo's: two agents, SLA policies, a macro and a handful of tickets."""
    region = RegionFactory(code="dub", name="Dublin", time_zone="Europe/Dublin", country="IE")
    team = TeamFactory(code="t1-dub", name="Dublin Tier 1", region=region, tier=1)
    shift_pattern(team, "00:00-00:00")
    for priority, minutes in (("low", 480), ("normal", 120), ("high", 60), ("urgent", 15)):
        SlaPolicy.objects.create(
            name=priority,
            priority=priority,
            first_response_minutes=minutes,
            next_response_minutes=minutes,
            resolution_minutes=minutes * 8,
        )
    aoife = _agent(team, "agent1.dub", "Aoife", "Byrne")
    cian = _agent(team, "agent2.dub", "Cian", "Murphy")
    Macro.objects.create(name="Checking with billing", body="Hi {customer_name}, I am checking {reference} now.")
    ana = CustomerFactory(name="Ana Ruiz", email="ana@example.org", company="Acme", country="MX", vip=True)
    main = ticket(customer=ana, subject="Refund not received", body="I was promised a refund **a week ago**.")
    main = ticket_assign(ticket=main, assignee=aoife, actor=aoife)
    ticket_set_next_action(ticket=main, text="Check the refund status with billing", actor=aoife)
    for subject, priority in (("Cannot log in", "urgent"), ("Invoice shows wrong VAT", "normal"), ("Export", "low")):
        ticket_assign(ticket=ticket(subject=subject, priority=priority), assignee=aoife, actor=aoife)
    ticket_set_status(ticket=ticket_assign(ticket=ticket(), assignee=aoife, actor=aoife), status="pending", actor=aoife)
    ticket(subject="Unassigned question")
    # Cian hands one to Aoife: she gets a notification
    ticket_assign(ticket=ticket(subject="Chargeback dispute", priority="high"), assignee=aoife, actor=cian)
    return {"aoife": aoife, "cian": cian, "main": main}


def _ready(page):
    """Keyboard shortcuts come from a deferred script: wait for it before pressing keys after a navigation."""
    page.wait_for_load_state("domcontentloaded")


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_agent_works_a_ticket_while_a_colleague_sees_it_live(live_server, page, browser, check_page, desk):
    main = desk["main"]
    page.set_viewport_size(VIEWPORT)
    # given Aoife signs in: she lands in her queue
    _login(page, live_server, "agent1.dub")
    expect(page).to_have_url(f"{live_server.url}/queue/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("My tickets")
    expect(page.get_by_role("link", name="Notifications (1)")).to_be_visible()
    rows = page.locator("tr[data-ticket-row]")
    expect(rows).to_have_count(6)
    expect(page.locator(f"#row-{main.pk}")).to_contain_text("Ana Ruiz")
    _ready(page)
    check_page(page, screenshot="queue")

    # when she opens the help overlay, then it lists the shortcuts and Esc closes it
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # when she moves with j/k and opens with Enter, then the selected ticket opens
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    first = rows.first.locator("a.ticket-link")
    expect(first).to_be_focused()
    page.locator(f"#open-{main.pk}").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/tickets/{main.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Refund not received")
    _ready(page)

    # and a colleague opens the same ticket in his own browser
    other = browser.new_context(viewport=VIEWPORT)
    cian = other.new_page()
    cian.set_default_timeout(10_000)
    _login(cian, live_server, "agent2.dub")
    cian.goto(f"{live_server.url}/tickets/{main.pk}/")
    cian.evaluate("window.notReloaded = true")
    expect(cian.locator("#presence")).to_contain_text("Aoife Byrne is viewing this ticket")

    # then header, Next Action and the latest message are above the fold for Aoife
    for selector in (".ticket-head h1", ".next-action", "#timeline .event.message"):
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["y"] + min(box["height"], 40) <= VIEWPORT["height"], selector
    check_page(page, screenshot="ticket")

    # when Aoife starts a reply, then Cian sees she is typing
    page.keyboard.press("r")
    expect(page.get_by_label("Reply or internal note")).to_be_focused()
    page.keyboard.type("Thanks for your patience. ")
    expect(cian.locator("#presence")).to_contain_text("Aoife Byrne is typing a reply", timeout=POLL)
    # a macro is appended, filled in for this ticket, and the reply is sent
    page.get_by_label("Insert macro").select_option(label="Checking with billing")
    composer = page.get_by_label("Reply or internal note")
    expect(composer).to_have_value(f"Thanks for your patience.\n\nHi Ana Ruiz, I am checking {main.reference} now.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status").first).to_contain_text("Reply sent.")
    _ready(page)

    # an internal note, the Next Action and the status, from the keyboard where there is a shortcut
    page.keyboard.press("n")
    page.keyboard.type("Billing says the refund left on Monday.")
    page.get_by_role("button", name="Add internal note").click()
    expect(page.locator("#timeline .event.kind-note").first).to_contain_text("Internal note")
    _ready(page)
    page.keyboard.press("a")
    expect(page.get_by_label("Next Action", exact=True)).to_be_focused()
    page.keyboard.type("Confirm with the customer the refund arrived")
    page.get_by_role("button", name="Save Next Action").click()
    expect(page.locator(".next-action-text")).to_have_text("Confirm with the customer the refund arrived")
    _ready(page)
    page.keyboard.press("s")
    status = page.get_by_label("Status", exact=True)
    expect(status).to_be_focused()
    status.select_option("pending")
    page.get_by_role("button", name="Change status").click()
    expect(page.locator(".ticket-head")).to_contain_text("Pending customer")

    # then Cian sees all of it without reloading
    live = cian.locator("#ticket-live")
    expect(live).to_contain_text("Pending customer", timeout=POLL)
    expect(live).to_contain_text("Confirm with the customer the refund arrived")
    timeline = cian.locator("#timeline")
    expect(timeline).to_contain_text("Billing says the refund left on Monday.")
    expect(timeline.locator(".event.kind-note").first).to_contain_text("Internal note")
    expect(timeline).to_contain_text("Hi Ana Ruiz")
    assert cian.evaluate("window.notReloaded") is True
    other.close()


def test_new_ticket_appears_in_the_queue_and_its_scripts_never_run(live_server, page, check_page, desk):
    page.set_viewport_size(VIEWPORT)
    _login(page, live_server, "agent1.dub")
    page.get_by_role("link", name=re.compile(r"^Unassigned")).click()
    expect(page.locator("tr[data-ticket-row]")).to_have_count(1)
    _ready(page)
    page.evaluate("window.notReloaded = true")
    # when a ticket carrying scripts arrives while Aoife looks at the queue
    hostile = ticket(
        subject="<script>window.pwned=1</script>",
        body='<script>window.pwned=1</script>\n\n<img src=x onerror="window.pwned=1">\n\n'
        "[click](javascript:window.pwned=1)",
    )
    # then it appears without a reload, its subject shown as text, and the tab count follows
    expect(page.locator(f"#row-{hostile.pk}")).to_contain_text("<script>window.pwned=1</script>", timeout=POLL)
    expect(page.locator("#count-unassigned")).to_have_text("2")
    assert page.evaluate("window.notReloaded") is True

    # when she opens it with the keyboard and takes it with "m"
    page.locator(f"#open-{hostile.pk}").focus()
    page.keyboard.press("o")
    expect(page).to_have_url(f"{live_server.url}/tickets/{hostile.pk}/")
    _ready(page)
    page.keyboard.press("m")
    expect(page.get_by_role("status").first).to_contain_text("Assigned to you.")
    expect(page.locator(".ticket-head")).to_contain_text("Aoife Byrne")
    # and replies with a script of her own
    page.get_by_label("Reply or internal note").fill("<script>window.pwned=1</script> **bold**")
    page.get_by_role("button", name="Send reply").click()
    # then every script shows as text and none ran
    expect(page.locator("#timeline .kind-reply").first).to_contain_text("<script>window.pwned=1</script>")
    expect(page.locator("#timeline .kind-reply .message-body strong").first).to_have_text("bold")
    expect(page.locator("#timeline")).to_contain_text("<img src=x")
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.locator("#timeline a[href^='javascript']").count() == 0

    # the notifications page passes the same accessibility check
    page.get_by_role("link", name=re.compile(r"^Notifications \(")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    expect(page.get_by_role("list", name="Your notifications, newest first")).to_contain_text("Cian Murphy assigned")
    check_page(page, screenshot="notifications")
    page.get_by_role("button", name=re.compile(r"^Mark read")).click()
    expect(page.get_by_role("link", name="Notifications (0)")).to_be_visible()
