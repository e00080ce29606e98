import datetime as dt

import pytest

from regions.models import Rotation, RotationStep
from tests.factories import AgentFactory, RegionFactory, TeamFactory, UserFactory, shift_pattern
from tickets.models import SlaPolicy

BOUNDARY = dt.datetime(2026, 1, 5, 17, tzinfo=dt.UTC)  # Dublin's shift ends; Mexico City is on


@pytest.fixture
def sun():
    """Tier 1 rotates Manila (23-08 UTC) -> Dublin (07-17) -> Mexico City (15-00); Dublin has a lead."""
    regions = {
        "mnl": RegionFactory(code="mnl", name="Manila", time_zone="UTC", country="PH", residency_zone="APAC"),
        "dub": RegionFactory(code="dub", name="Dublin", time_zone="UTC", country="IE", residency_zone="EU"),
        "mex": RegionFactory(code="mex", name="Mexico City", time_zone="UTC", country="MX", residency_zone="AMER"),
    }
    hours = {"mnl": "23:00-08:00", "dub": "07:00-17:00", "mex": "15:00-00:00"}
    rotation = Rotation.objects.create(tier=1)
    teams = {}
    for position, code in enumerate(["mnl", "dub", "mex"], start=1):
        team = TeamFactory(code=f"t1-{code}", name=f"{regions[code].name} T1", region=regions[code], tier=1)
        shift_pattern(team, hours[code], works_public_holidays=True)
        RotationStep.objects.create(rotation=rotation, team=team, position=position)
        teams[code] = team
    teams["dub"].leads.add(UserFactory(username="lead.dub", role="lead"))
    SlaPolicy.objects.create(
        name="Normal", priority="normal", first_response_minutes=600, next_response_minutes=600, resolution_minutes=6000
    )
    return teams


@pytest.fixture
def dublin_agent(sun):
    return AgentFactory(team=sun["dub"]).user
