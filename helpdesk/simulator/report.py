"""The report of one run: what customers would have experienced, read from the simulation database and the engine.

Only simulated quantities go in (no wall-clock time, no database names), so one seed gives one report, byte for byte.
"""

import math
from collections import defaultdict

from django.db.models import Count, Q

from handoff.models import Handoff, HandoffRun, Outcome
from regions.staffing import required_agents
from tickets.models import PRIORITY_RANK, Status, Ticket

FIRST_RESPONSE_EDGES = [15, 30, 60, 120, 240, 480, 960, 1440]  # minutes
RESOLUTION_EDGES = [1, 2, 4, 8, 16, 24, 48, 72]  # hours
MOVED_LATE = "Moved once the Next Action was written"


def _r(x):
    return round(x, 2)


def percentile(values, share):
    """Nearest-rank percentile of VALUES (sorted or not); 0 for none."""
    if not values:
        return 0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * share) - 1)]


def distribution(values, edges):
    """Percentiles and a histogram: counts of values up to each edge, then above the last."""
    counts = [0] * (len(edges) + 1)
    for v in values:
        counts[next((i for i, edge in enumerate(edges) if v <= edge), len(edges))] += 1
    labels = [f"≤ {e}" for e in edges] + [f"> {edges[-1]}"]
    return {
        "count": len(values),
        "p50": _r(percentile(values, 0.5)),
        "p90": _r(percentile(values, 0.9)),
        "p95": _r(percentile(values, 0.95)),
        "max": _r(max(values, default=0)),
        "histogram": [{"label": label, "count": n} for label, n in zip(labels, counts, strict=True)],
    }


def _attainment(rows):
    total = len(rows)
    met_first = sum("first_response:breach" not in flags for flags in rows)
    met_resolution = sum("resolution:breach" not in flags for flags in rows)
    return {
        "tickets": total,
        "first_response_pct": _r(100 * met_first / total) if total else None,
        "resolution_pct": _r(100 * met_resolution / total) if total else None,
    }


def report_build(engine):
    scenario, days = engine.scenario, engine.days
    rows = list(
        Ticket.objects.order_by("pk").values_list(
            "pk", "priority", "status", "sla_flags", "created_at", "first_response_at", "solved_at", "team_id"
        )
    )
    by_priority, by_region = defaultdict(list), defaultdict(list)
    first_response, resolution = [], []
    for pk, priority, status, flags, created, responded, solved, _ in rows:
        by_priority[priority].append(flags)
        by_region[engine.tickets[pk][3] or "unrouted"].append(flags)
        if responded:
            first_response.append((responded - created).total_seconds() / 60)
        if solved and status == Status.SOLVED:
            resolution.append((solved - created).total_seconds() / 3600)
    cold = [engine.cold_seconds.get(pk, 0.0) / 3600 for pk, *_ in rows]
    outcomes = Handoff.objects.aggregate(
        **{o.value: Count("pk", filter=Q(outcome=o)) for o in Outcome},
        moved_after_block=Count("pk", filter=Q(reason=MOVED_LATE)),
    )
    runs = HandoffRun.objects.aggregate(
        shift=Count("pk", filter=Q(kind=HandoffRun.Kind.SHIFT)),
        failover=Count("pk", filter=Q(kind=HandoffRun.Kind.FAILOVER)),
    )
    return {
        "scenario": {
            "name": scenario["name"],
            "description": scenario["description"],
            "seed": engine.seed,
            "days": days,
            "start": scenario["start"],
            "tickets_per_day": scenario["arrivals"]["tickets_per_day"],
            "step_minutes": scenario["step_minutes"],
            "teams": [{"code": t.code, "region": t.region.code, "tier": t.tier} for t in engine.teams.values()],
            "events": scenario["events"],
        },
        "tickets": {
            "created": len(rows),
            "solved": sum(1 for r in rows if r[2] == Status.SOLVED),
            "open_at_end": sum(1 for r in rows if r[2] != Status.SOLVED),
            "unrouted": sum(1 for r in rows if r[7] is None),
        },
        "sla": {
            "overall": _attainment([r[3] for r in rows]),
            "by_priority": {
                p: _attainment(by_priority[p]) for p in sorted(by_priority, key=PRIORITY_RANK.get, reverse=True)
            },
            "by_region": {region: _attainment(by_region[region]) for region in sorted(by_region)},
        },
        "first_response_minutes": distribution(first_response, FIRST_RESPONSE_EDGES),
        "resolution_hours": distribution(resolution, RESOLUTION_EDGES),
        "cold_queue": {
            "hours_total": _r(sum(cold)),
            "tickets_cold": sum(1 for c in cold if c > 0),
            "per_ticket_p95_hours": _r(percentile(cold, 0.95)),
            "per_ticket_max_hours": _r(max(cold, default=0)),
            "by_team": {code: _r(s / 3600) for code, s in sorted(engine.cold_by_team.items())},
        },
        "handoffs": {
            "shift_runs": runs["shift"],
            "failover_runs": runs["failover"],
            "moved": outcomes[Outcome.MOVED],
            "blocked": outcomes[Outcome.BLOCKED],
            "failed_over": outcomes[Outcome.FAILED_OVER],
            "moved_after_block": outcomes["moved_after_block"],
        },
        "bouncing_tickets": len(engine.bouncing),
        "cold_detector_peak": engine.cold_flag_peak,
        "occupancy": _occupancy(engine),
        "outbound_held_back": engine.suppressed,
    }


def _occupancy(engine):
    """Per UTC hour of day, averaged over the run: agents on shift, agents busy, and what Erlang C asks for."""
    staffing, days = engine.scenario["staffing"], engine.days
    touches = sum(engine.touches)
    aht = engine.handle_seconds / touches if touches else 0
    hours = []
    for hour in range(24):
        scheduled = engine.scheduled[hour] / 3600 / days
        busy = engine.busy[hour] / 3600 / days
        volume = engine.touches[hour] / days
        needed = (
            required_agents(
                volume=volume,
                aht=aht,
                interval=3600,
                target_sl=staffing["target_service_level"],
                answer_time=staffing["answer_seconds"],
                max_occupancy=staffing["max_occupancy"],
            ).agents
            if aht
            else 0
        )
        hours.append(
            {
                "hour": hour,
                "arrivals": _r(engine.arrivals[hour] / days),
                "touches": _r(volume),
                "scheduled_agents": _r(scheduled),
                "busy_agents": _r(busy),
                "occupancy_pct": _r(100 * busy / scheduled) if scheduled else None,
                "erlang_c_agents": needed,
            }
        )
    return {"average_handle_minutes": _r(aht / 60), "hours": hours}


def summary(report):
    """The headline figures, one row per scenario in a comparison."""
    cold, sla, handoffs = report["cold_queue"], report["sla"]["overall"], report["handoffs"]
    return [
        ("Tickets created", report["tickets"]["created"]),
        ("Solved by the end", report["tickets"]["solved"]),
        ("First response within SLA %", sla["first_response_pct"]),
        ("Resolution within SLA %", sla["resolution_pct"]),
        ("First response p50 (min)", report["first_response_minutes"]["p50"]),
        ("First response p95 (min)", report["first_response_minutes"]["p95"]),
        ("Resolution p50 (h)", report["resolution_hours"]["p50"]),
        ("Cold-queue hours, total", cold["hours_total"]),
        ("Tickets that went cold", cold["tickets_cold"]),
        ("Cold hours per ticket, p95", cold["per_ticket_p95_hours"]),
        ("Cold hours per ticket, max", cold["per_ticket_max_hours"]),
        ("Handoffs moved", handoffs["moved"]),
        ("Handoffs blocked", handoffs["blocked"]),
        ("Tickets failed over", handoffs["failed_over"]),
        ("Bouncing tickets", report["bouncing_tickets"]),
    ]
