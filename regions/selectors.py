"""Who works when: shift intervals, on-shift checks, boundaries and the rotation."""

import datetime as dt

from django.db.models import Count, Prefetch

from .cache import config_cached, memo_active, memoized
from .models import Agent, Region, RegionStatus, Rotation, RotationStep, ShiftPattern, SourcingRule, Team

DAY = dt.timedelta(days=1)


def agent_for(user):
    """USER's agent row with its team, region and vendor, or None; read once per user object (one request).

    It also fills the `user.agent` cache, so later `getattr(user, "agent", None)` reads cost nothing.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    relation = Agent._meta.get_field("user").remote_field  # the user.agent side of the one-to-one
    if relation.is_cached(user):
        return getattr(user, "agent", None)
    agent = Agent.objects.select_related("team__region", "team__vendor").filter(user=user).first()
    relation.set_cached_value(user, agent)
    if agent is not None:
        agent.user = user
    return agent


def agent_remember_none(user):
    """Remember that USER has no agent row (compliance.masking.principal_load found none) for the request."""
    Agent._meta.get_field("user").remote_field.set_cached_value(user, None)


def led_team_ids(user):
    """The ids of the teams USER leads, read once per user object (one request)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    if not hasattr(user, "_led_team_ids"):
        user._led_team_ids = list(user.led_teams.values_list("pk", flat=True))
    return user._led_team_ids


def led_team_ids_remember(user, ids):
    """Keep IDS as USER's led teams for the request (compliance.masking.principal_load reads them with the role)."""
    if not hasattr(user, "_led_team_ids"):
        user._led_team_ids = list(ids)


TEAMS_CACHE_KEY = "regions:teams-with-shifts"


def teams_for_pages():
    """Every team with its shifts for a page, from the configuration cache (regions.cache): no query when warm."""
    return config_cached(TEAMS_CACHE_KEY, lambda: list(team_list()))


def teams_with_shifts(*, tier=None):
    """team_list(tier=TIER) as a list; inside request_memo() (a page) all teams come once from teams_for_pages()."""
    if not memo_active():
        return list(team_list(tier=tier))
    teams = memoized("teams_with_shifts", teams_for_pages)
    return teams if tier is None else [t for t in teams if t.tier == tier]


def team_with_shifts(pk):
    """The team PK as team_list() gives it; inside request_memo() from the teams read once."""
    if not memo_active():
        return team_list().get(pk=pk)
    return memoized("teams_by_id", lambda: {t.pk: t for t in teams_with_shifts()})[pk]


def team_list(*, tier=None):
    """Teams with everything shift arithmetic needs, in a fixed number of queries."""
    teams = (
        Team.objects.select_related("region", "vendor")
        .prefetch_related(
            Prefetch("shift_patterns", queryset=ShiftPattern.objects.prefetch_related("days")),
            "region__holiday_overrides",
        )
        .annotate(headcount=Count("members", distinct=True))
    )
    return teams.filter(tier=tier) if tier is not None else teams


def region_list():
    return Region.objects.all()


def _merge(intervals):
    merged = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def team_shifts(team, start, end):
    """UTC (start, end) intervals of TEAM's shifts that overlap [START, END), merged.

    TEAM should come from team_list() so patterns, days and holidays are prefetched.
    """
    region = team.region
    overrides = {h.date: h for h in region.holiday_overrides.all()}
    # A shift that started the local day before START may still be running.
    day = start.astimezone(region.zone).date() - DAY
    last = end.astimezone(region.zone).date()
    found = []
    while day <= last:
        for pattern in team.shift_patterns.all():
            instants = pattern.instants_on(day, region, overrides)
            if instants and instants[0] < end and instants[1] > start:
                found.append(instants)
        day += DAY
    return _merge(found)


def team_on_shift(team, at):
    return any(s <= at < e for s, e in team_shifts(team, at - DAY, at + dt.timedelta(seconds=1)))


def team_next_boundary(team, after, horizon_days=14):
    """The first shift start or end strictly after AFTER: (instant, "start"|"end"), or None."""
    boundaries = []
    for start, end in team_shifts(team, after - 2 * DAY, after + horizon_days * DAY):
        boundaries += [(start, "start"), (end, "end")]
    return min((b for b in boundaries if b[0] > after), default=None)


def rotation_get(tier):
    """TIER's follow-the-sun rotation, or None (read once inside a request_memo() block)."""
    return memoized(("rotation", tier), lambda: Rotation.objects.filter(tier=tier).first())


def rotating_teams():
    """The teams of every rotation, with their shifts (read once inside a request_memo() block)."""
    rotating = memoized("rotating_team_ids", lambda: set(RotationStep.objects.values_list("team_id", flat=True)))
    return [team for team in teams_with_shifts() if team.pk in rotating]


def rotation_teams(tier):
    steps = RotationStep.objects.filter(rotation__tier=tier).order_by("position").values_list("team_id", flat=True)
    order = list(steps)
    if memo_active():
        teams = {t.id: t for t in teams_with_shifts()}
    else:
        teams = {t.id: t for t in team_list().filter(id__in=order)}
    return [teams[i] for i in order]


def rotation_next_team(*, tier, after_team, at):
    """The team that takes over from AFTER_TEAM at instant AT: the next in the tier's
    rotation that is on shift then and whose region is not down, or None."""
    teams = rotation_teams(tier)
    ids = [t.id for t in teams]
    position = ids.index(after_team.id) if after_team.id in ids else -1
    for team in teams[position + 1 :] + teams[: max(position, 0)]:
        if team.id != after_team.id and team.region.status != RegionStatus.DOWN and team_on_shift(team, at):
            return team
    return None


def sourcing_regions(tier):
    """Regions preferred for TIER, most preferred first."""

    def load():
        rules = SourcingRule.objects.filter(tier=tier).select_related("region").order_by("preference")
        return [rule.region for rule in rules]

    return memoized(("sourcing", tier), load)
