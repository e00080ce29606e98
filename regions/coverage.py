"""Coverage of a tier over time: gaps, short handovers, understaffed teams, and the hour grid."""

import datetime as dt
from dataclasses import dataclass, field

from .models import StaffingTarget, VolumeForecast
from .selectors import DAY, rotation_get, team_shifts, teams_with_shifts
from .staffing import required_agents

HOUR = dt.timedelta(hours=1)
DEFAULT_MIN_OVERLAP = 60


@dataclass(frozen=True)
class CoverageIssue:
    kind: str  # "gap", "short_overlap" or "understaffed"
    tier: int
    start: dt.datetime
    end: dt.datetime
    message: str
    team: str = ""


def _tier_shifts(tier, start, end):
    return [(team, team_shifts(team, start, end)) for team in teams_with_shifts(tier=tier)]


def _rotation_rules(tier):
    """(minimum overlap in minutes, whether hours without a team are gaps) for TIER."""
    rotation = rotation_get(tier)
    if rotation is None:
        return DEFAULT_MIN_OVERLAP, True
    return rotation.min_overlap_minutes, rotation.around_the_clock


def coverage_check(*, tier, start, days=7):
    """Every coverage problem of TIER in [START, START + DAYS), in time order."""
    end = start + days * DAY
    shifts = _tier_shifts(tier, start, end)
    min_overlap, around_the_clock = _rotation_rules(tier)
    issues = []

    cursor = start
    for s, e in sorted(i for _, intervals in shifts for i in intervals):
        if s > cursor and around_the_clock:
            issues.append(CoverageIssue("gap", tier, cursor, s, f"No Tier {tier} team on shift"))
        cursor = max(cursor, e)
    if cursor < end and around_the_clock:
        issues.append(CoverageIssue("gap", tier, cursor, end, f"No Tier {tier} team on shift"))

    minimum = dt.timedelta(minutes=min_overlap)
    for team, intervals in shifts:
        others = [(t, s, e) for t, ivs in shifts if t.id != team.id for s, e in ivs]
        for leave_start, leave_end in intervals:
            if not start < leave_end < end:
                continue
            takers = [(leave_end - max(s, leave_start), t) for t, s, e in others if s <= leave_end < e]
            if not takers:
                continue  # reported as a gap
            overlap, taker = max(takers, key=lambda pair: pair[0])
            if overlap < minimum:
                minutes = int(overlap.total_seconds() // 60)
                issues.append(
                    CoverageIssue(
                        "short_overlap",
                        tier,
                        leave_end - overlap,
                        leave_end,
                        f"Handover {team.code} -> {taker.code} overlaps {minutes} min "
                        f"(minimum {int(minimum.total_seconds() // 60)})",
                        team.code,
                    )
                )
        if intervals and team.headcount < team.min_headcount:
            issues.append(
                CoverageIssue(
                    "understaffed",
                    tier,
                    intervals[0][0],
                    intervals[0][1],
                    f"{team.name} has {team.headcount} agents, fewer than its minimum of {team.min_headcount}",
                    team.code,
                )
            )
    return sorted(issues, key=lambda i: (i.start, i.kind))


@dataclass
class Cell:
    start: dt.datetime
    teams: list = field(default_factory=list)
    gap: bool = False
    closed: bool = False  # no team, but the tier is not served around the clock
    skipped: bool = False  # the local hour does not exist (clocks went forward)
    now: bool = False
    scheduled: int = 0
    required: int | None = None

    @property
    def overlap(self):
        return len(self.teams) > 1

    @property
    def staffing_delta(self):
        return None if self.required is None else self.scheduled - self.required


@dataclass
class DayRow:
    date: dt.date
    cells: list
    holidays: list


def _staffing_model(tier):
    target = StaffingTarget.objects.filter(tier=tier).first()
    if target is None:
        return None, {}
    volumes = {(f.weekday, f.hour): f.tickets for f in VolumeForecast.objects.filter(tier=tier)}
    return target, volumes


def coverage_grid(*, tier, first_day, zone, now, days=7):
    """DAYS rows of 24 local hours in ZONE: who covers each hour, gaps, overlaps, staffing."""
    start = dt.datetime.combine(first_day, dt.time(), tzinfo=zone).astimezone(dt.UTC)
    end = dt.datetime.combine(first_day + days * DAY, dt.time(), tzinfo=zone).astimezone(dt.UTC)
    shifts = _tier_shifts(tier, start - HOUR, end + HOUR)
    target, volumes = _staffing_model(tier)
    _, around_the_clock = _rotation_rules(tier)
    rows = []
    for offset in range(days):
        day = first_day + offset * DAY
        cells = []
        for hour in range(24):
            local = dt.datetime.combine(day, dt.time(hour), tzinfo=zone)
            cell_start = local.astimezone(dt.UTC)
            cell = Cell(start=cell_start)
            if cell_start.astimezone(zone).hour != hour:
                cell.skipped = True
                cells.append(cell)
                continue
            cell_end = cell_start + HOUR
            covered = []
            for team, intervals in shifts:
                hits = [(max(s, cell_start), min(e, cell_end)) for s, e in intervals if s < cell_end and e > cell_start]
                if hits:
                    cell.teams.append(team)
                    covered += hits
                    if any(s <= cell_start + HOUR / 2 < e for s, e in hits):
                        cell.scheduled += team.headcount
            cursor = cell_start
            for s, e in sorted(covered):
                if s > cursor:
                    break
                cursor = max(cursor, e)
            uncovered = cursor < cell_end
            cell.gap = uncovered and around_the_clock
            cell.closed = uncovered and not around_the_clock
            cell.now = cell_start <= now < cell_end
            if target is not None:
                volume = volumes.get((cell_start.weekday(), cell_start.hour), 0)
                cell.required = required_agents(
                    volume=volume,
                    aht=target.average_handle_seconds,
                    interval=3600,
                    target_sl=target.target_service_level,
                    answer_time=target.answer_seconds,
                    max_occupancy=target.max_occupancy,
                ).agents
            cells.append(cell)
        holidays = []
        for team, _ in shifts:
            name = team.region.holiday_name(day, {h.date: h for h in team.region.holiday_overrides.all()})
            if name and (name, team.region.name) not in holidays:
                holidays.append((name, team.region.name))
        rows.append(DayRow(date=day, cells=cells, holidays=holidays))
    return rows
