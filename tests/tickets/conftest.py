import datetime as dt

import pytest

from regions.models import Rotation, RotationStep
from tests.factories import AgentFactory, RegionFactory, TeamFactory, UserFactory, shift_pattern
from tickets.models import SlaPolicy

# A Monday. Manila Tier 1 works 23:00-08:00 UTC, Dublin Tier 1 07:00-17:00, Kraków Tier 3 08:00-16:00 and Mexico
# City Tier 3 16:00-24:00 (covering Tier 3 in the evening); every region on UTC to keep the arithmetic plain.
MANILA_NIGHT = dt.datetime(2026, 1, 5, 3, tzinfo=dt.UTC)  # Manila on shift, Kraków not yet
KRAKOW_START = dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC)
EVENING = dt.datetime(2026, 1, 5, 20, tzinfo=dt.UTC)  # Kraków off shift, Mexico City Tier 3 on


@pytest.fixture
def collab():
    """Manila Tier 1 (Maria) asks Kraków Tier 3 (Kasia, Piotr; lead Ola); Dublin Tier 1 takes over from Manila."""
    regions = {
        code: RegionFactory(code=code, name=name, time_zone="UTC", country=country, residency_zone=zone)
        for code, name, country, zone in (
            ("mnl", "Manila", "PH", "APAC"),
            ("dub", "Dublin", "IE", "EU"),
            ("krk", "Kraków", "PL", "EU"),
            ("mex", "Mexico City", "MX", "AMER"),
        )
    }
    teams = {}
    for code, name, region, tier, hours in (
        ("t1-mnl", "Manila Tier 1", "mnl", 1, "23:00-08:00"),
        ("t1-dub", "Dublin Tier 1", "dub", 1, "07:00-17:00"),
        ("t3-krk", "Kraków Tier 3", "krk", 3, "08:00-16:00"),
        ("t3-mex", "Mexico City Tier 3", "mex", 3, "16:00-00:00"),
    ):
        teams[code] = TeamFactory(code=code, name=name, region=regions[region], tier=tier)
        shift_pattern(teams[code], hours, works_public_holidays=True)
    rotation = Rotation.objects.create(tier=1)
    RotationStep.objects.create(rotation=rotation, team=teams["t1-mnl"], position=1)
    RotationStep.objects.create(rotation=rotation, team=teams["t1-dub"], position=2)
    SlaPolicy.objects.create(
        name="Normal", priority="normal", first_response_minutes=600, next_response_minutes=600, resolution_minutes=6000
    )

    def agent(username, first, last, team):
        user = UserFactory(username=username, first_name=first, last_name=last, role="agent")
        AgentFactory(user=user, team=teams[team])
        return user

    people = {
        "maria": agent("maria", "Maria", "Santos", "t1-mnl"),
        "kasia": agent("kasia", "Kasia", "Nowak", "t3-krk"),
        "piotr": agent("piotr", "Piotr", "Wójcik", "t3-krk"),
        "aoife": agent("aoife", "Aoife", "Byrne", "t1-dub"),
        "lupe": agent("lupe", "Lupe", "Ramírez", "t3-mex"),
    }
    for username, last, team in (
        ("ola", "Wiśniewska", "t3-krk"),
        ("diego", "Cruz", "t3-mex"),
        ("lead.mnl", "Reyes", "t1-mnl"),
    ):
        people[username] = UserFactory(username=username, first_name=username.title(), last_name=last, role="lead")
        teams[team].leads.add(people[username])
    return {"teams": teams, "regions": regions, **people}
