import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import (
    PASSWORD,
    AgentFactory,
    CustomerFactory,
    RegionFactory,
    TeamFactory,
    UserFactory,
    VendorFactory,
    shift_pattern,
    ticket,
)
from tickets.services import ticket_assign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "ana.ruiz@example.com"


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.fixture
def vendor_desk():
    """A Tier-1 agent of an outsourcing partner in Dublin with one ticket of a customer with a card on file."""
    region = RegionFactory(code="dub", name="Dublin", time_zone="Europe/Dublin", country="IE", residency_zone="EU")
    vendor = VendorFactory(name="Pacific Shore BPO", kind="bpo")
    team = TeamFactory(code="bpo-t1", name="Pacific Shore Tier 1", region=region, tier=1, vendor=vendor)
    shift_pattern(team, "00:00-00:00")
    user = UserFactory(username="vendor1", first_name="Kai", last_name="Tan", role="agent", time_zone="Europe/Dublin")
    AgentFactory(user=user, team=team)
    ana = CustomerFactory(
        name="Ana Ruiz",
        email=EMAIL,
        phone="+353 1 555 0199",
        address="1 Main Street, Dublin",
        payment_card="4111111111111111",
        country="IE",
    )
    t = ticket(
        customer=ana,
        subject="Refund not received",
        body=f"Hello, I was promised a refund a week ago. Please answer to {EMAIL}.",
    )
    t = ticket_assign(ticket=t, assignee=user, actor=user)
    UserFactory(username="root", role="admin", time_zone="Europe/Dublin")
    return {"ticket": t, "customer": ana}


def test_vendor_agent_reveals_a_masked_email_with_a_reason_and_the_admin_sees_it(
    live_server, page, check_page, vendor_desk
):
    t, ana = vendor_desk["ticket"], vendor_desk["customer"]
    page.set_viewport_size({"width": 1400, "height": 900})

    # given the vendor Tier-1 agent searches the queue by the customer's full email
    _login(page, live_server, "vendor1")
    page.get_by_label("Search tickets").fill(EMAIL)
    page.get_by_role("button", name="Search").click()

    # then the ticket is found and listed with the email masked
    row = page.locator(f"#row-{t.pk}")
    expect(row).to_contain_text("Refund not received")
    expect(row).to_contain_text("a•••@example.com")
    expect(row.locator(".pii-masked")).to_contain_text("masked")
    expect(page.locator("#queue-live")).not_to_contain_text(EMAIL)
    check_page(page)

    # when they open it
    row.get_by_role("link", name=re.compile("Refund not received")).click()
    expect(page).to_have_url(f"{live_server.url}{reverse('ticket', args=[t.pk])}")
    customer = page.locator("section[aria-labelledby='customer-heading']")

    # then the card and the email are masked, with a "masked" badge, and the raw email is nowhere on the page
    expect(customer).to_contain_text("a•••@example.com")
    expect(customer).to_contain_text("•••• 1111")
    expect(customer).to_contain_text("[hidden]")
    expect(customer.locator(".pii-masked").first).to_contain_text("masked")
    expect(page.locator(".message-body").first).to_contain_text("a•••@example.com")
    assert EMAIL not in page.content() and "4111111111111111" not in page.content()
    check_page(page, screenshot="pii-masked")

    # when they open the reveal form of the email and give a reason
    customer.get_by_text("Reveal the email").click()
    page.get_by_label("Why do you need the email?").fill("Customer asks us to confirm the address we write to")
    page.get_by_label("Why do you need the email?").press("Enter")

    # then they are back on the ticket, which shows the email revealed until a time
    expect(page).to_have_url(f"{live_server.url}{reverse('ticket', args=[t.pk])}")
    expect(page.get_by_role("status").filter(has_text="revealed")).to_contain_text(
        re.compile(r"Customer email revealed until \d\d:\d\d \(Europe/Dublin\)")
    )
    expect(customer.get_by_role("link", name=EMAIL)).to_have_attribute("href", f"mailto:{EMAIL}")
    expect(customer.locator(".pii-revealed")).to_contain_text(re.compile(r"revealed.*until \d\d:\d\d"))
    expect(customer).to_contain_text("•••• 1111")  # only what was asked for
    check_page(page)

    # when an admin opens the audit log
    page.context.clear_cookies()
    _login(page, live_server, "root")
    page.goto(f"{live_server.url}{reverse('audit-log')}?action=pii_reveal")

    # then the reveal is there: who, which field of which customer, and why
    row = page.get_by_role("table").locator("tbody tr").first
    expect(row).to_contain_text("vendor1")
    expect(row).to_contain_text("PII revealed")
    expect(row).to_contain_text(
        f"Revealed customer email of customer {ana.pk}: Customer asks us to confirm the address we write to"
    )


def test_admin_edits_the_policy_matrix(live_server, page, check_page):
    # given an admin on the PII policies page
    UserFactory(username="root", role="admin", time_zone="Europe/Dublin")
    page.set_viewport_size({"width": 1400, "height": 900})
    _login(page, live_server, "root")
    page.goto(f"{live_server.url}{reverse('pii-policies')}")
    expect(page.get_by_role("heading", level=1)).to_have_text("PII policies")
    cell = page.get_by_label("Customer name for Vendor agent, Tier 1")
    expect(cell).to_have_value("default")
    check_page(page, screenshot="pii-policies")

    # when they mask customer names for vendor Tier 1 and save
    cell.select_option("masked")
    page.get_by_role("button", name="Save policies").click()

    # then the page says it saved, the cell is an override, and the change is in the audit log
    expect(page.get_by_role("status")).to_contain_text("Saved 1 change")
    expect(page.get_by_label("Customer name for Vendor agent, Tier 1")).to_have_value("masked")
    page.goto(f"{live_server.url}{reverse('audit-log')}?action=policy_change")
    expect(page.get_by_role("table").locator("tbody tr").first).to_contain_text(
        "PII policy: Customer name for Vendor agent, Tier 1 full → masked"
    )
