import datetime as dt
import zoneinfo

import pytest

from regions.coverage import coverage_check, coverage_grid
from regions.models import Rotation, StaffingTarget, VolumeForecast
from tests.factories import AgentFactory, RegionFactory, TeamFactory, shift_pattern

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)


@pytest.fixture
def regions():
    return {
        "mnl": RegionFactory(code="mnl", name="Manila", time_zone="Asia/Manila", country="PH", residency_zone="APAC"),
        "dub": RegionFactory(code="dub", name="Dublin", time_zone="UTC", country="IE"),
        "mex": RegionFactory(code="mex", name="Mexico City", time_zone="UTC", country="MX", residency_zone="AMER"),
    }


def _sun(regions, dublin_hours="07:00-16:00"):
    """Three 9-hour UTC shifts with 1 h overlaps: 23-08 (Manila), 07-16 (Dublin), 15-00 (Mexico)."""
    manila = TeamFactory(code="mnl", region=regions["mnl"], tier=1)
    shift_pattern(manila, "07:00-16:00", works_public_holidays=True)  # Manila local = 23:00-08:00 UTC
    dublin = TeamFactory(code="dub", region=regions["dub"], tier=1)
    shift_pattern(dublin, dublin_hours, works_public_holidays=True)
    mexico = TeamFactory(code="mex", region=regions["mex"], tier=1)
    shift_pattern(mexico, "15:00-00:00", works_public_holidays=True)
    return manila, dublin, mexico


def test_round_the_clock_with_hour_overlaps_has_no_issue(regions):
    _sun(regions)
    assert coverage_check(tier=1, start=MONDAY, days=7) == []


def test_a_gap_is_found_with_its_bounds(regions):
    _sun(regions, dublin_hours="09:00-14:00")
    gaps = [i for i in coverage_check(tier=1, start=MONDAY, days=1) if i.kind == "gap"]
    assert [(g.start.hour, g.end.hour) for g in gaps] == [(8, 9), (14, 15)]


def test_short_overlap_against_the_configured_minimum(regions):
    _sun(regions, dublin_hours="07:30-15:30")
    Rotation.objects.create(tier=1, min_overlap_minutes=45)
    issues = coverage_check(tier=1, start=MONDAY, days=1)
    assert [(i.kind, i.team) for i in issues] == [("short_overlap", "mnl"), ("short_overlap", "dub")]
    assert "mnl -> dub overlaps 30 min (minimum 45)" in issues[0].message
    assert "dub -> mex overlaps 30 min (minimum 45)" in issues[1].message


def test_team_below_minimum_headcount(regions):
    manila, dublin, mexico = _sun(regions)
    dublin.min_headcount = 2
    dublin.save()
    AgentFactory(team=dublin)
    issues = coverage_check(tier=1, start=MONDAY, days=1)
    assert [(i.kind, i.team) for i in issues] == [("understaffed", "dub")]
    assert "has 1 agents, fewer than its minimum of 2" in issues[0].message


def test_grid_marks_teams_overlaps_gaps_now_and_staffing(regions):
    manila, dublin, mexico = _sun(regions, dublin_hours="09:00-16:00")
    AgentFactory.create_batch(3, team=dublin)
    StaffingTarget.objects.create(tier=1, average_handle_seconds=600, target_service_level=0.8, answer_seconds=60)
    VolumeForecast.objects.create(tier=1, weekday=0, hour=10, tickets=30)

    now = MONDAY + dt.timedelta(hours=10, minutes=5)
    rows = coverage_grid(tier=1, first_day=MONDAY.date(), zone=zoneinfo.ZoneInfo("UTC"), now=now, days=1)
    cells = rows[0].cells
    assert [t.code for t in cells[7].teams] == ["mnl"]
    assert cells[8].gap and not cells[7].gap
    assert cells[15].overlap and [t.code for t in cells[15].teams] == ["dub", "mex"]
    assert cells[10].now and sum(c.now for c in cells) == 1
    assert cells[10].scheduled == 3
    # 30 tickets x 600 s in an hour = 5 Erlangs; 7 agents answer 71 % within 60 s, 8 answer 88 %.
    assert cells[10].required == 8
    assert cells[10].staffing_delta == -5


def test_grid_in_a_dst_zone_marks_the_missing_hour(regions):
    _sun(regions)
    dublin_zone = zoneinfo.ZoneInfo("Europe/Dublin")
    rows = coverage_grid(tier=1, first_day=dt.date(2026, 3, 29), zone=dublin_zone, now=MONDAY, days=1)
    assert [h for h, c in enumerate(rows[0].cells) if c.skipped] == [1]


def test_grid_lists_holidays_of_the_tier_regions(regions):
    _sun(regions)
    rows = coverage_grid(tier=1, first_day=dt.date(2026, 3, 17), zone=zoneinfo.ZoneInfo("UTC"), now=MONDAY, days=1)
    assert ("Saint Patrick's Day", "Dublin") in rows[0].holidays
