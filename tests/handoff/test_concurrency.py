"""Exactly-once handoffs under concurrency and crashes, on PostgreSQL (row locks are real there)."""

import datetime as dt
import signal
import threading
import time

import pytest
from django.db import connections, transaction

from handoff.models import Handoff, HandoffRun
from handoff.services import handoff_run, run_due_handoffs
from handoff.tasks import handoff_run_task
from tests.factories import CustomerFactory
from tests.workers import worker_start
from tickets.models import Ticket, TicketEvent

from .conftest import BOUNDARY

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
BEFORE = BOUNDARY - dt.timedelta(hours=1)


def dublin_tickets(team, count, *, without_note_every=10):
    """COUNT open tickets of TEAM; every tenth lacks a Next Action. Test data, written directly."""
    customer = CustomerFactory()
    Ticket.objects.bulk_create(
        Ticket(
            subject=f"Ticket {i}",
            channel="email",
            customer=customer,
            team=team,
            status="open",
            created_at=BEFORE,
            updated_at=BEFORE,
            last_customer_message_at=BEFORE,
            next_action="" if i % without_note_every == 0 else "Follow up with the customer",
            next_action_set_at=None if i % without_note_every == 0 else BEFORE + dt.timedelta(minutes=1),
        )
        for i in range(count)
    )
    return list(Ticket.objects.filter(team=team).values_list("pk", flat=True))


def in_threads(target, count):
    errors = []

    def run():
        try:
            target()
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors


def assert_exactly_once(ids, sun, moved, blocked):
    per_ticket = Handoff.objects.filter(ticket_id__in=ids).values_list("ticket_id", flat=True)
    assert sorted(per_ticket) == sorted(ids)  # one row per ticket, none twice
    assert TicketEvent.objects.filter(ticket_id__in=ids, kind="handoff").count() == len(ids)
    assert Ticket.objects.filter(pk__in=ids, team=sun["mex"]).count() == moved
    assert Ticket.objects.filter(pk__in=ids, team=sun["dub"]).count() == blocked


def test_four_concurrent_runs_move_every_ticket_exactly_once(sun):
    ids = dublin_tickets(sun["dub"], 400)
    in_threads(lambda: handoff_run(team=sun["dub"], boundary_at=BOUNDARY, now=BOUNDARY, batch_size=25), 4)
    run = handoff_run(team=sun["dub"], boundary_at=BOUNDARY, now=BOUNDARY)  # the next minute's reconcile
    assert HandoffRun.objects.count() == 1
    assert (run.moved, run.blocked, run.finished_at is not None) == (360, 40, True)
    assert_exactly_once(ids, sun, moved=360, blocked=40)


def test_two_schedulers_at_once_give_one_run_per_boundary(sun):
    dublin_tickets(sun["dub"], 50)
    later = BOUNDARY + dt.timedelta(minutes=1)
    in_threads(lambda: run_due_handoffs(now=later), 2)
    boundaries = list(HandoffRun.objects.values_list("team__code", "boundary_at"))
    assert len(boundaries) == len(set(boundaries))
    assert (
        HandoffRun.objects.get(team=sun["dub"], boundary_at=BOUNDARY).moved
        + Handoff.objects.filter(outcome="blocked").count()
        == 50
    )


def test_an_agent_editing_during_a_run_keeps_the_edit_and_does_not_block_the_run(sun):
    ids = dublin_tickets(sun["dub"], 30)
    edited = ids[0]  # has no Next Action (every tenth, from 0)
    locked, release = threading.Event(), threading.Event()

    def agent_edit():
        with transaction.atomic():
            t = Ticket.objects.select_for_update().get(pk=edited)
            locked.set()
            release.wait(30)
            t.next_action, t.next_action_set_at = "Written while the run ran", BOUNDARY
            t.save(update_fields=["next_action", "next_action_set_at"])
        connections.close_all()

    editor = threading.Thread(target=agent_edit)
    editor.start()
    assert locked.wait(10)
    started = time.monotonic()
    run = handoff_run(team=sun["dub"], boundary_at=BOUNDARY, now=BOUNDARY)
    assert time.monotonic() - started < 10  # did not wait for the agent's lock
    assert run.finished_at is None  # the locked ticket is still to do
    release.set()
    editor.join(30)

    run = handoff_run(team=sun["dub"], boundary_at=BOUNDARY, now=BOUNDARY + dt.timedelta(minutes=1))
    t = Ticket.objects.get(pk=edited)
    assert t.next_action == "Written while the run ran" and t.team == sun["mex"]
    assert run.finished_at is not None and run.moved == 28 and run.blocked == 2


@pytest.mark.redis
def test_run_killed_mid_way_in_a_real_worker_is_finished_by_a_rerun(sun):
    ids = dublin_tickets(sun["dub"], 3000)
    worker, queue = worker_start()
    try:
        handoff_run_task.apply_async(args=[sun["dub"].pk, BOUNDARY.isoformat(), 10], queue=queue)
        deadline = time.monotonic() + 60
        while Handoff.objects.count() < 200:
            assert time.monotonic() < deadline, "the worker did not start the run"
            time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    done_before = Handoff.objects.count()
    assert 0 < done_before < len(ids), "the kill should land mid-way"
    assert HandoffRun.objects.get().finished_at is None

    run = handoff_run(team=sun["dub"], boundary_at=BOUNDARY, now=BOUNDARY + dt.timedelta(minutes=1))
    assert (run.moved, run.blocked, run.finished_at is not None) == (2700, 300, True)
    assert_exactly_once(ids, sun, moved=2700, blocked=300)
    events = TicketEvent.objects.count()
    handoff_run(team=sun["dub"], boundary_at=BOUNDARY, now=BOUNDARY + dt.timedelta(minutes=2))
    assert TicketEvent.objects.count() == events  # a further rerun moves nothing
