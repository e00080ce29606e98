"""Pages read teams, shifts and handoff settings from the configuration cache; any change drops it at once.
Inside a request_memo() block configuration is read once, and a change made in the block empties its memo."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from handoff.models import HandoffSettings
from handoff.selectors import ticket_flags
from regions.cache import request_memo
from regions.models import RegionHoliday, RegionStatus, Rotation, ShiftDay
from regions.selectors import team_with_shifts, teams_for_pages, teams_with_shifts
from regions.services import region_set_status
from tests.factories import RegionFactory, TeamFactory, shift_pattern, ticket
from tickets.models import SlaPolicy
from tickets.routing import choose_team
from tickets.services import ticket_move_to_team
from tickets.sla import Calendar, policy_for

pytestmark = pytest.mark.django_db

MONDAY_NOON = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def test_a_warm_cache_costs_no_query_and_a_change_is_seen_at_once():
    team = TeamFactory(code="t1-dub")
    pattern = shift_pattern(team, "08:00-16:00", weekdays=[0])
    teams_for_pages()
    with CaptureQueriesContext(connection) as warm:
        (cached,) = teams_for_pages()
    assert len(warm) == 0 and cached.shift_patterns.all()[0].days.all()[0].end == dt.time(16)

    # a shift day edited (admin inline, API) drops the cache
    day = ShiftDay.objects.get(pattern=pattern)
    day.end = dt.time(18)
    day.save()
    assert teams_for_pages()[0].shift_patterns.all()[0].days.all()[0].end == dt.time(18)

    # so does a holiday of the region, a renamed team, a deleted pattern
    RegionHoliday.objects.create(region=team.region, date=dt.date(2026, 12, 25), name="Christmas")
    assert [h.name for h in teams_for_pages()[0].region.holiday_overrides.all()] == ["Christmas"]
    team.name = "Dublin Tier 1"
    team.save()
    assert teams_for_pages()[0].name == "Dublin Tier 1"
    pattern.delete()
    assert list(teams_for_pages()[0].shift_patterns.all()) == []


def test_services_outside_a_page_read_the_database_not_the_cache():
    shift_pattern(TeamFactory(code="t1-dub"), "08:00-16:00", weekdays=[0])
    with request_memo():
        teams_with_shifts()  # the first page fills the cache
    with request_memo(), CaptureQueriesContext(connection) as page:
        teams_with_shifts()
        teams_with_shifts(tier=1)
    assert len(page) == 0
    with CaptureQueriesContext(connection) as service:
        teams_with_shifts()
    assert len(service) > 0  # outside request_memo() (routing, handoff runs): the database


def test_ticket_flags_follow_a_changed_bounce_threshold_at_once():
    team = TeamFactory(code="t1-dub")
    shift_pattern(team, "00:00-00:00")
    t = ticket_move_to_team(ticket=ticket(), team=team, actor=None, reason="setup")
    t.handoffs_since_progress = 2
    assert ticket_flags(t, now=MONDAY_NOON)["bouncing"] is False  # default threshold 3
    HandoffSettings.objects.create(team=team, bounce_threshold=2)
    assert ticket_flags(t, now=MONDAY_NOON)["bouncing"] is True


def test_a_memo_block_reads_configuration_once_and_forgets_what_it_changes():
    # given two tier-1 teams on shift, Manila preferred by nobody, Dublin first by name
    dublin = TeamFactory(code="t1-dub")
    manila = TeamFactory(code="t1-mnl", region=RegionFactory(code="mnl", name="Manila", time_zone="Asia/Manila"))
    for team in (dublin, manila):
        shift_pattern(team, "00:00-00:00")
    with request_memo():
        first, _ = choose_team(tier=1, at=MONDAY_NOON)
        Calendar()
        # then routing, the SLA calendar and notifications ask again without a query
        with CaptureQueriesContext(connection) as again:
            assert choose_team(tier=1, at=MONDAY_NOON)[0] == first
            assert team_with_shifts(first.pk).region.status == RegionStatus.OPERATIONAL
            Calendar().seconds(first.pk, MONDAY_NOON, MONDAY_NOON + dt.timedelta(hours=1))
        assert [q["sql"] for q in again] == []

        # when the block takes the chosen team's region down (a simulated outage)
        region_set_status(region=first.region, status=RegionStatus.DOWN, reason="outage", actor=None)

        # then the next decision in the same block sees it: the other team is chosen
        other, why = choose_team(tier=1, at=MONDAY_NOON)
        assert other != first and other in (dublin, manila), why
        assert team_with_shifts(first.pk).region.status == RegionStatus.DOWN


def test_a_memo_block_sees_changed_sla_policies_and_rotations():
    t = ticket(priority="high")
    with request_memo():
        assert policy_for(t) is None
        assert Calendar().around_the_clock == {}
        policy = SlaPolicy.objects.create(
            name="High", priority="high", first_response_minutes=60, next_response_minutes=60, resolution_minutes=600
        )
        Rotation.objects.create(tier=1, around_the_clock=False)
        assert policy_for(t) == policy
        assert Calendar().around_the_clock == {1: False}
