"""Demo data for `seed_demo`: an admin, a lead per region, 42 agents in seven teams, an API bot, then tickets."""

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from rest_framework.authtoken.models import Token

from compliance.models import Role
from compliance.services import role_grant
from handoff import demo as handoff_demo
from knowledge import demo as knowledge_demo
from qa import demo as qa_demo
from regions import demo as regions_demo
from tickets import channels_demo as tickets_channels_demo
from tickets import demo as tickets_demo
from tickets import knowledge_demo as tickets_knowledge_demo
from tickets.channels.email_out import customer_email_paused

DEMO_PASSWORD = "meridian-demo"

# region code -> (IANA zone, first names, last names) to draw demo people from
PEOPLE = {
    "mnl": (
        "Asia/Manila",
        ["Maria", "Jose", "Andrea", "Paolo", "Liza", "Ramon", "Grace"],
        ["Santos", "Reyes", "Cruz", "Bautista", "Garcia"],
    ),
    "dub": (
        "Europe/Dublin",
        ["Aoife", "Cian", "Niamh", "Darragh", "Saoirse", "Conor"],
        ["Byrne", "Murphy", "Kelly", "Walsh", "Ryan"],
    ),
    "mex": (
        "America/Mexico_City",
        ["Diego", "Ximena", "Mateo", "Valeria", "Sofía", "Emiliano"],
        ["Ramírez", "Hernández", "López", "Cruz"],
    ),
    "krk": (
        "Europe/Warsaw",
        ["Kasia", "Piotr", "Zofia", "Jakub", "Marta"],
        ["Nowak", "Kowalski", "Wiśniewska", "Wójcik"],
    ),
}


def _user(username, *, first, last, time_zone, role, password_hash):
    user, _ = get_user_model().objects.get_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": f"{username}@meridian.example",
            "time_zone": time_zone,
            "password": password_hash,
        },
    )
    role_grant(user=user, role=role)
    return user


def progress_steps(tickets=0):
    """How many times seed_people and then seed_tickets(count=TICKETS) call their PROGRESS callback."""
    return 2 + len(regions_demo.team_sizes()) + 1 + tickets_demo.progress_steps(tickets) + 1 + 1 + 1


def seed_tickets(rng, progress, count):
    """Customers and COUNT tickets with timelines over the last days, then the handoff history of the last
    shift ends, as of now; returns summary lines."""
    now = timezone.now()
    knowledge = knowledge_demo.seed_knowledge(now=now)
    progress("knowledge base")
    with customer_email_paused():  # replayed history reaches no customer's inbox
        summary = tickets_demo.seed_tickets(rng, count=count, now=now, progress=progress)
    links = tickets_knowledge_demo.seed_article_links()
    handoffs = handoff_demo.seed_handoffs(now=now) if count else "Handoffs: none (no tickets)"
    progress("handoff history and briefings")
    quality = qa_demo.seed_qa(rng, now=now)
    progress("quality reviews, surveys and calibration")
    # Last: the call it logs is the newest event of its ticket, after the handoff history.
    channels = tickets_channels_demo.seed_channels() if count else "Channels: none (no tickets)"
    progress("what each channel leaves behind")
    return f"{knowledge}\n{summary}\n{channels}\n{links}\n{handoffs}\n{quality}"


def seed_people(rng, progress):
    """Create the demo logins and agent profiles; returns [(username, role label, detail)] worth printing."""
    # One hash for every demo account: hashing is deliberately slow.
    password_hash = make_password(DEMO_PASSWORD)

    def person(region_code, username, role):
        zone, firsts, lasts = PEOPLE[region_code]
        first, last = rng.choice(firsts), rng.choice(lasts)
        return _user(username, first=first, last=last, time_zone=zone, role=role, password_hash=password_hash)

    teams = regions_demo.seed_configuration()
    progress("regions, teams and shifts")
    logins = [("admin", Role.ADMIN.label, "Django admin, all pages")]
    _user("admin", first="Ada", last="Admin", time_zone="UTC", role=Role.ADMIN, password_hash=password_hash)

    leads = {code: person(code, f"lead.{code}", Role.LEAD) for code in PEOPLE}
    for code, lead in leads.items():
        logins.append((lead.username, Role.LEAD.label, f"leads every {regions_demo.REGION_NAMES[code]} team"))
    numbers = dict.fromkeys(PEOPLE, 0)
    for team_code, region_code, size in regions_demo.team_sizes():
        team = teams[team_code]
        team.leads.add(leads[region_code])
        for _ in range(size):
            numbers[region_code] += 1
            username = f"agent{numbers[region_code]}.{region_code}"
            user = person(region_code, username, Role.AGENT)
            regions_demo.seed_agent(rng, user=user, team=team)
            if numbers[region_code] <= 2:
                masked = ", sees masked PII (vendor Tier 1)" if team.vendor.kind == "bpo" and team.tier == 1 else ""
                logins.append((username, Role.AGENT.label, team.name + masked))
        progress(f"agents of {team.code}")
    extra = sum(numbers.values()) - 2 * len(numbers)
    logins.append((f"agent3.mnl … agent{numbers['mnl']}.mnl etc.", Role.AGENT.label, f"{extra} more agents"))

    bot = _user(
        "api.bot",
        first="API",
        last="Bot",
        time_zone="UTC",
        role=Role.INTEGRATION,
        password_hash=password_hash,
    )
    token, _ = Token.objects.get_or_create(user=bot)
    logins.append((bot.username, Role.INTEGRATION.label, f"API token {token.key}"))
    progress("admin and API bot")
    return logins
