"""Webhooks, delivered to a real HTTP server on 127.0.0.1 (the Celery task runs in-process with task.apply())."""

import hashlib
import hmac
import http.server
import json
import threading

import pytest
from django.db import transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from compliance.models import AuditEntry
from helpdesk.webhooks import tasks
from helpdesk.webhooks.models import DISABLE_AFTER, WebhookDelivery, WebhookSubscription
from helpdesk.webhooks.services import webhook_event_emit, webhook_subscription_create
from helpdesk.webhooks.signing import verify
from regions.models import RegionStatus
from regions.services import region_set_status
from tests.factories import AgentFactory, CustomerFactory, RegionFactory, TeamFactory, UserFactory, ticket
from tickets.services import ticket_set_priority, ticket_set_status

pytestmark = pytest.mark.django_db


class Receiver:
    """A webhook endpoint on an ephemeral port: records every request, answers the queued statuses, then 200."""

    def __init__(self):
        self.requests, self.statuses = [], []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/meridian"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def events(self):
        return [r["headers"]["Meridian-Event"] for r in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def deliver_in_process(monkeypatch):
    """task.delay() would go to the broker: run the real task, retries included, in this process instead."""
    monkeypatch.setattr(tasks.webhook_deliver_task, "delay", lambda pk: tasks.webhook_deliver_task.apply(args=[pk]))


@pytest.fixture
def admin():
    return UserFactory(username="root", role="admin")


def subscribe(receiver, events, admin=None):
    return webhook_subscription_create(url=receiver.url, events=events, actor=admin)


def test_delivery_is_signed_with_the_documented_algorithm(receiver, admin, django_capture_on_commit_callbacks):
    # given a subscription to ticket.created
    subscription = subscribe(receiver, ["ticket.created"], admin)

    # when a ticket is created and its transaction commits
    customer = CustomerFactory(name="Ana Silva", email="ana@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        created = ticket(customer=customer, subject="My card 4111 was charged twice")

    # then the receiver got one POST whose signature verifies: HMAC-SHA256 of f"{t}.{body}" with the secret
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    headers, body = request["headers"], request["body"]
    assert headers["Meridian-Event"] == "ticket.created"
    assert headers["Content-Type"] == "application/json"
    parts = dict(p.split("=", 1) for p in headers["Meridian-Signature"].split(","))
    expected = hmac.new(
        subscription.secret.encode(), f"{parts['t']}.{body.decode()}".encode(), hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected)
    assert verify(subscription.secret, headers["Meridian-Signature"], body)
    assert not verify("another secret", headers["Meridian-Signature"], body)
    assert not verify(subscription.secret, headers["Meridian-Signature"], body + b" ")
    # and the payload summarises the ticket without the customer's personal data
    payload = json.loads(body)
    delivery = WebhookDelivery.objects.get()
    assert payload["event"] == "ticket.created"
    assert payload["id"] == str(delivery.id) == headers["Meridian-Delivery"]
    assert payload["data"]["ticket"]["id"] == created.id
    assert payload["data"]["ticket"]["reference"] == created.reference
    assert payload["data"]["ticket"]["status"] == "new"
    assert {"priority", "tier", "team", "region", "sla_state"} <= payload["data"]["ticket"].keys()
    for personal in (b"Ana", b"Silva", b"ana@example.org", b"charged twice"):
        assert personal not in body


def test_only_subscribed_events_are_sent(receiver, django_capture_on_commit_callbacks):
    # given one subscription to ticket.solved only, and another to nothing Meridian will send here
    subscribe(receiver, ["ticket.solved"])
    other = Receiver()
    try:
        webhook_subscription_create(url=other.url, events=["handoff.blocked"], actor=None)

        # when a ticket is created, reprioritised and solved
        with django_capture_on_commit_callbacks(execute=True):
            t = ticket()
        with django_capture_on_commit_callbacks(execute=True):
            ticket_set_priority(ticket=t, priority="high", actor=None)
        with django_capture_on_commit_callbacks(execute=True):
            ticket_set_status(ticket=t, status="solved", actor=None)

        # then only ticket.solved was delivered, and only to its subscriber
        assert receiver.events() == ["ticket.solved"]
        assert json.loads(receiver.requests[0]["body"])["data"]["ticket"]["status"] == "solved"
        assert other.requests == []
    finally:
        other.close()


def test_a_payload_is_built_only_when_a_subscription_wants_the_event(receiver, django_capture_on_commit_callbacks):
    built = []

    def payload():
        built.append(1)
        return {"ticket": {"id": 1}}

    # given no subscription: nothing is logged and the payload (which reads related rows) is never built
    assert webhook_event_emit(event="ticket.updated", data=payload) == [] and built == []
    # given one: it is built once and sent
    subscribe(receiver, ["ticket.updated"])
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = webhook_event_emit(event="ticket.updated", data=payload)
    assert built == [1] and delivery.payload["data"] == {"ticket": {"id": 1}}
    assert json.loads(receiver.requests[0]["body"])["data"] == {"ticket": {"id": 1}}


def test_a_500_is_retried_and_then_succeeds(receiver, django_capture_on_commit_callbacks):
    # given a receiver that answers 500 once, then 200
    subscription = subscribe(receiver, ["ticket.updated"])
    receiver.statuses = [500]

    # when an event is sent
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_emit(event="ticket.updated", data={"ticket": {"id": 1}})

    # then the same delivery was posted twice and is logged as delivered, with its response time
    assert len(receiver.requests) == 2
    assert len({r["headers"]["Meridian-Delivery"] for r in receiver.requests}) == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.OK
    assert delivery.attempts == 2
    assert delivery.response_status == 200
    assert delivery.response_ms is not None and delivery.response_ms >= 0
    assert delivery.delivered_at is not None
    subscription.refresh_from_db()
    assert subscription.failure_count == 0


def test_retries_stop_after_five_and_the_delivery_fails(receiver, django_capture_on_commit_callbacks):
    # given a receiver that always answers 503
    subscribe(receiver, ["ticket.updated"])
    receiver.statuses = [503] * 20

    # when
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_emit(event="ticket.updated", data={})

    # then one attempt and five retries, then failed
    assert len(receiver.requests) == 1 + tasks.MAX_RETRIES
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("failed", 6, 503)
    assert WebhookSubscription.objects.get().failure_count == 1


def test_backoff_is_exponential(receiver):
    # Celery's own backoff computation with this task's options: 2**retries seconds, no jitter.
    from celery.utils.time import get_exponential_backoff_interval

    task = tasks.webhook_deliver_task
    assert task.max_retries == 5 and task.retry_jitter is False
    assert [
        get_exponential_backoff_interval(factor=int(task.retry_backoff), retries=n, maximum=task.retry_backoff_max)
        for n in range(5)
    ] == [1, 2, 4, 8, 16]


def test_a_4xx_is_not_retried(receiver, django_capture_on_commit_callbacks):
    subscribe(receiver, ["ticket.updated"])
    receiver.statuses = [400]

    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_emit(event="ticket.updated", data={})

    assert len(receiver.requests) == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("failed", 1, 400)
    assert delivery.last_error.startswith("HTTP 400")


def test_a_429_is_retried(receiver, django_capture_on_commit_callbacks):
    subscribe(receiver, ["ticket.updated"])
    receiver.statuses = [429]

    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_emit(event="ticket.updated", data={})

    assert len(receiver.requests) == 2
    assert WebhookDelivery.objects.get().status == "ok"


def test_an_unreachable_endpoint_is_retried_then_fails(django_capture_on_commit_callbacks):
    # given a port nobody listens on (a server bound and closed at once)
    closed = Receiver()
    closed.close()
    webhook_subscription_create(url=closed.url, events=["ticket.updated"], actor=None)

    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_emit(event="ticket.updated", data={})

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("failed", 6, None)
    assert delivery.last_error


def test_subscription_is_disabled_after_repeated_failures(receiver, django_capture_on_commit_callbacks):
    # given a receiver that answers 410 Gone to everything
    subscription = subscribe(receiver, ["ticket.updated"])
    receiver.statuses = [410] * 50

    # when ten deliveries fail in a row
    for n in range(DISABLE_AFTER):
        with django_capture_on_commit_callbacks(execute=True):
            webhook_event_emit(event="ticket.updated", data={"n": n})

    # then the subscription is off, with the time and an audit entry
    subscription.refresh_from_db()
    assert subscription.active is False
    assert subscription.disabled_at is not None
    assert subscription.failure_count == DISABLE_AFTER
    entry = AuditEntry.objects.get(object_type="helpdesk.webhooksubscription", summary__contains="disabled")
    assert entry.actor_label == "system"
    # and nothing more is sent to it
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_emit(event="ticket.updated", data={})
    assert len(receiver.requests) == DISABLE_AFTER
    assert WebhookDelivery.objects.count() == DISABLE_AFTER


def test_a_success_resets_the_failure_count(receiver, django_capture_on_commit_callbacks):
    subscription = subscribe(receiver, ["ticket.updated"])
    receiver.statuses = [400] * (DISABLE_AFTER - 1)
    for _ in range(DISABLE_AFTER):
        with django_capture_on_commit_callbacks(execute=True):
            webhook_event_emit(event="ticket.updated", data={})
    subscription.refresh_from_db()
    assert (subscription.active, subscription.failure_count) == (True, 0)


def test_nothing_is_delivered_when_the_transaction_rolls_back(receiver, django_capture_on_commit_callbacks):
    # given a subscriber to every ticket event
    subscribe(receiver, ["ticket.created", "ticket.updated"])

    # when the ticket's transaction rolls back
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        ticket()
        raise RuntimeError("rolled back")

    # then nothing was announced, logged or sent
    assert callbacks == []
    assert WebhookDelivery.objects.count() == 0
    assert receiver.requests == []


def test_no_delivery_inside_the_transaction(receiver, django_capture_on_commit_callbacks):
    # given a subscriber; when a ticket is created but the callbacks are not run (still in the transaction)
    subscribe(receiver, ["ticket.created"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket()

    # then nothing went out yet; it goes when the commit callbacks run
    assert receiver.requests == []
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=True):
        callbacks[0]()
    assert receiver.events() == ["ticket.created"]


def test_region_status_change_is_sent(receiver, django_capture_on_commit_callbacks):
    subscribe(receiver, ["region.status_changed"])
    region = RegionFactory(code="syd", name="Sydney", time_zone="Australia/Sydney", country="AU")

    with django_capture_on_commit_callbacks(execute=True):
        region_set_status(region=region, status=RegionStatus.DEGRADED, reason="Power cut", actor=None)

    assert receiver.events() == ["region.status_changed"]
    data = json.loads(receiver.requests[0]["body"])["data"]
    assert data["region"] == {"code": "syd", "name": "Sydney", "status": "degraded", "previous": "operational"}


# ---- API ---------------------------------------------------------------------------------------------------------


def api(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_admin_creates_a_subscription_and_sees_the_secret_once(admin):
    client = api(admin)

    response = client.post(
        "/api/v1/webhooks/", {"url": "https://crm.example.com/hook", "events": ["ticket.created"]}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    subscription = WebhookSubscription.objects.get()
    assert body["secret"] == subscription.secret and len(body["secret"]) == 64
    assert body["created_by"] == "root"
    listed = client.get("/api/v1/webhooks/").json()["results"]
    assert [row["id"] for row in listed] == [subscription.id]
    assert "secret" not in listed[0]
    assert "secret" not in client.get(f"/api/v1/webhooks/{subscription.id}/").json()


@pytest.mark.parametrize(
    "data",
    [
        {"url": "ftp://crm.example.com/hook", "events": ["ticket.created"]},
        {"url": "not a url", "events": ["ticket.created"]},
        {"url": "https://crm.example.com/hook", "events": ["ticket.exploded"]},
        {"url": "https://crm.example.com/hook", "events": []},
    ],
)
def test_bad_subscriptions_are_refused(admin, data):
    response = api(admin).post("/api/v1/webhooks/", data, format="json")
    assert response.status_code == 400
    assert WebhookSubscription.objects.count() == 0


def test_admin_updates_reenables_and_deletes(admin):
    client = api(admin)
    subscription = webhook_subscription_create(url="https://a.example.com/", events=["ticket.created"], actor=admin)
    WebhookSubscription.objects.filter(pk=subscription.pk).update(active=False, failure_count=10)

    response = client.patch(
        f"/api/v1/webhooks/{subscription.id}/", {"active": True, "events": ["sla.breached"]}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["events"] == ["sla.breached"]
    subscription.refresh_from_db()
    assert (subscription.active, subscription.failure_count, subscription.disabled_at) == (True, 0, None)
    assert client.delete(f"/api/v1/webhooks/{subscription.id}/").status_code == 204
    assert not WebhookSubscription.objects.exists()


def test_delivery_log_shows_status_and_response_time(admin, receiver, django_capture_on_commit_callbacks):
    subscription = subscribe(receiver, ["ticket.updated"])
    receiver.statuses = [500]
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_emit(event="ticket.updated", data={"ticket": {"id": 7}})

    response = api(admin).get(f"/api/v1/webhooks/{subscription.id}/deliveries/")

    assert response.status_code == 200, response.content
    [row] = response.json()["results"]
    assert row["event"] == "ticket.updated"
    assert (row["status"], row["attempts"], row["response_status"]) == ("ok", 2, 200)
    assert isinstance(row["response_ms"], int)
    assert row["payload"]["data"] == {"ticket": {"id": 7}}


def test_outsiders_cannot_use_the_webhooks_api(admin):
    subscription = webhook_subscription_create(url="https://a.example.com/", events=["ticket.created"], actor=admin)
    agent = AgentFactory(team=TeamFactory(code="t1-dub")).user
    urls = [
        "/api/v1/webhooks/",
        f"/api/v1/webhooks/{subscription.id}/",
        f"/api/v1/webhooks/{subscription.id}/deliveries/",
    ]

    for url in urls:
        assert api(agent).get(url).status_code == 403
        assert APIClient().get(url).status_code == 401
    created = api(agent).post("/api/v1/webhooks/", {"url": "https://x.example/", "events": ["ticket.created"]})
    assert created.status_code == 403
    assert APIClient().delete(f"/api/v1/webhooks/{subscription.id}/").status_code == 401
    assert WebhookSubscription.objects.count() == 1


def test_a_delivery_whose_message_was_lost_is_sent_again(receiver):
    import datetime as dt

    from django.utils import timezone

    from helpdesk.webhooks.services import webhook_deliveries_resend_stale

    subscribe(receiver, ["ticket.created"])
    # given a delivery logged but never sent (the broker was down at commit)
    delivery = webhook_event_emit(event="ticket.created", data={"id": 1})[0]
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == "pending" and receiver.requests == []
    # when the minute's job runs, first too early, then after the stale time
    assert webhook_deliveries_resend_stale(now=timezone.now()) == 0
    assert webhook_deliveries_resend_stale(now=timezone.now() + dt.timedelta(minutes=16)) == 1
    # then it is delivered once
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == "ok"
    assert len(receiver.requests) == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.0.0.7/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_internal_addresses_are_refused(admin, settings, url):
    # given webhooks limited to the public internet (the default outside tests)
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False

    # when an admin subscribes an internal address
    response = api(admin).post("/api/v1/webhooks/", {"url": url, "events": ["ticket.created"]}, format="json")

    # then it is a 400 on the url, and nothing is saved
    assert response.status_code == 400
    assert "may not reach" in response.json()["error"]["fields"]["url"][0]
    assert WebhookSubscription.objects.count() == 0


def test_a_host_that_turns_internal_is_not_connected_to(receiver, settings, django_capture_on_commit_callbacks):
    # given a subscription saved while allowed, then the rule applies (as after a DNS answer changed)
    subscribe(receiver, ["ticket.updated"])
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False

    # when an event is delivered
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_emit(event="ticket.updated", data={})

    # then no request reached the receiver, and the delivery failed at once (no retries) saying why
    delivery = WebhookDelivery.objects.get()
    assert receiver.requests == []
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("failed", 1, None)
    assert "may not reach" in delivery.last_error
