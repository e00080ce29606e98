"""Shift arithmetic across DST changes in both hemispheres and in a zone without DST."""

import datetime as dt

import pytest

from regions.models import RegionHoliday
from regions.selectors import team_list, team_next_boundary, team_on_shift, team_shifts
from tests.factories import RegionFactory, TeamFactory, shift_pattern

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def dublin():
    return RegionFactory(code="dub", name="Dublin", time_zone="Europe/Dublin", country="IE")


@pytest.fixture
def mexico():
    return RegionFactory(code="mex", name="Mexico City", time_zone="America/Mexico_City", country="MX")


@pytest.fixture
def sydney():
    return RegionFactory(code="syd", name="Sydney", time_zone="Australia/Sydney", country="AU")


def _instants(pattern, day):
    return pattern.instants_on(dt.date.fromisoformat(day))


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        ("2026-03-27", utc(2026, 3, 27, 9), utc(2026, 3, 27, 17)),  # Friday, GMT
        ("2026-03-30", utc(2026, 3, 30, 8), utc(2026, 3, 30, 16)),  # Monday, IST (UTC+1)
        ("2026-10-23", utc(2026, 10, 23, 8), utc(2026, 10, 23, 16)),  # Friday, still IST
        ("2026-10-26", utc(2026, 10, 26, 9), utc(2026, 10, 26, 17)),  # Monday, back on GMT
    ],
)
def test_dublin_day_shift_moves_in_utc_with_the_clocks(dublin, day, start, end):
    pattern = shift_pattern(TeamFactory(region=dublin), "09:00-17:00", works_public_holidays=True)
    assert _instants(pattern, day) == (start, end)


def test_dublin_night_shift_across_the_spring_change_is_seven_hours(dublin):
    # Clocks go from 01:00 GMT to 02:00 IST in the night of 28-29 March 2026.
    pattern = shift_pattern(TeamFactory(region=dublin), "22:00-06:00", works_public_holidays=True)
    start, end = _instants(pattern, "2026-03-28")
    assert (start, end) == (utc(2026, 3, 28, 22), utc(2026, 3, 29, 5))
    assert end - start == dt.timedelta(hours=7)


def test_dublin_night_shift_across_the_autumn_change_is_nine_hours(dublin):
    # Clocks go from 02:00 IST back to 01:00 GMT in the night of 24-25 October 2026.
    pattern = shift_pattern(TeamFactory(region=dublin), "22:00-06:00", works_public_holidays=True)
    start, end = _instants(pattern, "2026-10-24")
    assert (start, end) == (utc(2026, 10, 24, 21), utc(2026, 10, 25, 6))
    assert end - start == dt.timedelta(hours=9)


def test_start_inside_the_spring_gap_is_read_with_the_old_offset(dublin):
    pattern = shift_pattern(TeamFactory(region=dublin), "01:30-09:00", works_public_holidays=True)
    start, end = _instants(pattern, "2026-03-29")
    assert start == utc(2026, 3, 29, 1, 30)  # 02:30 IST, the first real instant after 01:30 GMT
    assert end == utc(2026, 3, 29, 8)


@pytest.mark.parametrize("day", ["2026-03-30", "2026-04-06", "2026-10-26", "2026-11-02"])
def test_mexico_city_has_no_dst_any_more(mexico, day):
    pattern = shift_pattern(TeamFactory(region=mexico), "09:00-17:00", works_public_holidays=True)
    start, end = _instants(pattern, day)
    assert (start.hour, end.hour) == (15, 23)


def test_sydney_day_shift_across_the_april_change(sydney):
    # Sydney leaves daylight time (UTC+11 -> UTC+10) on Sunday 5 April 2026.
    pattern = shift_pattern(TeamFactory(region=sydney), "09:00-17:00", works_public_holidays=True)
    assert _instants(pattern, "2026-04-03") == (utc(2026, 4, 2, 22), utc(2026, 4, 3, 6))
    assert _instants(pattern, "2026-04-06") == (utc(2026, 4, 5, 23), utc(2026, 4, 6, 7))


def test_sydney_night_shift_across_the_october_change(sydney):
    # Sydney enters daylight time (02:00 AEST -> 03:00 AEDT) on Sunday 4 October 2026.
    pattern = shift_pattern(TeamFactory(region=sydney), "22:00-06:00", works_public_holidays=True)
    start, end = _instants(pattern, "2026-10-03")
    assert (start, end) == (utc(2026, 10, 3, 12), utc(2026, 10, 3, 19))
    autumn_start, autumn_end = _instants(pattern, "2026-04-04")
    assert autumn_end - autumn_start == dt.timedelta(hours=9)


def test_public_holiday_is_off_unless_worked_and_admin_overrides_apply(dublin):
    team = TeamFactory(region=dublin)
    pattern = shift_pattern(team, "09:00-17:00")
    assert _instants(pattern, "2026-03-17") is None  # St Patrick's Day
    assert _instants(pattern, "2026-03-18") is not None

    RegionHoliday.objects.create(region=dublin, date=dt.date(2026, 3, 17), name="Worked", kind="removed")
    RegionHoliday.objects.create(region=dublin, date=dt.date(2026, 3, 18), name="Company day", kind="added")
    pattern.refresh_from_db()
    assert _instants(pattern, "2026-03-17") is not None
    assert _instants(pattern, "2026-03-18") is None

    worked = shift_pattern(TeamFactory(region=dublin), "09:00-17:00", works_public_holidays=True)
    assert _instants(worked, "2026-03-18") is not None


def test_pattern_validity_and_weekdays(dublin):
    pattern = shift_pattern(
        TeamFactory(region=dublin), "09:00-17:00", weekdays=[0, 1, 2, 3, 4], valid_from="2026-06-01"
    )
    pattern.valid_to = dt.date(2026, 6, 30)
    pattern.save()
    assert _instants(pattern, "2026-05-29") is None  # before valid_from
    assert _instants(pattern, "2026-06-06") is None  # Saturday
    assert _instants(pattern, "2026-06-08") is not None
    assert _instants(pattern, "2026-07-01") is None  # after valid_to


def test_on_shift_next_boundary_and_instants_over_a_range(dublin):
    team = TeamFactory(region=dublin)
    shift_pattern(team, "22:00-06:00", works_public_holidays=True)
    team = team_list().get(pk=team.pk)

    assert team_on_shift(team, utc(2026, 3, 29, 4, 59))
    assert not team_on_shift(team, utc(2026, 3, 29, 5))
    assert team_next_boundary(team, utc(2026, 3, 29, 3)) == (utc(2026, 3, 29, 5), "end")
    assert team_next_boundary(team, utc(2026, 3, 29, 5)) == (utc(2026, 3, 29, 21), "start")

    shifts = team_shifts(team, utc(2026, 3, 27), utc(2026, 3, 31))
    assert [e - s for s, e in shifts] == [dt.timedelta(hours=h) for h in (8, 8, 7, 8, 8)]
    assert shifts[0][0] == utc(2026, 3, 26, 22)  # the shift running at the range start is included


def test_two_patterns_of_one_team_merge_into_one_interval(dublin):
    team = TeamFactory(region=dublin)
    shift_pattern(team, "08:00-14:00", works_public_holidays=True)
    shift_pattern(team, "14:00-20:00", works_public_holidays=True)
    shifts = team_shifts(team_list().get(pk=team.pk), utc(2026, 1, 5), utc(2026, 1, 6))
    assert shifts == [(utc(2026, 1, 5, 8), utc(2026, 1, 5, 20))]
