import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from compliance.audit import audit_record
from compliance.models import AuditAction, ResidencyRestriction
from regions.services import region_set_status
from tests.factories import PASSWORD, RegionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, username, password=PASSWORD):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_admin_filters_the_audit_log_by_action(live_server, page, check_page):
    # given some history: a failed login, agents signing in, a policy and a region change, an export
    admin = UserFactory(username="root", role="admin", time_zone="Europe/Dublin")
    for name in ("aoife", "bea"):
        UserFactory(username=name, role="agent")
    _login(page, live_server, "aoife", password="wrong password")
    _login(page, live_server, "aoife")
    page.context.clear_cookies()
    _login(page, live_server, "bea")
    page.context.clear_cookies()
    ResidencyRestriction.objects.create(data_zone="EU", handling_zone="AMER", note="GDPR art. 44")
    region_set_status(region=RegionFactory(code="dub"), status="degraded", reason="Network trouble", actor=admin)
    audit_record(action=AuditAction.EXPORT, actor=admin, summary="Exported the audit log as CSV")
    page.set_viewport_size({"width": 1400, "height": 900})

    # when the admin signs in and opens the audit log
    _login(page, live_server, "root")
    page.goto(f"{live_server.url}{reverse('audit-log')}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    table = page.get_by_role("table")
    expect(table).to_contain_text("Failed login as “aoife”")
    expect(table).to_contain_text("Region dub operational → degraded: Network trouble")
    check_page(page)

    # and filters to sign-ins
    page.get_by_label("Action").select_option("login")
    page.get_by_role("button", name="Filter").click()

    # then only sign-ins are listed, newest first, and the page passes axe
    expect(page).to_have_url(re.compile(r"action=login"))
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("root logged in")
    expect(rows.nth(2)).to_contain_text("aoife logged in")
    expect(table.locator("tbody")).not_to_contain_text("Failed login")
    expect(page.get_by_role("link", name=re.compile("Export CSV"))).to_have_attribute(
        "href", "/audit/export.csv?action=login"
    )
    check_page(page, screenshot="audit-log")
