"""Fill the benchmark database: 3 regions, 33 teams, 1,000 agents, 200,000 customers, N tickets with 10 timeline
events each on average, written with COPY. Deterministic for a seed."""

import datetime as dt
import io
import json
import random
import sys
import time

from django.contrib.auth import get_user_model
from django.db import connection, transaction

BATCH = 200_000  # rows per COPY
NOW = dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC)
REGIONS = [("mnl", "Manila", "Asia/Manila", "PH", "APAC"), ("dub", "Dublin", "Europe/Dublin", "IE", "EU")]
REGIONS += [("mex", "Mexico City", "America/Mexico_City", "MX", "AMER")]
TEAMS_PER_TIER = {1: 5, 2: 4, 3: 2}  # per region: 11 teams, 33 in all
STATUSES = [("new", 5), ("open", 25), ("pending", 10), ("on_hold", 5), ("solved", 25), ("closed", 30)]
PRIORITIES = [("low", 20), ("normal", 55), ("high", 20), ("urgent", 5)]
CHANNELS = [("email", 50), ("web", 25), ("chat", 15), ("phone", 5), ("api", 5)]
LANGUAGES = [("en", 60), ("es", 20), ("de", 10), ("pt", 5), ("ja", 5)]
EVENT_KINDS = ["customer_message", "reply", "note", "status", "assignee", "next_action", "priority", "tags"]
WORDS = "refund invoice login password charge shipping delay account upgrade cancel error export sync card".split()
TICKETS_WITH_100_EVENTS = 20  # the first tickets: the ticket page is measured on them


def _pick(rng, weighted):
    return rng.choices([value for value, _ in weighted], [weight for _, weight in weighted])[0]


def _bar(label, done, total):
    """A progress bar on stderr, redrawn in place."""
    filled = int(30 * done / total) if total else 30
    sys.stderr.write(f"\r{label:<10} [{'#' * filled}{'.' * (30 - filled)}] {done:>11,}/{total:,}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _copy(table, columns, rows, total):
    """COPY ROWS (tuples of str, TOTAL of them) into TABLE in batches, with a progress bar; returns the count."""
    count, buffer = 0, io.StringIO()
    label = table.removeprefix("tickets_")

    def flush():
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)  # noqa: S608
        buffer.seek(0)
        buffer.truncate()

    for row in rows:
        buffer.write("\t".join(row))
        buffer.write("\n")
        count += 1
        if count % BATCH == 0:
            flush()
            _bar(label, min(count, total), total)
    flush()
    _bar(label, total, total)
    return count


def _ts(value):
    return value.isoformat()


def build_world(rng):
    """Regions, vendors, teams with round-the-clock shifts, rotations, leads and 1,000 agents; returns the teams."""
    from compliance.models import Role
    from compliance.services import role_grant
    from regions.models import Agent, Region, Rotation, RotationStep, ShiftDay, ShiftPattern, Team, Vendor
    from tickets.models import SlaPolicy

    users = get_user_model()
    in_house = Vendor.objects.create(name="Meridian", kind="in_house")
    bpo = Vendor.objects.create(name="Pacific Shore", kind="bpo")
    teams, rotations = [], {tier: Rotation.objects.create(tier=tier) for tier in TEAMS_PER_TIER}
    for code, name, zone, country, residency in REGIONS:
        region = Region.objects.create(code=code, name=name, time_zone=zone, country=country, residency_zone=residency)
        lead = users.objects.create(username=f"lead.{code}", time_zone=zone)
        role_grant(user=lead, role=Role.LEAD)
        for tier, count in TEAMS_PER_TIER.items():
            for number in range(1, count + 1):
                team = Team.objects.create(
                    code=f"t{tier}-{code}-{number}",
                    name=f"{name} Tier {tier} #{number}",
                    region=region,
                    tier=tier,
                    vendor=bpo if (tier == 1 and code == "mnl") else in_house,
                )
                team.leads.add(lead)
                pattern = ShiftPattern.objects.create(
                    team=team, name="24x7", valid_from=dt.date(2025, 1, 1), works_public_holidays=True
                )
                ShiftDay.objects.bulk_create(
                    ShiftDay(pattern=pattern, weekday=d, start=dt.time(0), end=dt.time(0)) for d in range(7)
                )
                RotationStep.objects.create(rotation=rotations[tier], team=team, position=len(teams) + 1)
                teams.append(team)
    for priority, minutes in [("low", 2880), ("normal", 480), ("high", 120), ("urgent", 30)]:
        SlaPolicy.objects.create(
            name=priority,
            priority=priority,
            first_response_minutes=minutes,
            next_response_minutes=minutes,
            resolution_minutes=minutes * 10,
        )
    people = users.objects.bulk_create(
        users(username=f"agent{n}", email=f"agent{n}@meridian.example", password="!") for n in range(1000)
    )
    agents = Agent.objects.bulk_create(
        Agent(user=user, team=teams[n % len(teams)], tier=teams[n % len(teams)].tier) for n, user in enumerate(people)
    )
    group = users.groups.field.related_model.objects.get(name=Role.AGENT.label)
    group.user_set.add(*people)
    admin = users.objects.create(username="admin", is_staff=True)
    role_grant(user=admin, role=Role.ADMIN)
    return teams, agents


def load_customers(rng, count):
    columns = ["name", "email", "phone", "company", "country", "language", "locale", "time_zone", "address"]
    columns += ["account_id", "payment_card", "vip", "created_at"]
    created = _ts(NOW - dt.timedelta(days=400))

    def rows():
        for n in range(count):
            country = rng.choice(["PH", "IE", "MX", "DE", "US", "ES", "BR", "JP"])
            language = _pick(rng, LANGUAGES)
            yield (f"Customer {n}", f"customer{n}@example.org", "", "", country, language, "en-US", "UTC", "")

    return _copy("tickets_customer", columns, (row + ("", "", "f", created) for row in rows()), count)


def load_tickets(rng, count, teams, agents, first_customer, customers):
    """Tickets with ids 1..COUNT, then their events; returns (tickets, events)."""
    by_team = {}
    for agent in agents:
        by_team.setdefault(agent.team_id, []).append(agent.user_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT priority, id FROM tickets_slapolicy")
        policies = dict(cursor.fetchall())
    columns = ["id", "subject", "status", "priority", "tier", "channel", "customer_id", "language", "team_id"]
    columns += ["assignee_id", "is_critical", "is_outage", "next_action", "next_action_set_at", "created_at"]
    columns += ["updated_at", "last_customer_message_at", "handoffs_since_progress", "moved_without_context"]
    columns += ["sla_policy_id", "sla_state", "sla_target", "sla_due_at", "sla_flags", "solved_at"]
    events_of = {}

    def tickets():
        for pk in range(1, count + 1):
            team = teams[rng.randrange(len(teams))]
            status, priority = _pick(rng, STATUSES), _pick(rng, PRIORITIES)
            created = NOW - dt.timedelta(minutes=rng.randrange(365 * 24 * 60))
            updated = min(NOW, created + dt.timedelta(minutes=rng.randrange(7 * 24 * 60)))
            is_open = status in {"new", "open", "pending", "on_hold"}
            assignee = str(rng.choice(by_team[team.pk])) if is_open and rng.random() < 0.8 else "\\N"
            note = f"Call back about the {rng.choice(WORDS)}" if is_open and rng.random() < 0.7 else ""
            due = updated + dt.timedelta(hours=rng.randrange(-12, 48))
            sla_state = ("breached" if due < NOW else "ok") if is_open else "none"
            events_of[pk] = 100 if pk <= TICKETS_WITH_100_EVENTS else rng.randint(1, 19)
            yield (
                str(pk),
                f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} {rng.choice(WORDS)} #{pk}",
                status,
                priority,
                str(team.tier),
                _pick(rng, CHANNELS),
                str(first_customer + rng.randrange(customers)),
                _pick(rng, LANGUAGES),
                str(team.pk),
                assignee,
                "f",
                "f",
                note,
                _ts(updated) if note else "\\N",
                _ts(created),
                _ts(updated),
                _ts(created),
                "0",
                "f",
                str(policies[priority]),
                sla_state,
                "resolution" if is_open else "",
                _ts(due) if is_open else "\\N",
                "[]",
                _ts(updated) if status in {"solved", "closed"} else "\\N",
            )

    loaded = _copy("tickets_ticket", columns, tickets(), count)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('tickets_ticket', 'id'), %s)", [count])

    def events():
        empty = json.dumps({})
        for pk in range(1, count + 1):
            start = NOW - dt.timedelta(days=30)
            for n in range(events_of[pk]):
                kind = "created" if n == 0 else EVENT_KINDS[n % len(EVENT_KINDS)]
                body = f"About the {WORDS[(pk + n) % len(WORDS)]}: please check." if n % 3 == 1 else ""
                yield (str(pk), kind, _ts(start + dt.timedelta(minutes=n)), "\\N", body, kind, empty)

    event_columns = ["ticket_id", "kind", "created_at", "actor_id", "body", "summary", "data"]
    total = sum(events_of.values())
    return loaded, _copy("tickets_ticketevent", event_columns, events(), total)


def load_articles(rng, count, teams):
    """COUNT published internal articles of 60 to 200 words, through the knowledge services (search vectors and all)."""
    from knowledge.models import Category
    from knowledge.services import article_create, article_transition

    admin = get_user_model().objects.get(username="admin")
    categories = [Category.objects.create(name=f"Topic {n}", slug=f"topic-{n}") for n in range(12)]
    for n in range(count):
        words = [rng.choice(WORDS) for _ in range(rng.randint(60, 200))]
        article = article_create(
            owner_team=teams[n % len(teams)],
            category=categories[n % len(categories)],
            title=f"How to handle {words[0]} and {words[1]} ({n})",
            body=" ".join(words),
            actor=admin,
            at=NOW,
        )
        article_transition(article=article, to="in_review", actor=admin, at=NOW)
        article_transition(article=article, to="published", actor=admin, at=NOW)
        if (n + 1) % 100 == 0 or n + 1 == count:
            _bar("articles", n + 1, count)
    return count


def load(*, tickets, seed, articles=2000, progress=print):
    """The whole dataset; returns {what: count} and the seconds it took."""
    rng = random.Random(seed)
    started = time.monotonic()
    with transaction.atomic():
        teams, agents = build_world(rng)
    progress(f"world: {len(teams)} teams, {len(agents)} agents")
    customers = max(1, tickets // 5)
    with transaction.atomic():
        load_customers(rng, customers)
        with connection.cursor() as cursor:
            cursor.execute("SELECT min(id) FROM tickets_customer")
            first_customer = cursor.fetchone()[0]
    progress(f"customers: {customers}")
    with transaction.atomic():
        count, events = load_tickets(rng, tickets, teams, agents, first_customer, customers)
    progress(f"tickets: {count}, events: {events}")
    load_articles(rng, articles, teams)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    seconds = time.monotonic() - started
    counts = {"teams": len(teams), "agents": len(agents), "customers": customers, "tickets": count, "events": events}
    return {**counts, "articles": articles}, seconds
