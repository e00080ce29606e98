"""Routing of a ticket: tier by rule, region by sourcing map, team on shift, agent by language and load.

Each decision returns its reason, which goes on the ticket's timeline.
"""

from collections import Counter

from django.db import connection

from compliance.selectors import residency_forbidden_pairs
from regions.cache import memoized
from regions.models import Agent, Presence, RegionStatus
from regions.selectors import sourcing_regions, team_next_boundary, team_on_shift, teams_with_shifts

from .models import OPEN_STATUSES, RoutingRule, Ticket

# Languages an agent must speak at least this well to be given a customer in them.
GOOD_ENOUGH = ["B2", "C1", "C2", "native"]


def choose_tier(*, channel, tags, priority, customer):
    for rule in RoutingRule.objects.all():
        if rule.matches(channel=channel, tags=tags, priority=priority, customer=customer):
            return rule.tier, f"Tier {rule.tier} by rule “{rule.name}”"
    return 1, "Tier 1 by default (no routing rule matched)"


def choose_team(*, tier, at, customer_zone=None):
    """The team of TIER to own a ticket arriving AT, and why; only regions allowed to hold CUSTOMER_ZONE's data."""
    preferred = [r.id for r in sourcing_regions(tier)]
    forbidden = {handling for data, handling in residency_forbidden_pairs() if data == customer_zone}
    teams = [
        t
        for t in teams_with_shifts(tier=tier)
        if t.region.status != RegionStatus.DOWN and t.region.residency_zone not in forbidden
    ]
    if not teams:
        where = f" allowed to hold {customer_zone} data" if forbidden else ""
        return None, f"No Tier {tier} team in an operational region{where}; left unrouted"
    # Preferred regions first, in the sourcing map's order; other regions after them.
    teams.sort(key=lambda t: preferred.index(t.region_id) if t.region_id in preferred else len(preferred))
    for team in teams:
        if team_on_shift(team, at):
            if team.region_id in preferred:
                where = f"sourcing preference {preferred.index(team.region_id) + 1}"
            else:
                where = "outside the sourcing map: no preferred region on shift"
            return team, f"{team.name}: on shift now in {team.region.name} ({where})"
    upcoming = [(b[0], team) for team in teams if (b := team_next_boundary(team, at)) and b[1] == "start"]
    if upcoming:
        starts, team = min(upcoming, key=lambda pair: pair[0])
        return (
            team,
            f"{team.name}: no Tier {tier} team on shift; this one starts next ({starts:%Y-%m-%d %H:%M} UTC)",
        )
    return teams[0], f"{teams[0].name}: no Tier {tier} team has shifts; first by sourcing preference"


def open_loads(user_ids):
    """{user id: open tickets assigned}, 0 for none, on the ticket_assignee_queue index. Every arrival asks it, and
    written out it costs a seventh of what the ORM makes of it."""
    if not user_ids:
        return Counter()
    sql = (
        f"SELECT assignee_id, COUNT(*) FROM {Ticket._meta.db_table} "  # noqa: S608 (placeholders only)
        f"WHERE assignee_id IN ({', '.join(['%s'] * len(user_ids))}) "
        f"AND status IN ({', '.join(['%s'] * len(OPEN_STATUSES))}) GROUP BY assignee_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*user_ids, *(s.value for s in OPEN_STATUSES)])
        return Counter(dict(cursor.fetchall()))


def _speakers(team, language):
    """TEAM's available agents who speak LANGUAGE well, user loaded, by username (once per request_memo block)."""
    return memoized(
        ("speakers", team.pk, language),
        lambda: list(
            Agent.objects.filter(
                team=team,
                presence=Presence.AVAILABLE,
                languages__language=language,
                languages__proficiency__in=GOOD_ENOUGH,
            )
            .select_related("user")
            .order_by("user__username")
        ),
    )


def choose_assignee(*, team, language, at):
    """An available agent of TEAM on shift who speaks LANGUAGE well, least loaded, under capacity."""
    if not team_on_shift(team, at):
        return None, f"Team queue of {team.name}: the team is off shift"
    speakers = _speakers(team, language)
    loads = open_loads([a.user_id for a in speakers])  # read every time: every ticket given out or solved moves them
    fitting = [a for a in speakers if loads[a.user_id] < a.capacity]
    if fitting:
        agent = min(fitting, key=lambda a: loads[a.user_id])  # the first of the least loaded, by username
        return agent.user, (
            f"Assigned to {agent}: available, speaks {language} at B2 or better, "
            f"least loaded ({loads[agent.user_id]} of {agent.capacity} open)"
        )
    return None, f"Team queue of {team.name}: no available agent speaking {language} with free capacity"


def assignee_picker(*, team, at):
    """A function giving TEAM's available agents to arriving tickets by the rules of choose_assignee.

    Agents and their loads are read once; loads are kept up to date as tickets are given out, so a sweep
    of many batches reads them once. The function takes (id, language) pairs and returns {ticket id: user}.
    """
    if not team_on_shift(team, at):
        return lambda tickets: {}
    agents = list(
        Agent.objects.filter(team=team, presence=Presence.AVAILABLE)
        .select_related("user")
        .prefetch_related("languages")
        .order_by("user__username")
    )
    speaks = {a.pk: {lang.language for lang in a.languages.all() if lang.proficiency in GOOD_ENOUGH} for a in agents}
    loads = open_loads([a.user_id for a in agents])

    def pick(tickets):
        chosen = {}
        for ticket_id, language in tickets:
            fitting = [a for a in agents if language in speaks[a.pk] and loads[a.user_id] < a.capacity]
            if fitting:
                agent = min(fitting, key=lambda a: loads[a.user_id])
                loads[agent.user_id] += 1
                chosen[ticket_id] = agent.user
        return chosen

    return pick
