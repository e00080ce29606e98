"""Work is queued by kind: a backlog of 10,000 webhook deliveries does not delay a shift handoff.

Real Celery workers on Redis, one per queue as in docker-compose.yml, writing to the test database.
"""

import datetime as dt
import http.server
import threading
import time

import pytest
from django.utils import timezone

from handoff.models import HandoffRun
from handoff.tasks import handoff_run_task
from helpdesk.celery import app
from helpdesk.webhooks.models import WebhookDelivery, WebhookSubscription
from helpdesk.webhooks.tasks import webhook_deliver_task
from tests.factories import ticket
from tests.workers import worker_start, worker_stop
from tickets.services import ticket_move_to_team, ticket_set_next_action

from .conftest import BOUNDARY

BACKLOG = 10_000


def test_each_kind_of_work_has_its_queue():
    app.loader.import_default_modules()

    def queue_of(name):
        return app.amqp.router.route({}, name)["queue"].name

    assert {queue_of(n) for n in app.tasks if n.startswith("handoff.tasks.")} == {"handoff"}
    assert {queue_of(n) for n in app.tasks if n.startswith("helpdesk.webhooks.tasks.")} == {"webhooks"}
    assert queue_of("tickets.tasks.notifications_email_task") == "email"
    assert queue_of("tickets.tasks.sla_check_due_task") == "default"
    assert queue_of("helpdesk.tasks.heartbeat_record_task") == "default"


def _purge(*queues):
    with app.connection_for_write() as conn:
        for queue in queues:
            conn.default_channel.queue_purge(queue)


def _queued(queue):
    with app.connection_for_write() as conn:
        return conn.default_channel.queue_declare(queue, passive=True).message_count


@pytest.fixture
def slow_receiver():
    """A webhook endpoint that takes 2 seconds to answer each delivery."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            time.sleep(2)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


@pytest.fixture
def workers():
    """One solo worker on the webhooks queue and one on the handoff queue, as the compose services run them."""
    _purge("webhooks", "handoff")
    processes = [worker_start(queue=queue)[0] for queue in ("webhooks", "handoff")]
    yield
    for process in processes:
        worker_stop(process)
    _purge("webhooks", "handoff")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_webhook_backlog_does_not_delay_a_handoff(sun, dublin_agent, slow_receiver, workers):
    # given Dublin's ticket with a Next Action, and 10,000 webhook deliveries queued to a slow receiver
    before = BOUNDARY - dt.timedelta(hours=2)
    t = ticket_move_to_team(ticket=ticket(at=before), team=sun["dub"], actor=None, reason="setup", at=before)
    ticket_set_next_action(ticket=t, text="Refund approved; confirm", actor=dublin_agent, at=before)
    subscription = WebhookSubscription.objects.create(url=slow_receiver, events=["ticket.updated"])
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(subscription=subscription, event="ticket.updated", payload={}, created_at=timezone.now())
        for _ in range(BACKLOG)
    )
    with app.producer_or_acquire() as producer:
        for delivery in deliveries:
            webhook_deliver_task.apply_async(args=[str(delivery.pk)], producer=producer)
    assert _queued("webhooks") >= BACKLOG - 50  # the webhooks worker took a few while they were queued

    # when the shift ends and the handoff is queued after that backlog
    started = time.monotonic()
    handoff_run_task.delay(sun["dub"].pk, BOUNDARY.isoformat())

    # then the handoff worker finishes it at once, while the webhook backlog is still there
    while not HandoffRun.objects.filter(team=sun["dub"], finished_at__isnull=False).exists():
        assert time.monotonic() - started < 60, "the handoff waited behind the webhooks"
        time.sleep(0.2)
    run = HandoffRun.objects.get(team=sun["dub"])
    assert (run.moved, run.arriving_team) == (1, sun["mex"])
    assert _queued("webhooks") > BACKLOG - 100
