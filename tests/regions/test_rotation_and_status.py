import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from regions.models import RegionHoliday, RegionStatusChange, Rotation, RotationStep, SourcingRule
from regions.selectors import rotation_next_team, sourcing_regions
from regions.services import region_set_status
from tests.factories import RegionFactory, TeamFactory, UserFactory, shift_pattern

pytestmark = pytest.mark.django_db


@pytest.fixture
def sun():
    """Manila -> Dublin -> Mexico City, each on shift at 12:00 UTC on 2026-01-06."""
    regions = [
        RegionFactory(code="mnl", name="Manila", time_zone="Asia/Manila", country="PH", residency_zone="APAC"),
        RegionFactory(code="dub", name="Dublin", time_zone="Europe/Dublin", country="IE"),
        RegionFactory(code="mex", name="Mexico City", time_zone="America/Mexico_City", country="MX"),
    ]
    rotation = Rotation.objects.create(tier=1)
    teams = []
    for position, region in enumerate(regions, start=1):
        team = TeamFactory(code=f"t1-{region.code}", region=region, tier=1)
        shift_pattern(team, "00:00-00:00")  # round the clock, so only skipping rules decide
        RotationStep.objects.create(rotation=rotation, team=team, position=position)
        teams.append(team)
    return teams


AT = dt.datetime(2026, 1, 6, 12, tzinfo=dt.UTC)


def test_next_team_follows_rotation_order_and_wraps(sun):
    manila, dublin, mexico = sun
    assert rotation_next_team(tier=1, after_team=manila, at=AT) == dublin
    assert rotation_next_team(tier=1, after_team=mexico, at=AT) == manila


def test_region_down_is_skipped(sun):
    manila, dublin, mexico = sun
    region_set_status(region=dublin.region, status="down", reason="Power cut", actor=None)
    assert rotation_next_team(tier=1, after_team=manila, at=AT) == mexico


def test_team_on_holiday_is_skipped(sun):
    manila, dublin, mexico = sun
    RegionHoliday.objects.create(region=dublin.region, date=AT.date(), name="Office closed")
    assert rotation_next_team(tier=1, after_team=manila, at=AT) == mexico


def test_no_team_available_gives_none(sun):
    manila, dublin, mexico = sun
    for team in (dublin, mexico):
        RegionHoliday.objects.create(region=team.region, date=AT.date(), name="Closed")
    assert rotation_next_team(tier=1, after_team=manila, at=AT) is None


def test_rotation_step_must_match_tier(sun):
    tier_two = TeamFactory(code="t2", tier=2)
    step = RotationStep(rotation=Rotation.objects.get(tier=1), team=tier_two, position=9)
    with pytest.raises(ValidationError, match="another tier"):
        step.full_clean()


def test_sourcing_map_in_preference_order(sun):
    manila, dublin, mexico = sun
    SourcingRule.objects.create(tier=2, region=mexico.region, preference=1)
    SourcingRule.objects.create(tier=2, region=dublin.region, preference=2)
    assert sourcing_regions(2) == [mexico.region, dublin.region]
    assert sourcing_regions(3) == []


def test_region_status_change_records_who_and_why():
    region = RegionFactory()
    lead = UserFactory(role="lead")
    region_set_status(region=region, status="degraded", reason="Flooding at the office", actor=lead)
    region.refresh_from_db()
    assert (region.status, region.status_reason) == ("degraded", "Flooding at the office")
    change = RegionStatusChange.objects.get()
    assert (change.from_status, change.to_status, change.changed_by) == ("operational", "degraded", lead)
    assert change.changed_at == region.status_since


def test_region_status_needs_a_reason_and_a_real_change():
    region = RegionFactory()
    with pytest.raises(ValidationError, match="Say why"):
        region_set_status(region=region, status="down", reason="  ", actor=None)
    with pytest.raises(ValidationError, match="already operational"):
        region_set_status(region=region, status="operational", reason="x", actor=None)
    assert not RegionStatusChange.objects.exists()
