"""Handoff history for `seed_demo`: the shift ends of the last 16 hours run through the real engine, one bouncing
ticket, the briefing of every team's next shift end, so the lead dashboard is alive on `make run`, and the habits
around it: stand-up links and two weeks of attendance, and a Manila agent pulling Kraków Tier 3 into a ticket (an
@mention and a side conversation, which the next briefing lists).

The runs are recorded at their boundaries but act now: the seeded tickets are in their current state, so moving
them at a past instant would put handoffs before later activity on their timelines."""

import datetime as dt

from django.contrib.auth import get_user_model

from regions.models import Agent, Team
from regions.selectors import rotation_teams, team_list, team_shifts
from tickets.collaboration import side_conversation_reply, side_conversation_start
from tickets.models import OPEN_STATUSES, Ticket
from tickets.services import ticket_reply, tickets_hand_over

from .services import briefing_acknowledge, briefing_prepare, handoff_run

HISTORY = dt.timedelta(hours=16)  # at most two shift ends per tier: no ticket is bouncing from the history alone


def seed_handoffs(*, now):
    """Returns a one-line summary."""
    rotating = list(team_list().filter(pk__in=Team.objects.filter(rotation_steps__isnull=False).values("pk")))
    ends = sorted(
        (end, team.pk, team) for team in rotating for _, end in team_shifts(team, now - HISTORY, now) if end <= now
    )
    runs = [handoff_run(team=team, boundary_at=end, now=now) for end, _, team in ends if end > now - HISTORY]
    bouncing = _one_bouncing_ticket(now)
    stand_ups = _stand_ups(rotating, now)
    asked = _manila_asks_krakow(now)
    briefings = 0
    for team in rotating:
        next_end = min((e for _, e in team_shifts(team, now, now + dt.timedelta(days=2)) if e > now), default=None)
        if next_end and briefing_prepare(team=team, boundary_at=next_end, now=now)[0]:
            briefings += 1
    moved, blocked = sum(r.moved for r in runs), sum(r.blocked for r in runs)
    return (
        f"Handoffs: {len(runs)} past runs ({moved} moved, {blocked} blocked), "
        f"{briefings} briefings pending, bouncing ticket {bouncing.reference if bouncing else 'none'}; "
        f"{stand_ups} stand-ups with attendance; {asked}"
    )


STAND_UP_HISTORY = dt.timedelta(days=14)


def _stand_ups(rotating, now):
    """Every team's stand-up link, and the briefings of the last two weeks acknowledged by the arriving lead with a
    varying share of the team attending (deterministic: one, two or no agent missing in turn)."""
    for team in Team.objects.filter(meeting_url=""):
        team.meeting_url = f"https://meet.meridian.example/standup-{team.code}"
        team.save(update_fields=["meeting_url"])
    ends = sorted(
        (end, team.pk, team)
        for team in rotating
        for _, end in team_shifts(team, now - STAND_UP_HISTORY, now)
        if now - STAND_UP_HISTORY < end <= now - HISTORY
    )
    held = 0
    for i, (end, _, team) in enumerate(ends):
        briefing, _ = briefing_prepare(team=team, boundary_at=end, now=end - dt.timedelta(hours=1))
        if briefing is None or briefing.acknowledged_at:
            continue
        agents = list(get_user_model().objects.filter(agent__team=briefing.team).order_by("username"))
        lead = briefing.team.leads.order_by("username").first()
        briefing_acknowledge(
            briefing=briefing, attendees=agents[: len(agents) - i % 3], standup_held=True, actor=lead, now=end
        )
        held += 1
    return held


def _manila_asks_krakow(now):
    """A Manila Tier 1 agent @mentions a Kraków Tier 3 agent in a note and asks Kraków Tier 3 in a side
    conversation, which Kraków answers; returns a summary."""
    asker = Agent.objects.filter(team__code="t1-mnl").select_related("user").order_by("user__username").first()
    expert = Agent.objects.filter(team__code="t3-krk").select_related("user").order_by("user__username").first()
    open_tier_1 = Ticket.objects.filter(tier=1, status__in=OPEN_STATUSES, team__isnull=False).order_by("pk")
    ticket = open_tier_1.filter(team__code="t1-mnl").first() or open_tier_1.first()
    if asker is None or expert is None or ticket is None:
        return "no side conversation (no open Tier 1 ticket)"
    krakow = expert.team
    ticket_reply(
        ticket=ticket,
        body=f"@{expert.user.username} the order API answers 502 when I open a replacement for this customer; is it "
        f"on our side? @{krakow.code} for the record.",
        actor=asker.user,
        internal=True,
        at=now,
    )
    conversation = side_conversation_start(
        ticket=ticket,
        team=krakow,
        subject="Order API answers 502 on a replacement",
        body="Opening a replacement order for this customer fails with a 502 since this morning. Is the order "
        "service rejecting it, and what should we tell the customer?",
        actor=asker.user,
        at=now,
    )
    side_conversation_reply(
        conversation=conversation,
        body="The order service refuses replacements after 30 days; I am checking whether we can lift it for this "
        "order and will answer before your shift ends.",
        actor=expert.user,
        at=now,
    )
    return f"{ticket.reference}: {asker.user.username} mentioned {expert.user.username} and asked {krakow.name}"


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
