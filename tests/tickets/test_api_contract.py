"""The API's contract beyond single endpoints: one error shape, Idempotency-Key, incremental sync, throttling."""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from helpdesk.models import IdempotencyKey
from tests.factories import AgentFactory, RegionFactory, TeamFactory, UserFactory, shift_pattern, ticket
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_set_priority, ticket_set_status

# Monday 5 January 2026, 10:00 UTC.
NOW = dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)

NEW_TICKET = {
    "customer": {"email": "ana@example.org", "name": "Ana Silva", "country": "IE"},
    "subject": "Refund for a double charge",
    "body": "I was charged twice.",
}


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()  # throttle history lives in the cache
    yield
    cache.clear()


@pytest.fixture
def team(db):
    team = TeamFactory(code="t1-dub", name="Dublin T1", tier=1)
    shift_pattern(team, "00:00-00:00")
    return team


@pytest.fixture
def agent(team):
    return AgentFactory(team=team).user


def client_for(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def error(response):
    return response.json()["error"]


# Errors


@pytest.mark.django_db
def test_every_error_has_the_one_shape(team, agent):
    # given a ticket of the agent's team, and an agent of another region
    t = ticket()
    outsider = AgentFactory(team=TeamFactory(code="t1-syd", region=RegionFactory(code="syd"), tier=1)).user
    integration = UserFactory(role="integration")

    # when
    invalid = client_for(agent).post("/api/v1/tickets/", {"subject": ""}, format="json")
    anonymous = client_for().get("/api/v1/tickets/")
    forbidden = client_for(integration).post(f"/api/v1/tickets/{t.id}/messages/", {"body": "Hi"}, format="json")
    out_of_scope = client_for(outsider).get(f"/api/v1/tickets/{t.id}/")
    missing = client_for(outsider).get(f"/api/v1/tickets/{t.id + 1000}/")
    not_allowed = client_for(agent).delete(f"/api/v1/tickets/{t.id}/")

    # then
    assert invalid.status_code == 400 and error(invalid)["code"] == "invalid"
    assert error(invalid)["fields"]["subject"] == ["This field may not be blank."]
    assert error(invalid)["fields"]["customer"] == ["This field is required."]
    assert anonymous.status_code == 401 and error(anonymous) == {
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided.",
        "fields": {},
    }
    assert forbidden.status_code == 403 and error(forbidden) == {
        "code": "permission_denied",
        "message": "Replies and internal notes are written by agents.",
        "fields": {},
    }
    # out of scope and nonexistent cannot be told apart
    assert out_of_scope.status_code == missing.status_code == 404
    assert (
        out_of_scope.json() == missing.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}
    )
    assert not_allowed.status_code == 405 and error(not_allowed)["code"] == "method_not_allowed"


@pytest.mark.django_db
def test_a_refused_status_transition_is_a_409_conflict(team, agent):
    # given a closed ticket
    t = ticket()
    ticket_set_status(ticket=t, status="closed", actor=agent)

    # when
    response = client_for(agent).patch(f"/api/v1/tickets/{t.id}/", {"status": "open"}, format="json")
    bad_value = client_for(agent).patch(f"/api/v1/tickets/{t.id}/", {"status": "sleeping"}, format="json")

    # then: a refused transition is a conflict, a value that is no status is bad input
    assert response.status_code == 409 and error(response)["code"] == "conflict"
    assert error(response)["fields"] == {"status": ["A closed ticket cannot become open."]}
    assert bad_value.status_code == 400 and list(error(bad_value)["fields"]) == ["status"]


@pytest.mark.django_db
def test_throttled_calls_get_429_with_retry_after(team, agent, monkeypatch):
    # given tiny rates
    monkeypatch.setattr(UserRateThrottle, "rate", "2/minute", raising=False)
    monkeypatch.setattr(AnonRateThrottle, "rate", "1/minute", raising=False)
    client, anonymous = client_for(agent), client_for()

    # when
    answers = [client.get("/api/v1/tickets/").status_code for _ in range(3)]
    throttled = client.get("/api/v1/tickets/")
    # (DRF checks permissions before throttles: anonymous calls are counted where anonymous callers are allowed)
    anon = [anonymous.get("/api/schema/") for _ in range(2)]

    # then
    assert answers == [200, 200, 429]
    assert throttled.status_code == 429 and error(throttled)["code"] == "throttled"
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert [r.status_code for r in anon] == [200, 429] and "Retry-After" in anon[1]


# Idempotency-Key


@pytest.mark.django_db
def test_same_idempotency_key_returns_the_same_ticket_and_creates_nothing_twice(team, agent):
    client = client_for(agent)

    # when the same request is sent twice with one key
    first = client.post("/api/v1/tickets/", NEW_TICKET, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/tickets/", NEW_TICKET, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    # then
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_idempotency_key_with_another_body_is_422_and_keys_are_per_user(team, agent):
    client = client_for(agent)
    first = client.post("/api/v1/tickets/", NEW_TICKET, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    # when
    other = client.post(
        "/api/v1/tickets/", {**NEW_TICKET, "subject": "Another"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    colleague = client_for(AgentFactory(team=team).user).post(
        "/api/v1/tickets/", NEW_TICKET, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )

    # then
    assert first.status_code == 201
    assert other.status_code == 422 and error(other)["code"] == "idempotency_key_reused"
    assert colleague.status_code == 201 and colleague.json()["id"] != first.json()["id"]
    assert Ticket.objects.count() == 2


@pytest.mark.django_db
def test_a_refused_request_keeps_no_key_and_old_keys_expire(team, agent):
    client = client_for(agent)

    # when a request fails, then is corrected under the same key
    bad = client.post("/api/v1/tickets/", {**NEW_TICKET, "subject": ""}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    good = client.post("/api/v1/tickets/", NEW_TICKET, format="json", HTTP_IDEMPOTENCY_KEY="k")

    # then
    assert bad.status_code == 400 and good.status_code == 201
    assert IdempotencyKey.objects.get().status_code == 201

    # when the key is older than 24 hours
    IdempotencyKey.objects.update(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=25))
    later = client.post("/api/v1/tickets/", NEW_TICKET, format="json", HTTP_IDEMPOTENCY_KEY="k")

    # then it is a new request
    assert later.status_code == 201 and later.json()["id"] != good.json()["id"]


@pytest.mark.django_db
def test_idempotent_reply(team, agent):
    t = ticket()
    client, url = client_for(agent), f"/api/v1/tickets/{t.id}/messages/"

    # when
    first = client.post(url, {"body": "On it"}, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    again = client.post(url, {"body": "On it"}, format="json", HTTP_IDEMPOTENCY_KEY="r-1")

    # then
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert TicketEvent.objects.filter(ticket=t, kind="reply").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_with_one_key_create_one_ticket(team, agent):
    barrier = threading.Barrier(4)

    def post(_):
        try:
            client = client_for(agent)
            barrier.wait(timeout=10)
            response = client.post("/api/v1/tickets/", NEW_TICKET, format="json", HTTP_IDEMPOTENCY_KEY="same")
            return response.status_code, response.json()
        finally:
            connection.close()

    # when four clients send the same request at once
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(post, range(4)))

    # then exactly one ticket, and every answer is the first one's
    assert Ticket.objects.count() == 1
    assert {code for code, _ in answers} == {201}
    assert all(body == answers[0][1] for _, body in answers)
    assert answers[0][1]["id"] == Ticket.objects.get().id


# Incremental sync


def sync_pass(client, params, on_page=None):
    """Rows of one pass (until has_more is false), and the keyset to continue from."""
    rows = []
    while True:
        body = client.get("/api/v1/tickets/sync/", params).json()
        rows += [(row["id"], row["updated_at"]) for row in body["results"]]
        params = {**params, **{k: v for k, v in body["next"].items() if v is not None}}
        if on_page:
            on_page()
        if not body["has_more"]:
            return rows, params


@pytest.mark.django_db
def test_sync_misses_nothing_and_repeats_nothing_while_tickets_change(team, agent):
    with time_machine.travel(NOW, tick=False) as clock:
        # given 9 tickets, several with the same updated_at
        tickets = [ticket() for _ in range(9)]
        for t in tickets[3:]:
            clock.shift(1)
            ticket_set_priority(ticket=t, priority="high", actor=agent)
        clock.shift(60)
        client, changes = client_for(agent), iter([tickets[0], tickets[8], tickets[4], tickets[0]])

        def change_one():
            # between pages, a ticket already seen (or not yet seen) changes
            t = next(changes, None)
            if t is not None:
                clock.shift(1)
                ticket_set_priority(ticket=t, priority="urgent" if t.priority != "urgent" else "low", actor=agent)
                t.refresh_from_db()

        # when a client pages through 2 at a time, then syncs again once the changes have settled
        rows, keyset = sync_pass(client, {"limit": 2}, on_page=change_one)
        clock.shift(60)
        later, _ = sync_pass(client, keyset)

    # then no version of a ticket is seen twice, every ticket is seen, and each in its latest version
    seen = rows + later
    assert len(seen) == len(set(seen))
    assert {pk for pk, _ in seen} == {t.id for t in tickets}
    latest = {t.id: client.get(f"/api/v1/tickets/{t.id}/").json()["updated_at"] for t in tickets}
    assert all((pk, updated_at) in seen for pk, updated_at in latest.items())
    # an unchanged ticket comes once
    assert sum(1 for pk, _ in seen if pk == tickets[1].id) == 1


@pytest.mark.django_db
def test_sync_holds_back_the_last_seconds_and_validates_its_keyset(team, agent):
    with time_machine.travel(NOW, tick=False) as clock:
        t = ticket()
        client = client_for(agent)

        # when
        fresh = client.get("/api/v1/tickets/sync/").json()
        clock.shift(10)
        settled = client.get("/api/v1/tickets/sync/").json()
        bad = client.get("/api/v1/tickets/sync/", {"since_updated_at": "yesterday", "limit": 0})

    # then
    assert fresh == {"results": [], "next": {"since_updated_at": None, "since_id": 0}, "has_more": False}
    assert [row["id"] for row in settled["results"]] == [t.id]
    assert settled["next"] == {"since_updated_at": "2026-01-05T10:00:00Z", "since_id": t.id}
    assert bad.status_code == 400 and set(error(bad)["fields"]) == {"since_updated_at", "limit"}


@pytest.mark.django_db
def test_sync_shows_only_the_callers_tickets(team, agent):
    with time_machine.travel(NOW, tick=False) as clock:
        t = ticket()
        clock.shift(60)
        outsider = AgentFactory(team=TeamFactory(code="t1-syd", region=RegionFactory(code="syd"), tier=1)).user

        # when
        own = client_for(agent).get("/api/v1/tickets/sync/").json()
        other = client_for(outsider).get("/api/v1/tickets/sync/").json()
        anonymous = client_for().get("/api/v1/tickets/sync/")

    # then
    assert [row["id"] for row in own["results"]] == [t.id]
    assert other["results"] == []
    assert anonymous.status_code == 401
