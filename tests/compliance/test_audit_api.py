"""GET /api/v1/audit/: admins only, the page's filters as query parameters, cursor pages."""

import datetime as dt

import pytest
import time_machine
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from compliance.audit import audit_record
from compliance.models import AuditAction, AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit/"
MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def api(role=None, token=False, username=None):
    client = APIClient()
    if role:
        user = UserFactory(role=role, **({"username": username} if username else {}))
        if token:
            client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        else:
            client.force_authenticate(user)
    return client


def record_at(at, **kwargs):
    kwargs.setdefault("summary", "Something happened")
    with time_machine.travel(at, tick=False):
        return audit_record(**kwargs)


@pytest.fixture
def history():
    bea = UserFactory(username="bea")
    return [
        record_at(MONDAY, action=AuditAction.LOGIN_FAILED, details={"username": "bea"}),
        record_at(MONDAY + dt.timedelta(days=1), action=AuditAction.LOGIN, actor=bea, object_type="helpdesk.user"),
        record_at(MONDAY + dt.timedelta(days=2), action=AuditAction.EXPORT, actor=bea, object_type="tickets.ticket"),
    ]


def test_admin_lists_entries_newest_first(history):
    # given an admin with a token
    client = api("admin", token=True, username="root")
    # when she lists the audit log filtered to bea
    response = client.get(URL, {"actor": "bea"})
    # then bea's entries come newest first, with every field
    assert response.status_code == 200
    body = response.json()
    assert [e["action"] for e in body["results"]] == ["export", "login"]
    first = body["results"][0]
    assert first == {
        "id": history[2].pk,
        "at": "2026-03-04T09:00:00Z",
        "actor": "bea",
        "actor_id": history[2].actor_id,
        "action": "export",
        "object_type": "tickets.ticket",
        "object_id": "",
        "summary": "Something happened",
        "details": {},
        "ip": None,
    }
    assert set(body) == {"next", "previous", "results"}


def test_filters_by_action_object_type_and_time(history):
    client = api("admin")
    assert [e["id"] for e in client.get(URL, {"action": "login_failed"}).json()["results"]] == [history[0].pk]
    assert [e["id"] for e in client.get(URL, {"object_type": "helpdesk.user", "actor": "bea"}).json()["results"]] == [
        history[1].pk
    ]
    window = client.get(URL, {"since": "2026-03-02T09:00:00Z", "until": "2026-03-04T09:00:00Z"}).json()
    assert [e["id"] for e in window["results"]] == [history[1].pk, history[0].pk]


def test_bad_filters_are_field_errors():
    response = api("admin").get(URL, {"action": "coffee", "since": "monday"})
    assert response.status_code == 400 and set(response.json()["error"]["fields"]) == {"action", "since"}
    assert response.json()["error"]["fields"]["action"] == ['"coffee" is not a valid choice.']
    reversed_ = api("admin").get(URL, {"since": "2026-03-04T00:00:00Z", "until": "2026-03-02T00:00:00Z"})
    assert reversed_.status_code == 400 and reversed_.json()["error"]["fields"] == {"until": ["Must be after since."]}


def test_cursor_pages_cover_every_entry_once(history):
    # given the three entries and the admin's own ones
    client = api("admin")
    expected = list(AuditEntry.objects.order_by("-at", "-id").values_list("pk", flat=True))
    # when she follows the cursor two at a time
    seen, url = [], f"{URL}?page_size=2"
    while url:
        body = client.get(url).json()
        seen += [e["id"] for e in body["results"]]
        url = body["next"]
    # then each entry comes once, newest first
    assert seen == expected


@pytest.mark.parametrize("role", ["agent", "lead", "integration"])
def test_non_admins_are_refused_and_the_attempt_is_audited(role):
    # given a signed-in non-admin (an integration with its token)
    client = api(role, token=True, username="nosy")
    # when they read the audit log
    response = client.get(URL)
    # then they are refused, and the refusal is in the log
    assert response.status_code == 403
    denied = AuditEntry.objects.get(action=AuditAction.ACCESS_DENIED)
    assert (denied.actor_label, denied.summary) == ("nosy", f"nosy was refused {URL}")


def test_anonymous_gets_401():
    assert APIClient().get(URL).status_code == 401
    assert not AuditEntry.objects.filter(action=AuditAction.ACCESS_DENIED).exists()


def test_the_api_cannot_write():
    client = api("admin")
    assert client.post(URL, {"summary": "x"}, format="json").status_code == 405
    assert client.delete(URL).status_code == 405
