"""Handoff history for `seed_demo`: the shift ends of the last 16 hours run through the real engine, one bouncing
ticket, and the briefing of every team's next shift end, so the lead dashboard is alive on `make run`.

The runs are recorded at their boundaries but act now: the seeded tickets are in their current state, so moving
them at a past instant would put handoffs before later activity on their timelines."""

import datetime as dt

from regions.models import Team
from regions.selectors import rotation_teams, team_list, team_shifts
from tickets.models import OPEN_STATUSES, Ticket
from tickets.services import tickets_hand_over

from .services import briefing_prepare, handoff_run

HISTORY = dt.timedelta(hours=16)  # at most two shift ends per tier: no ticket is bouncing from the history alone


def seed_handoffs(*, now):
    """Returns a one-line summary."""
    rotating = list(team_list().filter(pk__in=Team.objects.filter(rotation_steps__isnull=False).values("pk")))
    ends = sorted(
        (end, team.pk, team) for team in rotating for _, end in team_shifts(team, now - HISTORY, now) if end <= now
    )
    runs = [handoff_run(team=team, boundary_at=end, now=now) for end, _, team in ends if end > now - HISTORY]
    bouncing = _one_bouncing_ticket(now)
    briefings = 0
    for team in rotating:
        next_end = min((e for _, e in team_shifts(team, now, now + dt.timedelta(days=2)) if e > now), default=None)
        if next_end and briefing_prepare(team=team, boundary_at=next_end, now=now)[0]:
            briefings += 1
    moved, blocked = sum(r.moved for r in runs), sum(r.blocked for r in runs)
    return (
        f"Handoffs: {len(runs)} past runs ({moved} moved, {blocked} blocked), "
        f"{briefings} briefings pending, bouncing ticket {bouncing.reference if bouncing else 'none'}"
    )


def _one_bouncing_ticket(now):
    """Hand one open Tier 1 ticket round the rotation until it counts as bouncing (3 handoffs, no progress)."""
    ticket = (
        Ticket.objects.filter(tier=1, status__in=OPEN_STATUSES, team__isnull=False)
        .exclude(next_action="")
        .order_by("-handoffs_since_progress", "pk")
        .first()
    )
    if ticket is None:
        return None
    order = rotation_teams(ticket.tier)
    at = now
    while ticket.handoffs_since_progress < 3:
        team = (
            next(t for t in order if t.pk == ticket.team_id) if ticket.team_id in {t.pk for t in order} else order[-1]
        )
        arriving = order[(order.index(team) + 1) % len(order)]
        tickets_hand_over(
            ticket_ids=[ticket.pk], team=arriving, at=at, summary=f"Handed off from {team.name}", from_team=team
        )
        ticket.refresh_from_db()
        at += dt.timedelta(seconds=1)
    return ticket
