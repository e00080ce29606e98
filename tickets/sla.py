"""SLA clocks that run on the calendar of the region owning the ticket at each moment.

A ticket's time is cut into segments, one per owning team (and so region) and pause state.
SLA time used in a segment is wall time for tiers served around the clock and shift time
otherwise (which brings business hours, holidays and DST with it). Summing per region
says which region used the time, so a breach is attributed to the region that used most.
"""

import datetime as dt
from collections import defaultdict

from django.db import connection, transaction

from helpdesk.rows import row_insert, row_update
from regions.cache import memoized
from regions.models import Region, Rotation
from regions.selectors import team_shifts, team_with_shifts

from .events import event_record
from .models import EventKind, SlaPolicy, SlaSegment, SlaState, Status, Ticket
from .notifications import notification_create
from .signals import sla_breached

HORIZON = dt.timedelta(days=60)
# Every change of an open ticket reads its segments; written out, the query costs a third of what the ORM makes of it.
SEGMENTS_SQL = f"SELECT * FROM {SlaSegment._meta.db_table} WHERE ticket_id = %s ORDER BY started_at, id"  # noqa: S608


def policy_for(ticket):
    """The VIP policy of the ticket's priority for a VIP customer, else the general one."""
    policies = memoized("sla_policies", lambda: list(SlaPolicy.objects.order_by("-vip", "pk")))
    vip_values = [False, True] if ticket.customer.vip else [False]
    return next((p for p in policies if p.priority == ticket.priority and p.vip in vip_values), None)


def segment_switch(*, ticket, at):
    """Start a segment for the ticket's current team and state: running, or paused while pending the customer or
    once solved or closed."""
    if ticket.team_id is None:
        return
    row_insert(
        SlaSegment(
            ticket=ticket,
            team_id=ticket.team_id,
            region_id=ticket.team.region_id,
            started_at=at,
            paused=ticket.status == Status.PENDING or not ticket.is_open,
        )
    )


class Calendar:
    """SLA seconds between instants for each team, cached for one recompute."""

    def __init__(self):
        self.around_the_clock = memoized(
            "around_the_clock", lambda: dict(Rotation.objects.values_list("tier", "around_the_clock"))
        )
        self.teams = {}

    def _team(self, team_id):
        if team_id not in self.teams:
            self.teams[team_id] = team_with_shifts(team_id)
        return self.teams[team_id]

    def _is_24x7(self, team):
        return self.around_the_clock.get(team.tier, True)

    def seconds(self, team_id, start, end):
        if end <= start:
            return 0.0
        team = self._team(team_id)
        if self._is_24x7(team):
            return (end - start).total_seconds()
        return sum((min(e, end) - max(s, start)).total_seconds() for s, e in team_shifts(team, start, end))

    def project(self, team_id, start, seconds):
        """The instant at which SECONDS of SLA time have run from START on the team's calendar."""
        team = self._team(team_id)
        if self._is_24x7(team) or seconds <= 0:
            return start + dt.timedelta(seconds=seconds)
        for s, e in team_shifts(team, start, start + HORIZON):
            s = max(s, start)
            available = (e - s).total_seconds()
            if seconds <= available:
                return s + dt.timedelta(seconds=seconds)
            seconds -= available
        return None  # no shifts within the horizon: the clock does not run


def used_by_region(segments, calendar, start, now):
    """{region_id: SLA seconds used} between START and NOW; SEGMENTS in time order, each lasting until the next."""
    used = defaultdict(float)
    ends = [seg.started_at for seg in segments[1:]] + [now]
    for seg, end in zip(segments, ends, strict=True):
        if seg.paused:
            continue
        used[seg.region_id] += calendar.seconds(seg.team_id, max(seg.started_at, start), min(end, now))
    return used


def _active_targets(ticket, policy):
    """[(name, clock start, target seconds)] of the targets still running."""
    targets = []
    if ticket.first_response_at is None:
        targets.append(("first_response", ticket.created_at, policy.first_response_minutes * 60))
    elif ticket.last_customer_message_at and ticket.last_customer_message_at > ticket.first_response_at:
        last_reply = ticket.last_public_reply_at or ticket.first_response_at
        if ticket.last_customer_message_at > last_reply:
            targets.append(("next_response", ticket.last_customer_message_at, policy.next_response_minutes * 60))
    if ticket.solved_at is None:
        targets.append(("resolution", ticket.created_at, policy.resolution_minutes * 60))
    return targets


def sla_recompute(*, ticket, now):
    """Bring the ticket's SLA fields up to NOW and put new warnings and breaches on the timeline.

    The caller holds the ticket's row lock and saves the ticket afterwards.
    """
    policy = ticket.sla_policy
    if policy is None or not ticket.is_open:
        ticket.sla_state = SlaState.NONE if policy is None else ticket.sla_state
        ticket.sla_due_at = ticket.sla_next_check_at = None
        return
    segments = list(SlaSegment.objects.raw(SEGMENTS_SQL, [ticket.pk], using=connection.alias))
    current = segments[-1] if segments else None
    calendar = Calendar()
    states, dues, checks = [], [], []
    for name, start, target in _active_targets(ticket, policy):
        by_region = used_by_region(segments, calendar, start, now)
        used = sum(by_region.values())
        key = f"{name}@{start:%Y%m%dT%H%M%S}" if name == "next_response" else name
        if used >= target:
            states.append(SlaState.BREACHED)
            if f"{key}:breach" not in ticket.sla_flags:
                _record(ticket, EventKind.SLA_BREACH, name, by_region, now, target)
                ticket.sla_flags = [*ticket.sla_flags, f"{key}:breach"]
        elif used >= target * policy.warning_share:
            states.append(SlaState.WARNING)
            if f"{key}:warning" not in ticket.sla_flags:
                _record(ticket, EventKind.SLA_WARNING, name, by_region, now, target)
                ticket.sla_flags = [*ticket.sla_flags, f"{key}:warning"]
        else:
            states.append(SlaState.OK)
        if current is not None and not current.paused:
            due = calendar.project(current.team_id, now, target - used)
            if due is not None:
                dues.append((due, name))
                checks.append(due)
                warn = target * policy.warning_share - used
                if warn > 0:
                    checks.append(calendar.project(current.team_id, now, warn))
    if ticket.status == Status.PENDING:
        ticket.sla_state = SlaState.PAUSED
    else:
        order = [SlaState.BREACHED, SlaState.WARNING, SlaState.OK]
        ticket.sla_state = next((s for s in order if s in states), SlaState.NONE)
    future_dues = [d for d in dues if d[0] > now] or dues
    ticket.sla_due_at, ticket.sla_target = min(future_dues) if future_dues else (None, "")
    future = [c for c in checks if c is not None and c > now]
    ticket.sla_next_check_at = min(future) if future else None


def _record(ticket, kind, target_name, by_region, now, target_seconds):
    names = dict(Region.objects.filter(id__in=by_region).values_list("id", "code"))
    used = {names[r]: round(s) for r, s in by_region.items() if s}
    attributed = max(used, key=used.get) if used else None
    label = target_name.replace("_", " ")
    word = "breached" if kind == EventKind.SLA_BREACH else "at warning level"
    split = ", ".join(f"{code} {secs // 60} min" for code, secs in sorted(used.items()))
    if kind == EventKind.SLA_WARNING and ticket.assignee_id:
        notification_create(
            recipient=ticket.assignee,
            ticket=ticket,
            kind="sla_warning",
            now=now,
            text=f"{ticket.reference}: SLA {label} at warning level",
            urgent=ticket.priority == "urgent",
        )
    if kind == EventKind.SLA_BREACH:
        transaction.on_commit(lambda: sla_breached.send(sender=Ticket, ticket=ticket, target=target_name, at=now))
    event_record(
        ticket=ticket,
        kind=kind,
        at=now,
        summary=f"SLA {label} {word}; time used by region: {split or 'none'}",
        data={
            "target": target_name,
            "used_by_region": used,
            "attributed_to": attributed,
            "target_seconds": target_seconds,
        },
    )


def sla_check_due(*, now, batch_size=500):
    """Recompute tickets whose next SLA check has come; returns how many were checked."""
    checked = 0
    while True:
        with transaction.atomic():
            batch = list(
                Ticket.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("customer", "team", "sla_policy")
                .filter(sla_next_check_at__lte=now)
                .order_by("sla_next_check_at")[:batch_size]
            )
            for ticket in batch:
                sla_recompute(ticket=ticket, now=now)
                row_update(ticket, ["sla_state", "sla_target", "sla_due_at", "sla_next_check_at", "sla_flags"])
        checked += len(batch)
        if len(batch) < batch_size:
            return checked
