"""The audit log page and its CSV export: admins only, filters, keyset pages, flat query count."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from compliance import views
from compliance.audit import audit_record
from compliance.models import AuditAction, AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def record_at(at, **kwargs):
    kwargs.setdefault("action", AuditAction.EXPORT)
    kwargs.setdefault("summary", "Exported tickets")
    with time_machine.travel(at, tick=False):
        return audit_record(**kwargs)


@pytest.fixture
def admin(client):
    user = UserFactory(username="root", role="admin", time_zone="UTC")
    client.force_login(user)
    return user


@pytest.fixture
def history(admin, rf):
    """A failed login Monday, a login Tuesday, a policy change Wednesday (UTC), by different actors."""
    bea = UserFactory(username="bea")
    anonymous = rf.post("/login/")
    return {
        "failed": record_at(
            MONDAY, action=AuditAction.LOGIN_FAILED, summary="Failed login as “bea”", request=anonymous
        ),
        "login": record_at(MONDAY + dt.timedelta(days=1), action=AuditAction.LOGIN, actor=bea, summary="bea in"),
        "policy": record_at(
            MONDAY + dt.timedelta(days=2),
            action=AuditAction.POLICY_CHANGE,
            actor=admin,
            summary="Residency restriction added: EU data not handled in AMER",
            object_type="compliance.residencyrestriction",
            object_id=7,
            details={"after": {"data_zone": "EU"}},
        ),
    }


def shown(response):
    return [e.pk for e in response.context["entries"]]


def test_admin_sees_the_log_newest_first(client, history):
    # given entries on three days (and the admin's own force_login entry, newest)
    # when the admin opens the audit log
    response = client.get(reverse("audit-log"))
    # then the entries are listed newest first, with who, what and from where
    assert response.status_code == 200
    assert shown(response)[-3:] == [history["policy"].pk, history["login"].pk, history["failed"].pk]
    page = response.content.decode()
    assert "<h1>Audit log</h1>" in page
    assert 'aria-label="Filter the audit log"' in page
    assert '<label for="id_action">Action</label>' in page
    assert "Residency restriction added: EU data not handled in AMER" in page
    assert "compliance.residencyrestriction #7" in page
    assert "&quot;data_zone&quot;: &quot;EU&quot;" in page  # details, escaped
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]


def test_filters_by_action_actor_object_type_and_dates(client, history):
    # when the admin filters by each field
    by_action = client.get(reverse("audit-log"), {"action": "login_failed"})
    by_actor = client.get(reverse("audit-log"), {"actor": "bea"})
    anonymous = client.get(reverse("audit-log"), {"actor": "anonymous"})
    by_type = client.get(reverse("audit-log"), {"object_type": "compliance.residencyrestriction"})
    by_days = client.get(reverse("audit-log"), {"date_from": "2026-03-02", "date_to": "2026-03-03"})
    combined = client.get(reverse("audit-log"), {"action": "login", "actor": "bea", "date_to": "2026-03-02"})
    # then only the matching entries are shown
    assert shown(by_action) == [history["failed"].pk]
    assert shown(by_actor) == [history["login"].pk]
    assert shown(anonymous) == [history["failed"].pk]
    assert shown(by_type) == [history["policy"].pk]
    assert shown(by_days) == [history["login"].pk, history["failed"].pk]
    assert shown(combined) == []
    assert "No entries match these filters" in combined.content.decode()


def test_dates_are_whole_days_in_the_viewers_zone(client, admin, history):
    # given an admin in Manila (UTC+8): Wednesday 09:00 UTC is Wednesday 17:00 there,
    # Tuesday 09:00 UTC is Tuesday 17:00 there
    admin.time_zone = "Asia/Manila"
    admin.save(update_fields=["time_zone"])
    record_at(dt.datetime(2026, 3, 3, 20, 0, tzinfo=dt.UTC), summary="Wednesday 04:00 in Manila")
    # when she asks for Tuesday only
    response = client.get(reverse("audit-log"), {"date_from": "2026-03-03", "date_to": "2026-03-03"})
    # then Tuesday in Manila is shown, not Tuesday in UTC
    assert shown(response) == [history["login"].pk]
    assert "times in Asia/Manila" in response.content.decode()


def test_bad_filters_are_explained_and_left_out(client, history):
    # when the dates are not dates, or the wrong way round
    response = client.get(reverse("audit-log"), {"date_from": "monday", "action": "coffee"})
    reversed_ = client.get(reverse("audit-log"), {"date_from": "2026-03-04", "date_to": "2026-03-02"})
    # then the page says so and shows what it can
    assert response.status_code == 200 and reversed_.status_code == 200
    page = response.content.decode()
    assert "Some filters were not understood" in page and "Enter a valid date" in page
    assert history["failed"].pk in shown(response)
    assert "“To” must be on or after “From”" in reversed_.content.decode()


def test_empty_log_explains_what_will_appear(client, admin, monkeypatch):
    # given a log with nothing in it (the admin's own login would be there, so the read is emptied)
    monkeypatch.setattr(views, "audit_entry_list", lambda **filters: AuditEntry.objects.none())
    # when the admin opens it
    page = client.get(reverse("audit-log")).content.decode()
    # then the page says what will appear here
    assert "Nothing has been recorded yet" in page and "<table" not in page


def test_older_pages_follow_a_keyset_cursor(client, admin, monkeypatch):
    # given seven exports at the same instant and more before, with a page of three
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    earlier = [record_at(MONDAY - dt.timedelta(minutes=n), summary=f"Earlier {n}") for n in (2, 1)]
    same = [record_at(MONDAY, summary=f"Same {n}") for n in range(5)]
    expected = [e.pk for e in reversed(same)] + [e.pk for e in reversed(earlier)]
    # when the admin follows "Older" links, filtered to exports
    seen, params = [], {"action": "export"}
    for _ in range(5):
        response = client.get(reverse("audit-log"), params)
        seen += shown(response)
        cursor = response.context["older_cursor"]
        if not cursor:
            break
        assert f"before={cursor}" in response.content.decode()
        params = {"action": "export", "before": cursor}
    # then every entry is seen once, in order, and the last page has no "Older" link
    assert seen == expected
    assert "Newest" in response.content.decode()


def test_a_malformed_cursor_shows_the_newest_page(client, history):
    response = client.get(reverse("audit-log"), {"before": "yesterday"})
    assert response.status_code == 200 and history["policy"].pk in shown(response)


def test_query_count_does_not_grow_with_entries(client, admin):
    # given a few entries, then many more
    for n in range(3):
        record_at(MONDAY + dt.timedelta(minutes=n), details={"n": n})
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("audit-log"))
    for n in range(60):
        record_at(MONDAY + dt.timedelta(hours=1, minutes=n), actor=admin, details={"n": n})
    # when the page is read again
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("audit-log"))
    # then it costs the same number of queries (and shows one page)
    assert len(response.context["entries"]) == views.PAGE_SIZE
    assert len(many) == len(few) <= 8


def read_csv(response):
    assert response.streaming
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_csv_export_of_the_current_filter_is_streamed_and_audited(client, admin, history):
    # given the admin has filtered to policy changes
    # when she exports
    response = client.get(reverse("audit-export"), {"action": "policy_change"})
    # then the CSV holds exactly those entries, in UTC, with details
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    [row] = read_csv(response)
    assert row == {
        "at_utc": "2026-03-04T09:00:00+00:00",
        "actor": "root",
        "action": "policy_change",
        "object_type": "compliance.residencyrestriction",
        "object_id": "7",
        "summary": "Residency restriction added: EU data not handled in AMER",
        "ip": "",
        "details": '{"after": {"data_zone": "EU"}}',
    }
    # and the export itself is in the log, by her, with the filter she used
    export = AuditEntry.objects.filter(action=AuditAction.EXPORT).latest("id")
    assert (export.actor, export.ip, export.summary) == (admin, "127.0.0.1", "Exported the audit log as CSV (filtered)")
    assert export.details["filters"] == {"action": "policy_change"} and export.details["format"] == "csv"


def test_csv_export_link_carries_the_filter(client, history):
    response = client.get(reverse("audit-log"), {"actor": "bea", "action": "login"})
    assert 'href="/audit/export.csv?action=login&amp;actor=bea"' in response.content.decode()


def test_csv_export_without_filter_has_every_entry_and_neutralises_formulas(client, admin):
    # given a failed login whose username is a spreadsheet formula
    client.logout()
    client.post(reverse("login"), {"username": '=HYPERLINK("http://evil")', "password": "x"})
    client.force_login(admin)
    # when everything is exported
    rows = read_csv(client.get(reverse("audit-export")))
    # then all entries are there (the export's own entry included) and no cell starts a formula
    assert len(rows) == AuditEntry.objects.count()
    failed = next(r for r in rows if r["action"] == "login_failed")
    assert failed["details"].startswith('{"username": "=HYPERLINK')  # JSON starts with "{", safe as is
    assert not any(value.startswith(("=", "+", "-", "@")) for row in rows for value in row.values())


def test_csv_export_with_bad_filters_is_refused(client, admin):
    response = client.get(reverse("audit-export"), {"date_from": "monday"})
    assert response.status_code == 400 and b"Enter a valid date" in response.content
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()


@pytest.mark.parametrize("role", ["agent", "lead"])
@pytest.mark.parametrize("url", ["audit-log", "audit-export"])
def test_agents_and_leads_get_404_and_the_attempt_is_audited(client, role, url):
    # given a signed-in agent or lead
    user = UserFactory(username="nosy", role=role)
    client.force_login(user)
    # when they open the audit log or its export
    response = client.get(reverse(url))
    # then nothing is there for them, and the refusal is recorded
    assert response.status_code == 404
    denied = AuditEntry.objects.get(action=AuditAction.ACCESS_DENIED)
    assert (denied.actor, denied.summary) == (user, f"nosy was refused {reverse(url)}")
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()


@pytest.mark.parametrize("url", ["audit-log", "audit-export"])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(reverse(url))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_superuser_without_groups_is_an_admin(client):
    client.force_login(UserFactory(username="su", is_superuser=True, is_staff=True))
    assert client.get(reverse("audit-log")).status_code == 200
