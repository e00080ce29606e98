import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_lead_reads_demo_coverage_with_the_deliberate_gap(live_server, page, check_page):
    call_command("seed_demo", "--seed", "1", "--tickets", "0", stdout=io.StringIO(), stderr=io.StringIO())
    UserFactory(username="lead", role="lead", time_zone="UTC")
    _login(page, live_server, "lead")
    page.set_viewport_size({"width": 1400, "height": 900})

    page.get_by_role("link", name="Coverage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Coverage · Tier 1")
    # Tier 1 is covered around the clock: no gap cell, handovers marked as overlaps.
    expect(page.locator("td.cell.gap")).to_have_count(0)
    assert page.locator("td.cell.overlap").count() >= 7 * 3
    expect(page.locator("td.cell.now")).to_have_count(1)
    check_page(page, screenshot="coverage-tier1")

    page.get_by_role("link", name="Tier 2").click()
    expect(page).to_have_url(re.compile(r"tier=2"))
    gaps = page.locator("td.cell.gap")
    assert gaps.count() >= 5  # the Sunday evening gap in UTC
    expect(page.get_by_role("list", name="Coverage problems")).to_contain_text("No Tier 2 team on shift")

    page.get_by_label("Time zone", exact=True).select_option("Asia/Manila")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("table")).to_contain_text("hours in Asia/Manila")
    check_page(page, screenshot="coverage-tier2")
