"""The handoff engine: at each shift end the departing team's open tickets move to the arriving team.

A ticket moves only with a valid Next Action note; otherwise its handoff is blocked and retried
every minute until the note exists. Runs are idempotent per (team, boundary): tickets are claimed
in batches with SELECT ... FOR UPDATE SKIP LOCKED, and each claim is an INSERT ... ON CONFLICT DO
NOTHING of the (run, ticket) row, so concurrent or repeated runs never handle a ticket twice.
"""

import datetime as dt
import time

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Case, Count, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from compliance.models import Role
from compliance.selectors import residency_forbidden_pairs
from regions.models import RegionStatus, Rotation, residency_zone_for
from regions.selectors import (
    rotating_teams,
    rotation_get,
    rotation_teams,
    team_list,
    team_next_boundary,
    team_on_shift,
    team_shifts,
    team_with_shifts,
)
from tickets.events import events_record_bulk
from tickets.models import OPEN_STATUSES, EventKind, Notification, SideConversation, Ticket
from tickets.notifications import notice_create
from tickets.routing import assignee_picker
from tickets.services import tickets_hand_over

from .models import DEFAULTS, Briefing, Handoff, HandoffRun, HandoffSettings, NoteRule, Outcome
from .signals import handoff_finished

BATCH_SIZE = 1000  # rows locked per transaction
LOOKBACK = dt.timedelta(hours=12)  # how far back a missed boundary is still caught up
BRIEFING_ALERT_AFTER = dt.timedelta(minutes=30)
SLA_SOON = dt.timedelta(hours=4)


def settings_for(team):
    return HandoffSettings.objects.filter(team=team).first() or DEFAULTS


NO_NOTE = "no Next Action"
OLDER_THAN_CUSTOMER = "Next Action older than the last customer message"
NOT_CONFIRMED = "Next Action not confirmed since the last handoff"


def note_problem(rule, *, next_action, set_at, last_customer_message_at, last_handed_off_at):
    """Why the Next Action does not allow a handoff under RULE, or "" when it does."""
    if not next_action.strip():
        return NO_NOTE
    if rule == NoteRule.FRESH_SINCE_CUSTOMER and last_customer_message_at and set_at < last_customer_message_at:
        return OLDER_THAN_CUSTOMER
    if rule == NoteRule.FRESH_SINCE_HANDOFF and last_handed_off_at and set_at < last_handed_off_at:
        return NOT_CONFIRMED
    return ""


def tickets_lacking_note(tickets, rule):
    """The tickets of TICKETS that note_problem would block under RULE, annotated with `problem`: the same rule
    in SQL, for lists that must not read a team's every open ticket (services strip notes, so blank is "")."""
    whens = [When(next_action="", then=Value(NO_NOTE))]
    if rule == NoteRule.FRESH_SINCE_CUSTOMER:
        whens.append(When(next_action_set_at__lt=F("last_customer_message_at"), then=Value(OLDER_THAN_CUSTOMER)))
    elif rule == NoteRule.FRESH_SINCE_HANDOFF:
        whens.append(When(next_action_set_at__lt=F("last_handed_off_at"), then=Value(NOT_CONFIRMED)))
    return tickets.annotate(problem=Case(*whens, default=Value(""))).exclude(problem="")


def _overlap(tier):
    rotation = rotation_get(tier)
    return dt.timedelta(minutes=rotation.min_overlap_minutes if rotation else 60)


def arriving_team_for(team, at, *, exclude_region=None):
    """The next team after TEAM in its tier's rotation that is on shift at AT (or starts within the
    overlap after it) in an operational region; (team, why) or (None, why)."""
    order = rotation_teams(team.tier)
    ids = [t.id for t in order]
    if team.id not in ids:
        return (
            None,
            f"Tier {team.tier} has no follow-the-sun rotation with {team.name}; its tickets wait for it",
        )
    position = ids.index(team.id)
    candidates = [
        t
        for t in order[position + 1 :] + order[:position]
        if t.region.status != RegionStatus.DOWN and t.region_id != exclude_region
    ]
    for candidate in candidates:
        if team_on_shift(candidate, at):
            return candidate, f"{candidate.name} is on shift"
    overlap = _overlap(team.tier)
    for candidate in candidates:
        boundary = team_next_boundary(candidate, at)
        if boundary and boundary[1] == "start" and boundary[0] <= at + overlap:
            return candidate, f"{candidate.name} starts within the overlap"
    return None, "no team of the rotation is on shift in an operational region"


def _claim(run, rows, now):
    """INSERT the (run, ticket) rows; returns the ticket ids this call claimed (others were already taken).

    One INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING per (outcome, reason) group: the unique
    (run, ticket) constraint, not the locks alone, is what makes a ticket's handoff happen once.
    """
    groups = {}
    for row in rows:
        groups.setdefault((row["outcome"], row["reason"], row["to_team"]), []).append(row["ticket"])
    claimed = set()
    columns = "run_id, ticket_id, outcome, reason, from_team_id, to_team_id, next_action_snapshot, created_at, moved_at"
    with connection.cursor() as cursor:
        for (outcome, reason, to_team), ids in groups.items():
            cursor.execute(
                f"INSERT INTO {Handoff._meta.db_table} ({columns}) "  # noqa: S608 - placeholders only
                f"SELECT %s, id, %s, %s, %s, %s, next_action, %s, %s FROM {Ticket._meta.db_table} "
                f"WHERE id IN ({', '.join(['%s'] * len(ids))}) "
                "ON CONFLICT (run_id, ticket_id) DO NOTHING RETURNING ticket_id",
                [
                    run.pk,
                    outcome,
                    reason[:300],
                    run.team_id,
                    to_team,
                    now,
                    None if outcome == Outcome.BLOCKED else now,
                    *ids,
                ],
            )
            claimed.update(r[0] for r in cursor.fetchall())
    return claimed


def _relax_durability():
    """Commit batches without waiting for the WAL flush (PostgreSQL): a server crash may forget the last
    fraction of a second of batches, never half of one, and the next minute's run redoes what was forgotten.
    This halves a 100,000-ticket sweep on a disk with slow fsync."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


class _Sweep:
    """What every batch of one run needs, read once: the note rule, residency limits, the assignee picker."""

    def __init__(self, run, arriving, now):
        self.rule = settings_for(run.team).note_rule
        self.forbidden = residency_forbidden_pairs()
        self.pick = assignee_picker(team=arriving, at=now) if arriving else None
        # Walk the team's tickets in id order: blocked ones stay with the team but are not read again.
        self.after = 0


def _sweep_batch(run, arriving, now, *, batch_size, failover, sweep):
    """Claim and settle up to BATCH_SIZE of the departing team's open tickets; returns how many were seen."""
    rule, forbidden = sweep.rule, sweep.forbidden
    with transaction.atomic():
        _relax_durability()
        # Already claimed rows are skipped by the id cursor and, for a rerun, by the claim's ON CONFLICT;
        # an anti-join here would be planned on stale statistics while the run fills the handoff table.
        tickets = list(
            Ticket.objects.filter(team=run.team, status__in=OPEN_STATUSES)
            .filter(pk__gt=sweep.after)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")
            .values(
                "pk",
                "language",
                "next_action",
                "next_action_set_at",
                "last_customer_message_at",
                "last_handed_off_at",
                "customer__country",
            )[:batch_size]
        )
        rows = []
        for t in tickets:
            problem = note_problem(
                rule,
                next_action=t["next_action"],
                set_at=t["next_action_set_at"],
                last_customer_message_at=t["last_customer_message_at"],
                last_handed_off_at=t["last_handed_off_at"],
            )
            data_zone = residency_zone_for(t["customer__country"])
            if arriving is None:
                outcome, reason = Outcome.BLOCKED, run.note
            elif (data_zone, arriving.region.residency_zone) in forbidden:
                outcome, reason = (
                    Outcome.BLOCKED,
                    f"{data_zone} customer data may not be handled in {arriving.region.name}",
                )
            elif failover:
                outcome, reason = (
                    Outcome.FAILED_OVER,
                    f"Region down; moved{' without context: ' + problem if problem else ''}",
                )
            elif problem:
                outcome, reason = Outcome.BLOCKED, f"Blocked: {problem}"
            else:
                outcome, reason = Outcome.MOVED, "Next Action present"
            rows.append(
                {
                    "ticket": t["pk"],
                    "outcome": outcome,
                    "reason": reason,
                    "note": t["next_action"],
                    "to_team": arriving.pk if arriving and outcome != Outcome.BLOCKED else None,
                    "problem": problem,
                    "language": t["language"],
                }
            )
        if tickets:
            sweep.after = tickets[-1]["pk"]
        claimed = _claim(run, rows, now)
        rows = [r for r in rows if r["ticket"] in claimed]
        moving = [r for r in rows if r["outcome"] != Outcome.BLOCKED]
        if moving:
            assignees = sweep.pick([(r["ticket"], r["language"]) for r in moving])
            tickets_hand_over(
                ticket_ids=[r["ticket"] for r in moving],
                team=arriving,
                at=now,
                assignees=assignees,
                summary=("Failover from " if failover else "Handed off from ") + run.team.name,
                without_context=[r["ticket"] for r in moving if failover and r["problem"]],
                from_team=run.team,
            )
        for reason in {r["reason"] for r in rows if r["outcome"] == Outcome.BLOCKED}:
            events_record_bulk(
                ticket_ids=[r["ticket"] for r in rows if r["outcome"] == Outcome.BLOCKED and r["reason"] == reason],
                kind=EventKind.HANDOFF,
                at=now,
                summary=f"Handoff blocked at {run.boundary_at:%H:%M} UTC: {reason}",
                data={"run": run.pk, "outcome": "blocked"},
            )
    return len(tickets)


def _recount(run, **extra):
    """Counts come from the Handoff rows, so recounting is always right, however many runs took part."""
    counts = Handoff.objects.filter(run=run).aggregate(**{o.value: Count("pk", filter=Q(outcome=o)) for o in Outcome})
    HandoffRun.objects.filter(pk=run.pk).update(**counts, **extra)


def _finish(run, now, started):
    _recount(run, finished_at=now, duration_ms=run.duration_ms or int((time.monotonic() - started) * 1000))
    run.refresh_from_db()
    if run.blocked and run.kind == HandoffRun.Kind.SHIFT:
        leads = list(run.team.leads.all())
        notice_create(
            recipients=leads,
            kind=Notification.Kind.HANDOFF_BLOCKED,
            now=now,
            url=reverse("handoff-dashboard"),
            text=f"{run.blocked} handoffs of {run.team.name} blocked at {run.boundary_at:%H:%M} UTC: "
            "write their Next Action",
        )
    transaction.on_commit(lambda: handoff_finished.send(sender=HandoffRun, run=run))
    return run


def handoff_run(*, team, boundary_at, now=None, batch_size=BATCH_SIZE):
    """Hand TEAM's open tickets over at its shift end BOUNDARY_AT. Safe to run again and concurrently."""
    now = now or timezone.now()
    started = time.monotonic()
    run, _ = HandoffRun.objects.get_or_create(
        team=team, boundary_at=boundary_at, kind=HandoffRun.Kind.SHIFT, defaults={"started_at": now}
    )
    if run.finished_at:
        return run
    arriving, why = arriving_team_for(team_with_shifts(team.pk), boundary_at)
    if arriving is None:
        HandoffRun.objects.filter(pk=run.pk).update(note=why[:300])
        run.note = why[:300]
        if not Rotation.objects.filter(tier=team.tier, steps__team=team).exists():
            return _finish(run, now, started)  # business-hours tier: nothing hands off
    else:
        HandoffRun.objects.filter(pk=run.pk, arriving_team__isnull=True).update(arriving_team=arriving)
    sweep = _Sweep(run, arriving, now)
    while _sweep_batch(run, arriving, now, batch_size=batch_size, failover=False, sweep=sweep) == batch_size:
        pass
    if _has_unclaimed(run):
        # Rows locked by an agent's edit or by a concurrent run: leave the run open; the next minute finishes it.
        _recount(run)
        run.refresh_from_db()
        return run
    run = _finish(run, now, started)
    if arriving is None and run.blocked:
        _alert_admins(
            f"Handoff of {team.name} at {boundary_at:%H:%M} UTC: {run.blocked} tickets stuck: {run.note}", now
        )
    return run


def _has_unclaimed(run):
    """Whether some open ticket of the departing team has no row in this run (it was locked, or is new).

    Two counts rather than an anti-join: while a run fills the handoff table its statistics are stale, and a
    planner that believes the table empty turns NOT EXISTS into a nested loop over it (seen: 14 s at 100,000)."""
    still_here = Ticket.objects.filter(team=run.team, status__in=OPEN_STATUSES).count()
    settled_here = Handoff.objects.filter(run=run, ticket__team=run.team, ticket__status__in=OPEN_STATUSES).count()
    return still_here > settled_here


def handoff_failover(*, region, now=None, batch_size=BATCH_SIZE):
    """Region down: every team there hands all open tickets to the next covering team now, note or not."""
    now = now or timezone.now()
    runs = []
    for team in team_list().filter(region=region):
        started = time.monotonic()
        run, _ = HandoffRun.objects.get_or_create(
            team=team, boundary_at=now, kind=HandoffRun.Kind.FAILOVER, defaults={"started_at": now}
        )
        arriving, why = arriving_team_for(team, now, exclude_region=region.pk)
        if arriving is None:
            arriving, why = _any_team_of_tier(team, now, region)
        run.arriving_team, run.note = arriving, ("" if arriving else why)
        run.save(update_fields=["arriving_team", "note"])
        sweep = _Sweep(run, arriving, now)
        while _sweep_batch(run, arriving, now, batch_size=batch_size, failover=True, sweep=sweep) == batch_size:
            pass
        runs.append(_finish(run, now, started))
        if arriving is None and run.blocked:
            _alert_admins(f"Failover of {team.name} found no team to take {run.blocked} tickets: {why}", now)
    return runs


def _any_team_of_tier(team, now, region):
    """Tiers without a rotation fail over to any team of the tier on shift elsewhere."""
    for other in team_list(tier=team.tier).exclude(region=region):
        if other.region.status != RegionStatus.DOWN and team_on_shift(other, now):
            return other, f"{other.name} is on shift"
    return None, f"no Tier {team.tier} team outside {region.name} is on shift"


def _alert_admins(text, now):
    admins = get_user_model().objects.filter(Q(is_superuser=True) | Q(groups__name=Role.ADMIN.label)).distinct()
    notice_create(
        recipients=list(admins),
        kind=Notification.Kind.HANDOFF_BLOCKED,
        text=text[:300],
        now=now,
        url=reverse("handoff-dashboard"),
    )


def handoff_retry_blocked(*, now, batch_size=BATCH_SIZE):
    """Move blocked tickets of recent runs whose Next Action has since been written. Returns how many moved."""
    moved = 0
    runs = HandoffRun.objects.filter(
        kind=HandoffRun.Kind.SHIFT, blocked__gt=0, boundary_at__gte=now - LOOKBACK, finished_at__isnull=False
    ).select_related("team", "arriving_team__region")
    for run in runs:
        rule = settings_for(run.team).note_rule
        with transaction.atomic():
            handoffs = list(
                Handoff.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(run=run, outcome=Outcome.BLOCKED, ticket__team=run.team, ticket__status__in=OPEN_STATUSES)
                .select_related("ticket__customer")[:batch_size]
            )
            ready = [
                h
                for h in handoffs
                if not note_problem(
                    rule,
                    next_action=h.ticket.next_action,
                    set_at=h.ticket.next_action_set_at,
                    last_customer_message_at=h.ticket.last_customer_message_at,
                    last_handed_off_at=h.ticket.last_handed_off_at,
                )
            ]
            if not ready:
                continue
            arriving, _ = arriving_team_for(team_with_shifts(run.team_id), now)
            if arriving is None or team_on_shift(team_with_shifts(run.team_id), now):
                continue  # nobody to take it, or the departing team is back on shift and keeps it
            locked = set(
                Ticket.objects.select_for_update()
                .filter(pk__in=[h.ticket_id for h in ready], team=run.team)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            ready = [h for h in ready if h.ticket_id in locked]
            assignees = assignee_picker(team=arriving, at=now)([(h.ticket_id, h.ticket.language) for h in ready])
            tickets_hand_over(
                ticket_ids=[h.ticket_id for h in ready],
                team=arriving,
                at=now,
                assignees=assignees,
                summary=f"Handed off (Next Action written after the block) from {run.team.name}",
                from_team=run.team,
            )
            Handoff.objects.filter(pk__in=[h.pk for h in ready]).update(
                outcome=Outcome.MOVED,
                to_team=arriving,
                moved_at=now,
                reason="Moved once the Next Action was written",
            )
            _recount(run)
            moved += len(ready)
    return moved


def due_boundaries(*, now):
    """[(team, shift end)] within the look-back that have no finished run: what the scheduler must do."""
    due = []
    for team in rotating_teams():
        ends = [end for _, end in team_shifts(team, now - LOOKBACK, now) if now - LOOKBACK < end <= now]
        done = set(
            HandoffRun.objects.filter(
                team=team, kind=HandoffRun.Kind.SHIFT, boundary_at__in=ends, finished_at__isnull=False
            ).values_list("boundary_at", flat=True)
        )
        due += [(team, end) for end in ends if end not in done]
    return due


def run_due_handoffs(*, now):
    """The scheduler's job: catch up every due boundary, retry blocked tickets, prepare and chase briefings."""
    runs = [handoff_run(team=team, boundary_at=end, now=now) for team, end in due_boundaries(now=now)]
    moved_late = handoff_retry_blocked(now=now)
    briefings_prepare_due(now=now)
    briefings_alert_unacknowledged(now=now)
    return {"runs": [r.pk for r in runs], "moved_after_block": moved_late}


def briefing_content(*, departing_team, arriving_team, boundary_at):
    """What the arriving team's stand-up must cover; a snapshot, kept with the briefing."""
    rule = settings_for(departing_team).note_rule
    open_tickets = Ticket.objects.filter(team=departing_team, status__in=OPEN_STATUSES).select_related("customer")

    def rows(queryset, limit=25):
        return [
            {"id": t.pk, "reference": t.reference, "subject": t.subject, "priority": t.priority}
            for t in queryset.order_by("sla_due_at")[:limit]
        ]

    will_block = tickets_lacking_note(open_tickets, rule)
    # Open side conversations of the tickets handed over, and those asking the departing team: they go on.
    side = (
        SideConversation.objects.filter(status=SideConversation.Status.OPEN)
        .filter(Q(ticket__in=open_tickets) | Q(target_team=departing_team))
        .select_related("ticket", "target_team", "target_region", "asking_team")
        .order_by("created_at", "id")[:25]
    )
    return {
        "side_conversations": [
            {
                "id": c.ticket_id,
                "conversation": c.pk,
                "reference": c.ticket.reference,
                "subject": c.subject,
                "with": c.target_label,
                "asked_by": c.asking_team.name if c.asking_team else "",
            }
            for c in side
        ],
        "critical": rows(open_tickets.filter(is_critical=True)),
        "outage": rows(open_tickets.filter(is_outage=True)),
        "vip": rows(open_tickets.filter(customer__vip=True)),
        "sla_soon": rows(open_tickets.filter(sla_due_at__lte=boundary_at + SLA_SOON)),
        "will_block": rows(will_block),
        "will_block_count": will_block.count(),
        "open_count": open_tickets.count(),
        "regions": [
            {"name": team.region.name, "status": team.region.status, "reason": team.region.status_reason}
            for team in (departing_team, arriving_team)
        ],
    }


def briefing_prepare(*, team, boundary_at, now):
    """The briefing for TEAM's shift end at BOUNDARY_AT (once; None when no team arrives)."""
    arriving, _ = arriving_team_for(team, boundary_at)
    if arriving is None:
        return None, False
    return Briefing.objects.get_or_create(
        team=arriving,
        departing_team=team,
        boundary_at=boundary_at,
        defaults={
            "prepared_at": now,
            "content": briefing_content(departing_team=team, arriving_team=arriving, boundary_at=boundary_at),
        },
    )


def briefings_prepare_due(*, now):
    """Prepare the briefing of every boundary that falls within its overlap from NOW (once each)."""
    prepared = []
    for team in rotating_teams():
        boundary = team_next_boundary(team, now)
        if not boundary or boundary[1] != "end" or boundary[0] - _overlap(team.tier) > now:
            continue
        briefing, created = briefing_prepare(team=team, boundary_at=boundary[0], now=now)
        if created:
            prepared.append(briefing)
    return prepared


def briefing_acknowledge(*, briefing, attendees, standup_held, actor, now=None):
    """The arriving lead says the stand-up was held (with whom) and the briefing is read."""
    now = now or timezone.now()
    with transaction.atomic():
        briefing = Briefing.objects.select_for_update().get(pk=briefing.pk)
        if standup_held and briefing.standup_held_at is None:
            briefing.standup_held_at = now
        briefing.acknowledged_by, briefing.acknowledged_at = actor, briefing.acknowledged_at or now
        briefing.save(update_fields=["standup_held_at", "acknowledged_by", "acknowledged_at"])
        briefing.attendees.set(attendees)
    return briefing


def briefings_alert_unacknowledged(*, now):
    """Tell the admins about briefings still unacknowledged 30 minutes after their boundary (once each)."""
    late = Briefing.objects.filter(
        acknowledged_at__isnull=True, alerted_at__isnull=True, boundary_at__lte=now - BRIEFING_ALERT_AFTER
    ).select_related("team", "departing_team")
    alerted = 0
    for briefing in late:
        if Briefing.objects.filter(pk=briefing.pk, alerted_at__isnull=True).update(alerted_at=now):
            _alert_admins(
                f"Briefing {briefing.departing_team.code} → {briefing.team.code} of "
                f"{briefing.boundary_at:%H:%M} UTC is not acknowledged by {briefing.team.name}'s lead",
                now,
            )
            alerted += 1
    return alerted
