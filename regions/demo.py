"""Demo configuration for `seed_demo`: four regions, seven teams, 24x7 Tiers 1 and 2.

Times are local to each region. Tiers 1 and 2 rotate Manila -> Dublin -> Mexico City:
Manila 07-16 (UTC+8), Dublin 07-17 (UTC+0/+1), Mexico City 09-18 (UTC-6) give handover
overlaps of at least one hour in winter and summer alike. Tier 3 works Kraków business
hours. Tier 2 Mexico City does not work Sundays: the one deliberate gap.
"""

import datetime as dt

from .models import (
    Agent,
    AgentLanguage,
    Region,
    Rotation,
    RotationStep,
    ShiftDay,
    ShiftPattern,
    SourcingRule,
    StaffingTarget,
    Team,
    Vendor,
    VolumeForecast,
)

REGIONS = [
    # code, name, zone, country, residency
    ("mnl", "Manila", "Asia/Manila", "PH", "APAC"),
    ("dub", "Dublin", "Europe/Dublin", "IE", "EU"),
    ("mex", "Mexico City", "America/Mexico_City", "MX", "AMER"),
    ("krk", "Kraków", "Europe/Warsaw", "PL", "EU"),
]

REGION_NAMES = {code: name for code, name, *_ in REGIONS}

# code, name, region, tier, vendor, agents, local hours, weekdays, works holidays
TEAMS = [
    ("t1-mnl", "Manila Tier 1 (Pacific Shore)", "mnl", 1, "bpo", 10, ("07:00", "16:00"), range(7), True),
    ("t1-dub", "Dublin Tier 1", "dub", 1, "in_house", 6, ("07:00", "17:00"), range(7), True),
    ("t1-mex", "Mexico City Tier 1", "mex", 1, "in_house", 6, ("09:00", "18:00"), range(7), True),
    ("t2-mnl", "Manila Tier 2", "mnl", 2, "in_house", 4, ("07:00", "16:00"), range(7), True),
    ("t2-dub", "Dublin Tier 2", "dub", 2, "in_house", 4, ("07:00", "17:00"), range(7), True),
    ("t2-mex", "Mexico City Tier 2", "mex", 2, "in_house", 6, ("09:00", "18:00"), range(6), True),
    ("t3-krk", "Kraków Tier 3", "krk", 3, "in_house", 6, ("09:00", "17:00"), range(5), False),
]

# region -> [(language, proficiency choices)] drawn per agent; the first is everyone's.
LANGUAGES = {
    "mnl": [("en", ["C1", "C2"]), ("tl", ["native"]), ("es", ["A2", "B1"])],
    "dub": [("en", ["native"]), ("fr", ["B2", "C1"]), ("de", ["B1", "B2"]), ("ga", ["B2", "native"])],
    "mex": [("es", ["native"]), ("en", ["B2", "C1"]), ("pt", ["B1", "B2"])],
    "krk": [("pl", ["native"]), ("en", ["C1", "C2"]), ("de", ["B2", "C1"])],
}
SKILLS = {
    1: ["accounts", "orders", "shipping", "password"],
    2: ["billing", "refunds", "retention"],
    3: ["api", "sdk", "outage"],
}

SOURCING = [
    (1, "mnl", 1, "High-volume tier: cost-effective BPO partner with strong English"),
    (1, "dub", 2, "EMEA languages"),
    (1, "mex", 3, "Spanish and Americas hours"),
    (2, "mex", 1, "Billing and retention nearshore for the Americas"),
    (2, "dub", 2, "EMEA billing"),
    (2, "mnl", 3, "APAC hours"),
    (3, "krk", 1, "Developer escalations: engineering talent pool"),
]


def _forecast(tier, weekday, hour):
    """Tickets per UTC hour: busier on weekdays and in EMEA/Americas daytime."""
    base = {1: 24, 2: 8, 3: 3}[tier]
    daytime = 1.5 if 7 <= hour <= 22 else 0.8
    weekend = 0.6 if weekday >= 5 else 1.0
    return round(base * daytime * weekend)


def seed_configuration():
    """Regions, vendors, teams, shifts, rotations, sourcing and staffing targets; returns {code: Team}."""
    regions = {}
    for code, name, zone, country, residency in REGIONS:
        regions[code], _ = Region.objects.get_or_create(
            code=code,
            defaults={"name": name, "time_zone": zone, "country": country, "residency_zone": residency},
        )
    vendors = {
        "in_house": Vendor.objects.get_or_create(name="Meridian", defaults={"kind": Vendor.Kind.IN_HOUSE})[0],
        "bpo": Vendor.objects.get_or_create(name="Pacific Shore BPO", defaults={"kind": Vendor.Kind.BPO})[0],
    }
    teams = {}
    for code, name, region, tier, vendor, size, (start, end), weekdays, holidays in TEAMS:
        team, created = Team.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "region": regions[region],
                "tier": tier,
                "vendor": vendors[vendor],
                "min_headcount": max(2, size // 2),
            },
        )
        teams[code] = team
        if created:
            pattern = ShiftPattern.objects.create(
                team=team,
                name=f"{start}-{end}",
                valid_from=dt.date(2025, 1, 1),
                works_public_holidays=holidays,
            )
            ShiftDay.objects.bulk_create(ShiftDay(pattern=pattern, weekday=d, start=start, end=end) for d in weekdays)
    for tier, order, around in (
        (1, ["t1-mnl", "t1-dub", "t1-mex"], True),
        (2, ["t2-mnl", "t2-dub", "t2-mex"], True),
    ):
        _rotation(tier, [teams[c] for c in order], around)
    _rotation(3, [teams["t3-krk"]], around_the_clock=False)
    for tier, region, preference, note in SOURCING:
        SourcingRule.objects.get_or_create(
            tier=tier, region=regions[region], defaults={"preference": preference, "note": note}
        )
    for tier, aht in ((1, 900), (2, 1500), (3, 3600)):
        StaffingTarget.objects.get_or_create(
            tier=tier,
            defaults={"average_handle_seconds": aht, "target_service_level": 0.8, "answer_seconds": 1800},
        )
        VolumeForecast.objects.bulk_create(
            [
                VolumeForecast(tier=tier, weekday=w, hour=h, tickets=_forecast(tier, w, h))
                for w in range(7)
                for h in range(24)
            ],
            ignore_conflicts=True,
        )
    return teams


def _rotation(tier, teams, around_the_clock=True):
    rotation, created = Rotation.objects.get_or_create(tier=tier, defaults={"around_the_clock": around_the_clock})
    if created:
        RotationStep.objects.bulk_create(
            RotationStep(rotation=rotation, team=team, position=i) for i, team in enumerate(teams, start=1)
        )


def team_sizes():
    """[(team code, region code, number of agents)] in creation order."""
    return [(code, region, size) for code, _, region, _, _, size, *_ in TEAMS]


def seed_agent(rng, *, user, team):
    """An agent profile with languages, skills and presence drawn from RNG."""
    agent, created = Agent.objects.get_or_create(
        user=user,
        defaults={
            "team": team,
            "tier": team.tier,
            "skills": sorted(rng.sample(SKILLS[team.tier], 2)),
            "capacity": rng.choice([15, 20, 25]),
            "presence": rng.choice(["available", "available", "away", "offline"]),
        },
    )
    if created:
        languages = LANGUAGES[team.region.code]
        chosen = [languages[0], *rng.sample(languages[1:], rng.randint(1, len(languages) - 1))]
        AgentLanguage.objects.bulk_create(
            AgentLanguage(
                agent=agent,
                language=code,
                proficiency=rng.choice(levels),
                certified_on=dt.date(2025, rng.randint(1, 12), rng.randint(1, 28)),
            )
            for code, levels in chosen
        )
    return agent
