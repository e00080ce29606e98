"""Demo users for `seed_demo`: one lead and two agents per region, an admin, an API bot."""

from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from compliance.models import Role
from compliance.services import role_grant

DEMO_PASSWORD = "meridian-demo"

# (region code, IANA zone, first names to draw from, last names to draw from)
DEMO_REGIONS = [
    (
        "mnl",
        "Asia/Manila",
        ["Maria", "Jose", "Andrea", "Paolo", "Liza"],
        ["Santos", "Reyes", "Cruz", "Bautista"],
    ),
    (
        "dub",
        "Europe/Dublin",
        ["Aoife", "Cian", "Niamh", "Darragh", "Saoirse"],
        ["Byrne", "Murphy", "Kelly", "Walsh"],
    ),
    (
        "mex",
        "America/Mexico_City",
        ["Diego", "Ximena", "Mateo", "Valeria"],
        ["Ramírez", "Hernández", "López", "Cruz"],
    ),
    (
        "krk",
        "Europe/Warsaw",
        ["Kasia", "Piotr", "Zofia", "Jakub"],
        ["Nowak", "Kowalski", "Wiśniewska", "Wójcik"],
    ),
]


def _user(username, *, first, last, time_zone, role):
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": f"{username}@meridian.example",
            "time_zone": time_zone,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    role_grant(user=user, role=role)
    return user


def seed_users(rng):
    """Create the demo logins; returns [(username, role label, zone)] in creation order."""
    logins = []
    admin = _user("admin", first="Ada", last="Admin", time_zone="UTC", role=Role.ADMIN)
    logins.append((admin.username, Role.ADMIN.label, admin.time_zone))
    for code, zone, firsts, lasts in DEMO_REGIONS:
        for username, role in (
            (f"lead.{code}", Role.LEAD),
            (f"agent1.{code}", Role.AGENT),
            (f"agent2.{code}", Role.AGENT),
        ):
            user = _user(
                username, first=rng.choice(firsts), last=rng.choice(lasts), time_zone=zone, role=role
            )
            logins.append((user.username, role.label, zone))
    bot = _user("api.bot", first="API", last="Bot", time_zone="UTC", role=Role.INTEGRATION)
    Token.objects.get_or_create(user=bot)
    logins.append((bot.username, Role.INTEGRATION.label, "token: " + bot.auth_token.key))
    return logins
