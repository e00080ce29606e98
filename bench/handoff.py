"""Benchmark: handoff_run over 100,000 open tickets against the plain-SQL baseline, on PostgreSQL.

    .venv/bin/python bench/handoff.py [--tickets 100000] [--database-url postgres://postgres@127.0.0.1:5432/meridian_bench]

Creates (drops first) the benchmark database, fills one departing team with N open tickets (10 %
without a Next Action), times `handoff_run`, resets, times the baseline (one UPDATE of the owning team
feeding one INSERT ... SELECT of the handoff rows), prints both and the ratio, measures peak Python
memory at N/5 and N tickets, and records the figures in docs/performance.md.
"""

import argparse
import datetime as dt
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import DEFAULT_URL, record, recreate_database, setup_django  # noqa: E402

BOUNDARY = dt.datetime(2026, 1, 5, 17, tzinfo=dt.UTC)


def build_world():
    from django.contrib.auth import get_user_model

    from regions.models import (
        Agent,
        AgentLanguage,
        Region,
        Rotation,
        RotationStep,
        ShiftDay,
        ShiftPattern,
        Team,
        Vendor,
    )
    from tickets.models import Customer

    vendor = Vendor.objects.create(name="Meridian", kind="in_house")
    teams = {}
    rotation = Rotation.objects.create(tier=1)
    for position, (code, hours) in enumerate(
        [("mnl", ("23:00", "08:00")), ("dub", ("07:00", "17:00")), ("mex", ("15:00", "00:00"))], start=1
    ):
        region = Region.objects.create(code=code, name=code, time_zone="UTC", country="IE", residency_zone="EU")
        team = Team.objects.create(code=f"t1-{code}", name=f"T1 {code}", region=region, tier=1, vendor=vendor)
        pattern = ShiftPattern.objects.create(
            team=team, name="x", valid_from=dt.date(2025, 1, 1), works_public_holidays=True
        )
        ShiftDay.objects.bulk_create(
            ShiftDay(pattern=pattern, weekday=d, start=hours[0], end=hours[1]) for d in range(7)
        )
        RotationStep.objects.create(rotation=rotation, team=team, position=position)
        teams[code] = team
    for i in range(10):  # arriving agents: a few tickets get an assignee, the rest the team queue
        user = get_user_model().objects.create(username=f"agent{i}")
        agent = Agent.objects.create(user=user, team=teams["mex"], tier=1, presence="available", capacity=20)
        AgentLanguage.objects.create(agent=agent, language="en", proficiency="C1")
    customer = Customer.objects.create(name="Bench", email="bench@example.com", country="IE")
    return teams, customer


def fill(team, customer, count):
    from django.db import connection

    before = BOUNDARY - dt.timedelta(hours=2)
    # Rows written with one INSERT ... SELECT generate_series: the data set is the fixture, not what is measured.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO tickets_ticket (subject, status, priority, tier, channel, customer_id, language, team_id,
                is_critical, is_outage, next_action, next_action_set_at, created_at, updated_at,
                last_customer_message_at, sla_state, sla_target, sla_flags, handoffs_since_progress,
                moved_without_context)
            SELECT 'Ticket ' || g, 'open', 'normal', 1, 'email', %s, 'en', %s, false, false,
                CASE WHEN g %% 10 = 0 THEN '' ELSE 'Follow up' END,
                CASE WHEN g %% 10 = 0 THEN NULL ELSE %s::timestamptz END,
                %s, %s, %s, 'ok', '', '[]'::jsonb, 0, false
            FROM generate_series(1, %s) AS g
            """,
            [customer.pk, team.pk, before + dt.timedelta(minutes=1), before, before, before, count],
        )
        cursor.execute(
            "INSERT INTO tickets_slasegment (ticket_id, team_id, region_id, started_at, paused) "
            "SELECT id, team_id, %s, created_at, false FROM tickets_ticket WHERE team_id = %s",
            [team.region_id, team.pk],
        )
        cursor.execute("ANALYZE")


def reset(team):
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("handoff_handoff", "handoff_handoffrun", "tickets_ticketevent", "tickets_notification"):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
        cursor.execute(
            "UPDATE tickets_ticket SET team_id = %s, assignee_id = NULL, last_handed_off_at = NULL", [team.pk]
        )
        cursor.execute("DELETE FROM tickets_slasegment")
        cursor.execute(
            "INSERT INTO tickets_slasegment (ticket_id, team_id, region_id, started_at, paused) "
            "SELECT id, team_id, %s, created_at, false FROM tickets_ticket",
            [team.region_id],
        )
        cursor.execute("ANALYZE")


def time_engine(team):
    from handoff.services import handoff_run

    started = time.perf_counter()
    run = handoff_run(team=team, boundary_at=BOUNDARY, now=BOUNDARY)
    return time.perf_counter() - started, run


def time_baseline(departing, arriving):
    from django.db import connection, transaction

    from handoff.models import HandoffRun

    run = HandoffRun.objects.create(team=departing, boundary_at=BOUNDARY, started_at=BOUNDARY, arriving_team=arriving)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            WITH moved AS (
                UPDATE tickets_ticket SET team_id = %s, updated_at = %s
                WHERE team_id = %s AND status IN ('new', 'open', 'pending', 'on_hold') AND next_action <> ''
                RETURNING id, next_action
            )
            INSERT INTO handoff_handoff (run_id, ticket_id, outcome, reason, from_team_id, to_team_id,
                next_action_snapshot, created_at, moved_at)
            SELECT %s, id, 'moved', 'Next Action present', %s, %s, next_action, %s, %s FROM moved
            """,
            [arriving.pk, BOUNDARY, departing.pk, run.pk, departing.pk, arriving.pk, BOUNDARY, BOUNDARY],
        )
        moved = cursor.rowcount
    return time.perf_counter() - started, moved


def peak_memory(team, customer, count):
    reset_all(team)
    fill(team, customer, count)
    tracemalloc.start()
    time_engine(team)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def reset_all(team):
    from django.db import connection

    # TRUNCATE, not DELETE: a DELETE of 100,000 tickets runs one foreign-key check per row against every table that
    # references tickets (14 of them), with plans made while those tables were empty; it took minutes.
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE tickets_ticket, handoff_handoffrun CASCADE")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side; the median is reported")
    parser.add_argument("--no-record", action="store_true", help="print only; leave docs/performance.md alone")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("the benchmark needs PostgreSQL")
    recreate_database(args.database_url)
    setup_django(args.database_url)
    teams, customer = build_world()
    from django.urls import reverse

    reverse("handoff-dashboard")  # a serving process has its URLs loaded; do not time their first import
    departing, arriving = teams["dub"], teams["mex"]

    fill(departing, customer, args.tickets)
    engine, baseline = [], []
    for _ in range(args.repeat):  # alternate the two, so drift of the machine hits both alike
        seconds, run = time_engine(departing)
        assert (run.moved, run.blocked) == (args.tickets - args.tickets // 10, args.tickets // 10), run
        engine.append(seconds)
        reset(departing)
        seconds, moved = time_baseline(departing, arriving)
        assert moved == args.tickets - args.tickets // 10
        baseline.append(seconds)
        reset(departing)
    engine_seconds, baseline_seconds = statistics.median(engine), statistics.median(baseline)
    small = peak_memory(departing, customer, args.tickets // 5)
    large = peak_memory(departing, customer, args.tickets)

    ratio = engine_seconds / baseline_seconds
    lines = [
        f"tickets: {args.tickets} (10 % without a Next Action); median of {args.repeat} runs each",
        f"handoff_run: {engine_seconds:.2f} s (moved {run.moved}, blocked {run.blocked}, batches of 1,000; "
        f"runs: {', '.join(f'{x:.2f}' for x in engine)})",
        f"baseline SQL (UPDATE ... RETURNING + INSERT ... SELECT): {baseline_seconds:.2f} s "
        f"(runs: {', '.join(f'{x:.2f}' for x in baseline)})",
        f"ratio: {ratio:.2f}x (target: within 3x)",
        f"peak Python memory of handoff_run: {small / 1e6:.1f} MB at {args.tickets // 5} tickets, "
        f"{large / 1e6:.1f} MB at {args.tickets} tickets",
    ]
    print("\n".join(lines))
    if not args.no_record:
        record("handoff.py", "Handoff of one team's open tickets", "\n".join(f"- {line}" for line in lines))


if __name__ == "__main__":
    main()
