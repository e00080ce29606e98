"""Reads for the lead dashboard, the API and the ticket page: readiness, detectors, runs and metrics."""

import datetime as dt

from django.db.models import Count, F, Min, OuterRef, Q, Subquery

from regions.cache import config_cached, memoized
from regions.selectors import (
    team_list,
    team_next_boundary,
    team_on_shift,
    teams_for_pages,
    teams_with_shifts,
)
from tickets.models import MESSAGE_KINDS, OPEN_STATUSES, EventKind, Ticket, TicketEvent
from tickets.selectors import capped_counts

from .models import DEFAULTS, Briefing, Handoff, HandoffRun, HandoffSettings, Outcome
from .services import tickets_lacking_note

TOUCH_KINDS = [*[k for k in MESSAGE_KINDS if k != EventKind.CUSTOMER_MESSAGE], EventKind.STATUS, EventKind.NEXT_ACTION]
UNTOUCHED_AFTER = dt.timedelta(hours=1)


def readiness(team, limit=50):
    """(count, rows): TEAM's open tickets that would be blocked at its next handoff, counted up to the queue cap,
    and the LIMIT most urgent of them, each with its `problem`."""
    rule = _settings_by_team().get(team.pk, DEFAULTS).note_rule
    lacking = tickets_lacking_note(Ticket.objects.filter(team=team, status__in=OPEN_STATUSES), rule)
    rows = list(
        lacking.select_related("assignee", "customer").order_by(F("sla_due_at").asc(nulls_last=True), "id")[:limit]
    )
    return (len(rows) if len(rows) < limit else capped_counts({"lacking": lacking})["lacking"]), rows


SETTINGS_CACHE_KEY = "handoff:settings-by-team"


def _settings_by_team():
    """{team id: HandoffSettings} of every team with its own rules, from the configuration cache (regions.cache)."""
    load = lambda: {s.team_id: s for s in HandoffSettings.objects.all()}  # noqa: E731
    return memoized("handoff_settings", lambda: config_cached(SETTINGS_CACHE_KEY, load))


def cold_tickets(tickets, *, now):
    """Open tickets whose owning team is off shift, or with no activity for the team's cold time (16 h)."""
    teams = teams_with_shifts()
    off_shift = [t.pk for t in teams if not team_on_shift(t, now)]
    settings = _settings_by_team()
    quiet = Q()
    for hours in {settings.get(t.pk, DEFAULTS).cold_after_hours for t in teams} or {DEFAULTS.cold_after_hours}:
        ids = [t.pk for t in teams if settings.get(t.pk, DEFAULTS).cold_after_hours == hours]
        quiet |= Q(team_id__in=ids, updated_at__lt=now - dt.timedelta(hours=hours))
    return tickets.filter(status__in=OPEN_STATUSES).filter(Q(team_id__in=off_shift) | quiet)


def bouncing_tickets(tickets):
    """Open tickets handed off the team's threshold of times (3) with no public reply or status change between."""
    settings = _settings_by_team()
    teams = teams_with_shifts()
    bouncing = Q()
    for threshold in {settings.get(t.pk, DEFAULTS).bounce_threshold for t in teams} or {DEFAULTS.bounce_threshold}:
        ids = [t.pk for t in teams if settings.get(t.pk, DEFAULTS).bounce_threshold == threshold]
        bouncing |= Q(team_id__in=ids, handoffs_since_progress__gte=threshold)
    return tickets.filter(status__in=OPEN_STATUSES).filter(bouncing)


def ticket_flags(ticket, *, now):
    """{"cold": bool, "bouncing": bool} for one ticket (ticket page), by the same rules as the lists above."""
    if not ticket.is_open or ticket.team_id is None:
        return {"cold": False, "bouncing": False}
    settings = _settings_by_team().get(ticket.team_id, DEFAULTS)
    quiet = ticket.updated_at < now - dt.timedelta(hours=settings.cold_after_hours)
    team = next(t for t in teams_for_pages() if t.pk == ticket.team_id)
    return {
        "cold": quiet or not team_on_shift(team, now),
        "bouncing": ticket.handoffs_since_progress >= settings.bounce_threshold,
    }


def blocked_handoffs(teams):
    """Blocked handoffs still waiting (ticket still with the departing team), for the departing and the
    arriving team's leads alike, newest first."""
    return (
        Handoff.objects.filter(outcome=Outcome.BLOCKED, ticket__team=F("run__team"))
        .filter(Q(run__team__in=teams) | Q(run__arriving_team__in=teams))
        .filter(ticket__status__in=OPEN_STATUSES)
        .select_related("ticket", "run__team", "ticket__assignee")
        .order_by("-run__boundary_at", "ticket_id")
    )


def run_list(teams, limit=20):
    return HandoffRun.objects.filter(Q(team__in=teams) | Q(arriving_team__in=teams)).select_related(
        "team", "arriving_team"
    )[:limit]


def run_metrics(runs, *, now):
    """Per run: share blocked, median minutes from handoff to first touch by the arriving team, untouched after 1 h."""
    runs = list(runs)
    first_touch = (
        TicketEvent.objects.filter(
            ticket_id=OuterRef("ticket_id"), created_at__gt=OuterRef("moved_at"), kind__in=TOUCH_KINDS
        )
        .exclude(actor=None)
        .values("ticket_id")
        .annotate(first=Min("created_at"))
        .values("first")
    )
    handoffs = (
        Handoff.objects.filter(run__in=runs, moved_at__isnull=False)
        .annotate(first_touch=Subquery(first_touch))
        .values_list("run_id", "moved_at", "first_touch")
    )
    waits, untouched = {}, {}
    for run_id, moved_at, touched in handoffs:
        if touched is not None:
            waits.setdefault(run_id, []).append((touched - moved_at).total_seconds() / 60)
        elif now - moved_at > UNTOUCHED_AFTER:
            untouched[run_id] = untouched.get(run_id, 0) + 1
    result = []
    for run in runs:
        minutes = sorted(waits.get(run.pk, []))
        median = minutes[len(minutes) // 2] if minutes else None
        result.append(
            {
                "run": run,
                "blocked_share": run.blocked_share,
                "median_first_touch_minutes": median,
                "untouched_after_hour": untouched.get(run.pk, 0),
            }
        )
    return result


def next_boundary_of(team, now):
    with_shifts = next((t for t in teams_with_shifts(tier=team.tier) if t.pk == team.pk), None)
    return team_next_boundary(with_shifts or team_list().get(pk=team.pk), now)


ATTENDANCE_BRIEFINGS = 14


def briefings_with_attendance(team, now, limit=ATTENDANCE_BRIEFINGS):
    """(current, history) in one query: the newest briefing where TEAM arrives, prepared and not older than a shift
    (or None), and up to LIMIT briefings whose stand-up is due or done, newest first, each with `attended` (how many
    attendees were recorded)."""
    briefings = list(
        Briefing.objects.filter(team=team)
        .select_related("departing_team", "acknowledged_by")
        .annotate(attended=Count("attendees"))
        .order_by("-boundary_at")[: limit + 2]  # the next boundary's briefing or two, not yet held
    )
    current = next((b for b in briefings if b.boundary_at >= now - dt.timedelta(hours=12)), None)
    history = [b for b in briefings if b.boundary_at <= now or b.acknowledged_at is not None][:limit]
    return current, history


def attendance_chart(history, team_size):
    """Bars of attendees / TEAM_SIZE per stand-up for a small inline SVG, oldest first, and the rows of its table."""
    rows, bars = [], []
    for i, briefing in enumerate(reversed(history)):
        share = min(briefing.attended / team_size, 1.0) if team_size else 0.0
        held = briefing.standup_held_at is not None
        rows.append({"briefing": briefing, "attended": briefing.attended, "share": share, "held": held})
        height = round(share * 40)
        label = f"{briefing.boundary_at:%a %d %b %H:%M} UTC: {briefing.attended} of {team_size} attended"
        bars.append({"x": i * 10, "y": 40 - height, "height": height, "label": label, "held": held})
    return {"bars": bars, "width": max(10, len(bars) * 10), "rows": rows[::-1], "team_size": team_size}
