"""Demo tickets for `seed_demo`: SLA policies, routing rules, macros, customers and tickets with timelines.

Every random choice is drawn up front from the command's random.Random into a plan per ticket; times are
offsets from the `now` passed in, so the same seed gives the same subjects, customers and statuses while the
tickets always look current. Who a ticket is routed to depends on who is on shift at that instant.
"""

import datetime as dt
import random
import unicodedata
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count

from regions.models import Agent, Presence
from regions.selectors import team_list, team_shifts

from . import services
from .models import (
    OPEN_STATUSES,
    Channel,
    Customer,
    EventKind,
    Macro,
    Priority,
    RoutingRule,
    SlaPolicy,
    SlaSegment,
    SlaState,
    Status,
    Tag,
    Ticket,
    TicketEvent,
)
from .routing import GOOD_ENOUGH, choose_team
from .sla import sla_check_due

# The first tickets go through the services; the rest are bulk-written (see _Draft).
SERVICE_TICKETS = 200
BATCH = 2000
DAYS = 10
CHECK_EVERY = dt.timedelta(minutes=30)  # how often the replay runs the scheduler's SLA check

# priority, VIP, first response, next response, resolution (minutes)
SLA_POLICIES = [
    (Priority.LOW, False, 8 * 60, 12 * 60, 5 * 24 * 60),
    (Priority.NORMAL, False, 4 * 60, 8 * 60, 3 * 24 * 60),
    (Priority.HIGH, False, 60, 4 * 60, 24 * 60),
    (Priority.HIGH, True, 30, 2 * 60, 12 * 60),
    (Priority.URGENT, False, 30, 60, 8 * 60),
    (Priority.URGENT, True, 15, 30, 4 * 60),
]

# position, name, channel, tag, priority, VIP only, tier; the first match wins, so technical tags come first.
ROUTING_RULES = [
    (10, "API questions go to engineers", "", "api", "", False, 3),
    (20, "SDK questions go to engineers", "", "sdk", "", False, 3),
    (30, "Urgent VIP tickets skip Tier 1", "", "", Priority.URGENT, True, 2),
    (40, "Billing", "", "billing", "", False, 2),
    (50, "Refunds", "", "refund", "", False, 2),
]

MACROS = {
    "Acknowledge and investigate": "Hi {customer_name},\n\nThanks for getting in touch about {reference}. "
    "I'm looking into it now and will update you as soon as I know more.\n\nBest,\n{agent_name}",
    "Ask for more details": "Hi {customer_name},\n\nTo move {reference} forward, could you send a screenshot "
    "of the error and the time it happened (with your time zone)?\n\nThanks,\n{agent_name}",
    "Password reset steps": "Hi {customer_name},\n\nTo get back into your account ({reference}):\n\n"
    "1. Open the sign-in page and choose **Forgot password**.\n"
    "2. Use the link in the email within 24 hours.\n3. Check your spam folder if it doesn't arrive.\n\n"
    "{agent_name}",
    "Refund issued": "Hi {customer_name},\n\nThe refund for {reference} is on its way; banks take 5 to 10 "
    "working days to show it.\n\nKind regards,\n{agent_name}",
    "Known outage: we're on it": "Hi {customer_name},\n\nWe're aware of the problem and our engineers are "
    "working on it. I've linked {reference} to the incident and will write as soon as it is fixed.\n\n"
    "{agent_name}",
    "Escalated to our engineers": "Hi {customer_name},\n\nI've passed {reference} to our engineering team "
    "with everything you sent. I'll keep you posted.\n\n{agent_name}",
    "Closing: no reply": "Hi {customer_name},\n\nWe haven't heard back, so I'm closing {reference}. Just "
    "reply if you still need help.\n\n{agent_name}",
    "Shipping delay apology": "Hi {customer_name},\n\nSorry for the wait on {reference}: the carrier has a "
    "backlog in your area. Your parcel is moving again.\n\n{agent_name}",
}

# country, weight, [(language, locale, weight)], time zones, first names, last names, companies, phone prefix
COUNTRIES = [
    ("US", 16, [("en", "en-US", 9), ("es", "es-US", 1)],
     ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"],
     ["James", "Emily", "Michael", "Olivia", "Daniel", "Ava", "Ethan", "Madison"],
     ["Smith", "Johnson", "Brown", "Miller", "Davis", "Wilson"],
     ["Bluebird Labs", "Hudson Freight", "Lakeside Dental", "Northwind Coffee"], "+1"),
    ("GB", 8, [("en", "en-GB", 1)], ["Europe/London"],
     ["Oliver", "Amelia", "Harry", "Isla", "George", "Poppy"], ["Taylor", "Evans", "Thomas", "Roberts"],
     ["Thames Print", "Bramble & Co", "Kestrel Travel"], "+44"),
    ("IE", 5, [("en", "en-IE", 1)], ["Europe/Dublin"],
     ["Seán", "Róisín", "Oisín", "Caoimhe", "Eoin"], ["O'Brien", "Doyle", "McCarthy", "Kavanagh"],
     ["Liffey Analytics", "Wild Atlantic Tours"], "+353"),
    ("CA", 5, [("en", "en-CA", 3), ("fr", "fr-CA", 1)],
     ["America/Toronto", "America/Vancouver", "America/Edmonton"],
     ["Liam", "Chloé", "Noah", "Charlotte", "Félix"], ["Tremblay", "Roy", "Campbell", "Gagnon"],
     ["Maple Ridge Outfitters", "Laurentian Software"], "+1"),
    ("AU", 5, [("en", "en-AU", 1)], ["Australia/Sydney", "Australia/Melbourne", "Australia/Perth"],
     ["Jack", "Matilda", "Lachlan", "Ruby", "Mia"], ["Nguyen", "Martin", "Kelly", "White"],
     ["Coral Coast Surf", "Outback Logistics"], "+61"),
    ("MX", 9, [("es", "es-MX", 1)], ["America/Mexico_City", "America/Monterrey", "America/Tijuana"],
     ["Santiago", "Regina", "Leonardo", "Camila", "Alejandro", "Fernanda"],
     ["González", "Martínez", "Flores", "Torres", "Morales"],
     ["Tacos El Güero", "Grupo Alameda", "Textiles Oaxaca"], "+52"),
    ("ES", 5, [("es", "es-ES", 1)], ["Europe/Madrid", "Atlantic/Canary"],
     ["Lucía", "Hugo", "Martina", "Pablo", "Carmen"], ["García", "Fernández", "Sánchez", "Romero"],
     ["Olivares del Sur", "Barcelona Bikes"], "+34"),
    ("AR", 3, [("es", "es-AR", 1)], ["America/Argentina/Buenos_Aires", "America/Argentina/Cordoba"],
     ["Mateo", "Valentina", "Bautista", "Catalina"], ["Fernández", "Rodríguez", "Gómez", "Díaz"],
     ["Pampa Agro", "Tango Media"], "+54"),
    ("BR", 7, [("pt", "pt-BR", 1)], ["America/Sao_Paulo", "America/Manaus", "America/Recife"],
     ["João", "Ana", "Pedro", "Beatriz", "Lucas", "Larissa"], ["Silva", "Souza", "Oliveira", "Pereira"],
     ["Café Paulista", "Rio Verde Energia", "Loja Bela"], "+55"),
    ("FR", 6, [("fr", "fr-FR", 1)], ["Europe/Paris"],
     ["Camille", "Louis", "Léa", "Gabriel", "Manon"], ["Martin", "Bernard", "Dubois", "Lefèvre"],
     ["Boulangerie Lumière", "Atelier Roche", "Provence Vins"], "+33"),
    ("DE", 7, [("de", "de-DE", 1)], ["Europe/Berlin"],
     ["Lukas", "Hannah", "Finn", "Lena", "Jonas", "Mia"], ["Müller", "Schmidt", "Schneider", "Fischer"],
     ["Brauerei Adler", "Nordlicht GmbH", "Schwarzwald Reisen"], "+49"),
    ("PL", 4, [("pl", "pl-PL", 1)], ["Europe/Warsaw"],
     ["Jan", "Zuzanna", "Antoni", "Julia"], ["Lewandowski", "Zieliński", "Kamińska", "Mazur"],
     ["Wisła Tech", "Piekarnia Mazur"], "+48"),
    ("PH", 6, [("en", "en-PH", 3), ("tl", "tl-PH", 1)], ["Asia/Manila"],
     ["Angelo", "Bea", "Miguel", "Patricia", "Joshua"], ["Dela Cruz", "Mendoza", "Villanueva", "Aquino"],
     ["Islas Trading", "Cebu Crafts"], "+63"),
    ("IN", 4, [("en", "en-IN", 1)], ["Asia/Kolkata"],
     ["Aarav", "Ananya", "Vihaan", "Diya", "Arjun"], ["Sharma", "Iyer", "Patel", "Reddy"],
     ["Chai Point Labs", "Monsoon Textiles"], "+91"),
    ("JP", 2, [("ja", "ja-JP", 1)], ["Asia/Tokyo"],
     ["Haruto", "Yui", "Sota", "Hina"], ["Sato", "Suzuki", "Takahashi", "Tanaka"],
     ["Sakura Design", "Kaizen Robotics"], "+81"),
    ("SG", 2, [("en", "en-SG", 1)], ["Asia/Singapore"],
     ["Wei Ling", "Ethan", "Hui Min", "Ryan"], ["Tan", "Lim", "Lee", "Ng"],
     ["Lion City Foods", "Harbourfront Capital"], "+65"),
]  # fmt: skip
CURRENCY = {"US": "USD", "CA": "CAD", "GB": "GBP", "AU": "AUD", "MX": "MXN", "AR": "ARS", "BR": "BRL",
            "PL": "PLN", "PH": "PHP", "IN": "INR", "JP": "JPY", "SG": "SGD"}  # fmt: skip
GREETING = {"en": ("Hi", "Thanks"), "es": ("Hola", "Gracias"), "pt": ("Olá", "Obrigado"),
            "fr": ("Bonjour", "Merci"), "de": ("Hallo", "Danke"), "pl": ("Dzień dobry", "Dziękuję"),
            "tl": ("Magandang araw", "Salamat po"), "ja": ("こんにちは", "よろしくお願いします")}  # fmt: skip


@dataclass(frozen=True)
class Topic:
    weight: int
    tags: tuple
    subjects: tuple
    body: str
    note: str  # internal note while working on it
    ask: str  # what we ask the customer before setting it pending
    hold: str  # why it goes on hold
    next_action: str
    solution: str
    first_macro: str = "Acknowledge and investigate"
    outage: bool = False


TOPICS = [
    Topic(12, ("accounts", "login"), ("Can't log in to my account", "Password reset email never arrives",
          "Locked out after too many attempts", "2FA codes not accepted"),
          "Since this morning I can't sign in and the reset email doesn't arrive (I checked spam).",
          "Auth logs: the reset emails bounced at the customer's mail provider.",
          "Which email address do you sign in with, and do you use a company single sign-on?",
          "waiting on identity team to unlock", "Confirm the customer can sign in after the manual unlock",
          "I've unlocked your account and sent a one-time sign-in link; it works for 24 hours.",
          "Password reset steps"),
    Topic(12, ("orders", "shipping"), ("Where is my order {order}?", "Order {order} still not shipped",
          "Tracking for {order} hasn't moved in 5 days"),
          "My order {order} was supposed to arrive last week and the tracking page hasn't changed.",
          "Carrier portal: parcel for {order} stuck at the regional hub since Monday.",
          "Could you confirm the delivery address and a phone number the courier can call?",
          "waiting on the carrier's investigation", "Check carrier tracking for {order} and update the customer",
          "The carrier found your parcel; it is out for delivery tomorrow.", "Shipping delay apology"),
    Topic(7, ("orders", "returns"), ("Item arrived damaged (order {order})", "Wrong size delivered in {order}",
          "Missing item in order {order}"),
          "The box for {order} was crushed and the item inside is broken. Photos attached.",
          "Photos confirm transport damage; replacement approved by warehouse.",
          "Could you send a photo of the shipping label as well?", "waiting for warehouse stock",
          "Send the prepaid return label and book the replacement for {order}",
          "A replacement ships today and a prepaid return label is in your inbox."),
    Topic(5, ("account", "privacy"), ("Please delete my account and data", "Request a copy of my personal data",
          "Change the email address on my account"),
          "I'd like you to handle this request for my account, as required by law where I live.",
          "Identity verified by the security question; privacy team ticket PRIV-{jira} opened.",
          "Can you reply from the address registered on the account so we can verify it's you?",
          "waiting on the privacy team", "Chase PRIV-{jira} with the privacy team; the legal deadline is close",
          "Done: the privacy team completed your request today."),
    Topic(6, ("mobile", "app"), ("App crashes on start after update {version}", "Notifications stopped working",
          "App stuck on the loading screen"),
          "Since updating to {version} the app closes as soon as I open it. I've reinstalled twice.",
          "Crash reports match the known issue MOB-{jira}; fix is in the next release.",
          "Which phone model and OS version are you on?", "waiting for the next app release",
          "Tell the customer when {version}.1 with the MOB-{jira} fix is in the store",
          "Version {version}.1 fixes the crash; please update from the store."),
    Topic(5, ("subscription", "retention"), ("Cancel my subscription", "How do I pause my plan?",
          "Switch my plan to annual billing"),
          "I'd like to change my subscription before the next renewal date.",
          "Customer for 3 years; eligible for the loyalty discount.",
          "Would a two-month pause at no cost work for you instead?", "waiting on retention offer approval",
          "Offer the loyalty discount before processing the cancellation",
          "Your plan change is done and confirmed by email."),
    Topic(6, ("how-to",), ("How do I export reports to CSV?", "Can I add a second user to my account?",
          "Where do I change my invoice address?"),
          "I couldn't find this in the help center. Could you point me in the right direction?",
          "Docs article exists but is outdated; flagged to knowledge team.",
          "Which page were you on when you looked for it?", "waiting on docs team",
          "Send the updated help article once the docs team publishes it",
          "Here are the steps; I've also sent the help article link."),
    Topic(6, ("billing", "payments"), ("Charged twice for order {order}", "Two payments of {amount} on my card",
          "Unknown charge of {amount}"),
          "I see two charges of {amount} for the same order {order}. Please refund one.",
          "Payment provider shows two captures for {order}; second one is a retry bug (PAY-{jira}).",
          "Could you send the last four digits of the card and the dates of both charges?",
          "waiting on payments team to void the duplicate",
          "Confirm the duplicate capture of {amount} was voided, then tell the customer",
          "We've voided the duplicate charge of {amount}; it disappears within a few days.", "Refund issued"),
    Topic(6, ("refund", "billing"), ("Refund for {order} not received", "Where is my refund of {amount}?",
          "Refund request for order {order}"),
          "I returned {order} two weeks ago and still haven't received the refund of {amount}.",
          "Return received at warehouse; refund of {amount} not yet triggered.",
          "Could you send the return tracking number?", "waiting on finance approval",
          "Check with finance that the {amount} refund was sent today", "Your refund of {amount} has been sent.",
          "Refund issued"),
    Topic(4, ("billing", "invoice"), ("Invoice shows the wrong VAT number", "Need a corrected invoice for {month}",
          "Invoice address is outdated"),
          "Our accounting team needs a corrected invoice for {month}; the VAT number is wrong.",
          "VAT number validated in VIES; invoice can be reissued.",
          "What is the correct VAT number and company name?", "waiting on finance to reissue",
          "Send the corrected {month} invoice as soon as finance reissues it",
          "The corrected invoice for {month} is attached."),
    Topic(5, ("api", "errors"), ("API returns {code} on {endpoint}", "Intermittent {code} errors from the API",
          "Timeouts on {endpoint} since yesterday"),
          "Our integration gets HTTP {code} from {endpoint} for about 5% of requests since yesterday.",
          "Traces show slow queries on {endpoint}; ENG-{jira} opened with request ids.",
          "Could you send a few request ids (X-Request-Id header) from failing calls?",
          "waiting on engineering fix ENG-{jira}", "Ask engineering for an ETA on ENG-{jira} at stand-up",
          "Engineering deployed a fix for {endpoint}; the error rate is back to normal.",
          "Escalated to our engineers"),
    Topic(3, ("api", "webhooks"), ("Webhook signatures fail verification", "Webhooks delivered twice",
          "Webhooks stopped arriving"),
          "Since this week our endpoint rejects your webhooks: the signature doesn't match.",
          "Customer verifies against the re-serialized body; shared the raw-body example.",
          "Which library do you use to verify signatures?", "waiting on engineering fix ENG-{jira}",
          "Check whether the customer's signature checks pass with the raw body",
          "Verifying the raw request body fixes it; the docs now say so too."),
    Topic(3, ("sdk", "ios"), ("iOS SDK {version} crashes on launch", "Python SDK: timeouts on large uploads",
          "Android SDK build fails with {version}"),
          "After upgrading the SDK to {version} our app crashes on launch. Stack trace attached.",
          "Reproduced with SDK {version}; regression from a dependency bump (ENG-{jira}).",
          "Could you share the full stack trace and your build settings?",
          "waiting on SDK release with ENG-{jira}", "Tell the customer when SDK {version}.1 ships",
          "SDK {version}.1 fixes the crash; please upgrade."),
    Topic(2, ("outage", "checkout"), ("Checkout fails with error 503", "Can't pay: payment page keeps spinning",
          "Is the site down?"),
          "Nobody can check out on our store right now, the payment page shows an error 503.",
          "Linked to incident INC-{jira} (checkout 503s in all regions).",
          "Is it still happening for you right now?", "waiting on incident INC-{jira}",
          "Update the customer when INC-{jira} is resolved",
          "The incident is resolved and checkout works again. Sorry for the disruption.",
          "Known outage: we're on it", outage=True),
]  # fmt: skip

EXTRA_TAGS = ["vip", "enterprise", "follow-up", "feedback"]
FOLLOW_UPS = [
    "Any update on this? It's getting urgent for us.",
    "Here is the screenshot you asked for.",
    "It happened again just now.",
    "I tried that but it still doesn't work.",
    "Thanks, one more question about this.",
]
REPLIES = [
    "Hi {customer_name},\n\nThanks, that helps. I'm checking with the team and will get back to you today."
    "\n\n{agent_name}",
    "Hi {customer_name},\n\nI've added your details to {reference}; we're still on it.\n\n{agent_name}",
    "Hi {customer_name},\n\nThanks for your patience. Here's where we are: the fix is being tested.\n\n{agent_name}",
]

STATUS_WEIGHTS = {Status.NEW: 18, Status.OPEN: 32, Status.PENDING: 16, Status.ON_HOLD: 9,
                  Status.SOLVED: 13, Status.CLOSED: 12}  # fmt: skip
# mean, shortest and longest age in minutes
AGES = {Status.NEW: (150, 3, 2 * 1440), Status.OPEN: (1.3 * 1440, 20, DAYS * 1440),
        Status.PENDING: (2 * 1440, 60, DAYS * 1440), Status.ON_HOLD: (3 * 1440, 180, DAYS * 1440),
        Status.SOLVED: (4 * 1440, 120, DAYS * 1440), Status.CLOSED: (6 * 1440, 2 * 1440, DAYS * 1440)}  # fmt: skip
CHANNELS = {Channel.EMAIL: 40, Channel.WEB: 25, Channel.CHAT: 15, Channel.PHONE: 10, Channel.API: 10}
PRIORITIES = {Priority.LOW: 20, Priority.NORMAL: 50, Priority.HIGH: 22, Priority.URGENT: 8}
# shortest and longest minutes to an agent's answer, by priority
RESPONSE = {Priority.LOW: (60, 1200), Priority.NORMAL: (20, 480), Priority.HIGH: (10, 150),
            Priority.URGENT: (3, 45)}  # fmt: skip


def _weighted(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class _Keep(dict):
    """Leaves unknown {placeholders} as they are, for a second format pass."""

    def __missing__(self, key):
        return "{" + key + "}"


def _name(user):
    return (user.get_full_name() or user.username) if user else "Meridian"


def _ascii(text):
    return "".join(c for c in unicodedata.normalize("NFKD", text) if c.isalnum() and c.isascii()).lower()


# ---- configuration -----------------------------------------------------------------------------------------


def seed_configuration():
    """SLA policies, routing rules and macros (idempotent)."""
    for priority, vip, first, following, resolution in SLA_POLICIES:
        label = f"{Priority(priority).label}{' VIP' if vip else ''}"
        SlaPolicy.objects.get_or_create(
            priority=priority,
            vip=vip,
            defaults={
                "name": label,
                "first_response_minutes": first,
                "next_response_minutes": following,
                "resolution_minutes": resolution,
            },
        )
    for position, name, channel, tag, priority, vip_only, tier in ROUTING_RULES:
        RoutingRule.objects.get_or_create(
            position=position,
            defaults={
                "name": name,
                "channel": channel,
                "tag": tag,
                "priority": priority,
                "vip_only": vip_only,
                "tier": tier,
            },
        )
    for name, body in MACROS.items():
        Macro.objects.get_or_create(name=name, defaults={"body": body})
    names = {t for topic in TOPICS for t in topic.tags} | set(EXTRA_TAGS)
    Tag.objects.bulk_create([Tag(name=n) for n in sorted(names)], ignore_conflicts=True)


def _customer_count(tickets):
    return min(tickets, max(30, tickets // 4))


def seed_customers(rng, count):
    """COUNT customers, every country among the first ones; existing emails are reused. Returns a list."""
    built = []
    for number in range(1, count + 1):
        country_row = COUNTRIES[number - 1] if number <= len(COUNTRIES) else None
        if country_row is None:
            country_row = rng.choices(COUNTRIES, weights=[row[1] for row in COUNTRIES])[0]
        country, _, languages, zones, firsts, lasts, companies, prefix = country_row
        language, locale, _ = rng.choices(languages, weights=[w for *_, w in languages])[0]
        first, last = rng.choice(firsts), rng.choice(lasts)
        company = rng.choice(companies) if rng.random() < 0.6 else ""
        built.append(
            Customer(
                name=f"{first} {last}",
                email=f"{_ascii(first)}.{_ascii(last)}.{number}@example.com",
                phone=f"{prefix} {rng.randint(200, 999)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                company=company,
                country=country,
                language=language,
                locale=locale,
                time_zone=rng.choice(zones),
                vip=rng.random() < (0.15 if company else 0.03),
                address=f"{rng.randint(1, 250)} {last} Street, {country}",
                account_id=f"ACC-{rng.randint(100000, 999999)}",
                # Test card numbers of the card schemes (Luhn-valid, never real cards).
                payment_card=rng.choice(["4111111111111111", "5555555555554444", "378282246310005"]),
            )
        )
    customers = []
    for start in range(0, len(built), BATCH):
        chunk = built[start : start + BATCH]
        Customer.objects.bulk_create(chunk, ignore_conflicts=True)
        found = Customer.objects.in_bulk([c.email for c in chunk], field_name="email")
        customers += [found[c.email] for c in chunk]
    return customers


# ---- plans: every random choice for one ticket, drawn before anything is written ---------------------------


@dataclass
class Step:
    at: dt.datetime
    op: str  # create, reply, note, customer, status, next_action, escalate
    by: str  # agent, customer or system
    data: dict = field(default_factory=dict)


@dataclass
class Plan:
    customer: Customer
    subject: str
    body: str
    channel: str
    priority: str
    tags: list
    is_critical: bool
    is_outage: bool
    status: str
    pick: int  # which agent of the team works the ticket when routing left it in the queue
    steps: list


def _script(rng, status, topic, priority, critical_later, fill):
    """[(minutes after the previous step, op, by, data)] ending in STATUS."""
    script = []

    def add(gap, op, by, **data):
        script.append((gap, op, by, data))

    def next_action(text):
        due = rng.uniform(2 * 60, 36 * 60) if rng.random() < 0.5 else None
        add(rng.uniform(1, 30), "next_action", "agent", text=text, due_in=due)

    def answer():
        return rng.uniform(*RESPONSE[priority])

    if status == Status.NEW:
        if rng.random() < 0.25:
            add(rng.uniform(20, 240), "customer", "customer", body=rng.choice(FOLLOW_UPS))
        if rng.random() < 0.2:
            add(rng.uniform(5, 60), "note", "agent", body=fill(topic.note))
        if rng.random() < 0.5:
            next_action(fill(topic.next_action))
        return script
    add(answer(), "reply", "agent", body=MACROS[topic.first_macro])
    if rng.random() < 0.5:
        add(rng.uniform(5, 120), "note", "agent", body=fill(topic.note))
    if critical_later:
        add(rng.uniform(5, 60), "escalate", "agent", critical=True, outage=topic.outage)
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        add(rng.uniform(30, 1440), "customer", "customer", body=rng.choice(FOLLOW_UPS))
        add(answer(), "reply", "agent", body=rng.choice([*REPLIES, MACROS["Ask for more details"]]))
    if status == Status.OPEN:
        if rng.random() < 0.35:
            add(rng.uniform(30, 600), "customer", "customer", body=rng.choice(FOLLOW_UPS))
    elif status == Status.PENDING:
        question = "Hi {customer_name},\n\n" + fill(topic.ask) + "\n\n{agent_name}"
        add(rng.uniform(10, 600), "reply", "agent", body=question)
        add(1, "status", "agent", to=Status.PENDING, reason="")
    elif status == Status.ON_HOLD:
        add(rng.uniform(10, 300), "note", "agent", body=fill(f"On hold: {topic.hold}. {topic.note}"))
        add(1, "status", "agent", to=Status.ON_HOLD, reason=fill(topic.hold))
    elif status == Status.CLOSED and rng.random() < 0.15:
        add(rng.uniform(5, 120), "status", "agent", to=Status.CLOSED, reason="duplicate of another ticket")
    else:  # solved, or closed after being solved
        if rng.random() < 0.3:
            next_action(fill(topic.next_action))
        solution = "Hi {customer_name},\n\n" + fill(topic.solution) + "\n\nBest,\n{agent_name}"
        add(rng.uniform(30, 1440), "reply", "agent", body=solution)
        add(1, "status", "agent", to=Status.SOLVED, reason="")
        if status == Status.CLOSED:
            add(rng.uniform(2 * 1440, 4 * 1440), "status", "system", to=Status.CLOSED, reason="no reply in 48 h")
    if status in OPEN_STATUSES and rng.random() < 0.85:
        texts = {Status.PENDING: "If no reply by tomorrow, send a reminder; close after 3 days"}
        next_action(texts.get(status, fill(topic.next_action)))
    return script


def _shape(rng, index):
    """The first draws of a plan, cheap enough to sort tickets by age: (topic, status, age in minutes)."""
    statuses = list(STATUS_WEIGHTS)
    if index < len(statuses):  # the first tickets cover every status
        topic = rng.choices(TOPICS[:-1], weights=[t.weight for t in TOPICS[:-1]])[0]
        status = statuses[index]
    else:
        topic = rng.choices(TOPICS, weights=[t.weight for t in TOPICS])[0]
        status = _weighted(rng, STATUS_WEIGHTS)
    if topic.outage:  # an incident in the last few hours: many customers write at once
        return topic, rng.choice([Status.NEW, Status.NEW, Status.OPEN, Status.ON_HOLD]), rng.uniform(30, 300)
    mean, shortest, longest = AGES[status]
    return topic, status, min(max(rng.expovariate(1 / mean), shortest), longest)


def plan_ticket(seed, index, customer, now):
    """Every choice for the INDEX-th ticket, from its own SEED so tickets can be planned in any order."""
    rng = random.Random(seed)
    topic, status, age = _shape(rng, index)
    priority = _weighted(rng, PRIORITIES)
    if customer.vip and priority in (Priority.LOW, Priority.NORMAL) and rng.random() < 0.5:
        priority = Priority.HIGH
    if topic.outage and priority != Priority.URGENT:
        priority = Priority.HIGH
    country = customer.country
    values = _Keep(
        order=f"#{rng.randint(100000, 999999)}",
        amount=f"{rng.randint(9, 480)}.{rng.choice(['00', '50', '99'])} {CURRENCY.get(country, 'EUR')}",
        version=f"{rng.randint(3, 5)}.{rng.randint(0, 12)}",
        code=rng.choice(["500", "502", "504", "429"]),
        endpoint=rng.choice(["/v2/orders", "/v2/customers", "/v2/invoices", "/v2/shipments"]),
        jira=rng.randint(1200, 9800),
        month=rng.choice(["January", "February", "March", "April", "May", "June", "July"]),
    )

    def fill(text):
        return text.format_map(values)

    hello, thanks = GREETING.get(customer.language, GREETING["en"])
    body = f"{hello},\n\n{fill(topic.body)}\n\n{thanks},\n{customer.name.split()[0]}"
    tags = list(topic.tags)
    if rng.random() < 0.15:
        tags.append("vip" if customer.vip else rng.choice(EXTRA_TAGS[1:]))
    critical = (topic.outage and customer.vip) or (priority == Priority.URGENT and rng.random() < 0.4)
    critical_later = critical and status != Status.NEW and rng.random() < 0.5
    created = now - dt.timedelta(minutes=age)
    script = [(0, "create", "customer", {})] + _script(rng, status, topic, priority, critical_later, fill)
    # Squeeze the timeline into the ticket's age when it would run past now.
    total = sum(gap for gap, *_ in script)
    scale = min(1.0, (age - 2) / total) if total else 1.0
    steps, minutes = [], 0.0
    for gap, op, by, data in script:
        minutes += gap * scale
        steps.append(Step(created + dt.timedelta(minutes=minutes), op, by, data))
    return Plan(
        customer=customer,
        subject=fill(rng.choice(topic.subjects)),
        body=body,
        channel=_weighted(rng, CHANNELS),
        priority=priority,
        tags=tags,
        is_critical=critical and not critical_later,
        is_outage=topic.outage,
        status=status,
        pick=rng.randrange(1000),
        steps=steps,
    )


# ---- routing facts loaded once, for the bulk path ----------------------------------------------------------


class _World:
    """Teams, shifts, agents, rules and policies in memory: routing a bulk ticket costs no query."""

    def __init__(self, now):
        self.now = now
        teams = list(team_list())
        start, end = now - dt.timedelta(days=DAYS + 2), now + dt.timedelta(days=16)
        self.shifts = {t.id: team_shifts(t, start, end) for t in teams}
        self.starts = {t.id: [s for s, _ in self.shifts[t.id]] for t in teams}
        self.teams = {t.id: t for t in teams}
        self.boundaries, self.routed = {}, {}
        for t in teams:
            self.boundaries.setdefault(t.tier, set()).update(i for pair in self.shifts[t.id] for i in pair)
        self.boundaries = {tier: sorted(instants) for tier, instants in self.boundaries.items()}
        agents = Agent.objects.select_related("user").prefetch_related("languages").order_by("user__username")
        self.agents = {}
        for agent in agents:
            speaks = {lang.language for lang in agent.languages.all() if lang.proficiency in GOOD_ENOUGH}
            self.agents.setdefault(agent.team_id, []).append((agent, speaks))
        open_load = (
            Ticket.objects.filter(status__in=OPEN_STATUSES, assignee__isnull=False)
            .values_list("assignee")
            .annotate(n=Count("id"))
        )
        self.load = Counter(dict(open_load))
        self.rules = list(RoutingRule.objects.all())
        self.policies = {(p.priority, p.vip): p for p in SlaPolicy.objects.all()}
        self.tags = dict(Tag.objects.values_list("name", "id"))

    def worker(self, team_id, pick):
        """The agent (a user) of the team who works a ticket that routing left in the queue."""
        members = self.agents.get(team_id, [])
        return members[pick % len(members)][0].user if members else None

    def on_shift(self, team, at):
        i = bisect_right(self.starts[team.id], at) - 1
        return i >= 0 and at < self.shifts[team.id][i][1]

    def tier(self, *, channel, tags, priority, customer):  # as routing.choose_tier
        for rule in self.rules:
            if rule.matches(channel=channel, tags=tags, priority=priority, customer=customer):
                return rule.tier, f"Tier {rule.tier} by rule “{rule.name}”"
        return 1, "Tier 1 by default (no routing rule matched)"

    def team(self, tier, at):
        """routing.choose_team, asked once per stretch of time in which no team of TIER starts or ends a shift."""
        key = (tier, bisect_right(self.boundaries.get(tier, []), at))
        if key not in self.routed:
            team, reason = choose_team(tier=tier, at=at)
            self.routed[key] = (self.teams[team.id] if team else None, reason)
        return self.routed[key]

    def assignee(self, team, language, at):  # as routing.choose_assignee
        if not self.on_shift(team, at):
            return None, f"Team queue of {team.name}: the team is off shift"
        able = [
            a for a, speaks in self.agents.get(team.id, []) if a.presence == Presence.AVAILABLE and language in speaks
        ]
        for agent in sorted(able, key=lambda a: (self.load[a.user_id], a.user.username)):
            load = self.load[agent.user_id]
            if load < agent.capacity:
                return agent.user, (
                    f"Assigned to {agent}: available, speaks {language} at B2 or better, "
                    f"least loaded ({load} of {agent.capacity} open)"
                )
        return None, f"Team queue of {team.name}: no available agent speaking {language} with free capacity"


# ---- the service path --------------------------------------------------------------------------------------


def _run_services(plans, world, tick):
    """Replay the plans through the ticket services, every step of every ticket in time order.

    The scheduler's SLA check runs between steps, so warnings and breaches land on the timelines close to
    when they happened.
    """
    order = sorted((step.at, p, k) for p, plan in enumerate(plans) for k, step in enumerate(plan.steps))
    tickets, left, checked = {}, [len(plan.steps) for plan in plans], None
    for at, p, k in order:
        if checked is None or at - checked >= CHECK_EVERY:
            sla_check_due(now=at)
            checked = at
        plan, step = plans[p], plans[p].steps[k]
        if step.op == "create":
            tickets[p] = services.ticket_create(
                customer=plan.customer,
                subject=plan.subject,
                body=plan.body,
                channel=plan.channel,
                priority=plan.priority,
                tags=plan.tags,
                is_critical=plan.is_critical,
                is_outage=plan.is_outage,
                at=at,
            )
        else:
            tickets[p] = _service_step(tickets[p], plan, step, world)
        left[p] -= 1
        if not left[p]:
            tick()
    return list(tickets.values())


def _service_step(ticket, plan, step, world):
    actor, at, data = None, step.at, step.data
    if step.by == "agent":
        actor = ticket.assignee or world.worker(ticket.team_id, plan.pick)
        if ticket.assignee is None and actor is not None:
            ticket = services.ticket_assign(ticket=ticket, assignee=actor, actor=actor, at=at)

    def text(body):
        return body.format(customer_name=plan.customer.name, agent_name=_name(actor), reference=ticket.reference)

    if step.op in ("reply", "note"):
        return services.ticket_reply(
            ticket=ticket, body=text(data["body"]), actor=actor, internal=step.op == "note", at=at
        )
    if step.op == "customer":
        return services.ticket_customer_message(ticket=ticket, body=data["body"], at=at)
    if step.op == "status":
        return services.ticket_set_status(ticket=ticket, status=data["to"], actor=actor, at=at, reason=data["reason"])
    if step.op == "next_action":
        due = at + dt.timedelta(minutes=data["due_in"]) if data["due_in"] else None
        return services.ticket_set_next_action(ticket=ticket, text=data["text"], actor=actor, due_at=due, at=at)
    return services.ticket_set_escalation(
        ticket=ticket, critical=data["critical"], outage=data["outage"], actor=actor, at=at
    )


# ---- the bulk path -----------------------------------------------------------------------------------------
#
# Going through the services costs dozens of queries per change, so 100k tickets would take hours; a demo of
# that size must seed in a few minutes. _Draft therefore plays a plan in memory with the services' rules and
# produces the same rows they would write (ticket fields, timeline events with the same kinds, summaries and
# data, SLA segments and flags), which are then written with bulk_create. Two simplifications: SLA time is
# wall time (no shift calendars or pauses), and no notifications are queued.


class _Draft:
    def __init__(self, plan, world):
        self.plan, self.world = plan, world
        self.events, self.segments, self.left_open_at, self.pending_since = [], [], None, None
        customer, at = plan.customer, plan.steps[0].at
        tags = sorted({t.strip().lower() for t in plan.tags if t.strip()})
        tier, tier_reason = world.tier(channel=plan.channel, tags=tags, priority=plan.priority, customer=customer)
        policy = world.policies.get((plan.priority, True)) if customer.vip else None
        self.ticket = t = Ticket(
            subject=plan.subject,
            status=Status.NEW,
            priority=plan.priority,
            tier=tier,
            channel=plan.channel,
            customer=customer,
            language=customer.language,
            is_critical=plan.is_critical,
            is_outage=plan.is_outage,
            created_at=at,
            updated_at=at,
            last_customer_message_at=at,
            sla_policy=policy or world.policies.get((plan.priority, False)),
        )
        self.tag_ids = [world.tags[n] for n in tags]
        channel = Channel(plan.channel).label.lower()
        self.event(at, EventKind.CREATED, None, f"Created from {channel}", data={"tags": tags})
        self.event(at, EventKind.CUSTOMER_MESSAGE, None, customer.name, body=plan.body)
        self.event(at, EventKind.ROUTING, None, tier_reason, data={"tier": tier})
        team, team_reason = world.team(tier, at)
        if team is not None:
            t.team = team
            self.segment_switch(at)
        routed = {"team": team.code if team else None}
        self.event(at, EventKind.ROUTING, None, f"Routed on arrival: {team_reason}", data=routed)
        if team is not None:
            t.assignee, reason = world.assignee(team, t.language, at)
            username = t.assignee.username if t.assignee else None
            self.event(at, EventKind.ROUTING, None, reason, data={"assignee": username})
        for step in plan.steps[1:]:
            self.play(step)
        self.sla(world.now)
        if t.status in OPEN_STATUSES and t.assignee_id:
            world.load[t.assignee_id] += 1

    def event(self, at, kind, actor, summary, body="", data=None):
        self.events.append((at, kind, actor, summary[:300], body, data or {}))

    def segment_switch(self, at):  # as sla.segment_switch
        t = self.ticket
        if t.team_id is not None:
            self.segments.append((t.team, at, t.status == Status.PENDING or t.status not in OPEN_STATUSES))

    def change_status(self, status, actor, at, reason=""):  # as services._change_status
        t, previous = self.ticket, Status(self.ticket.status)
        t.status = status
        if status == Status.SOLVED:
            t.solved_at = at
        elif status in OPEN_STATUSES:
            t.solved_at = None
        if (previous == Status.PENDING) != (status == Status.PENDING) or status not in OPEN_STATUSES:
            self.segment_switch(at)
        self.pending_since = at if status == Status.PENDING else None
        if status not in OPEN_STATUSES and self.left_open_at is None:
            self.left_open_at = at
        summary = f"{previous.label} → {status.label}" + (f" ({reason})" if reason else "")
        self.event(at, EventKind.STATUS, actor, summary, data={"from": previous.value, "to": status.value})

    def play(self, step):
        t, at, data, actor = self.ticket, step.at, step.data, None
        if step.by == "agent":
            actor = t.assignee or self.world.worker(t.team_id, self.plan.pick)
            if t.assignee is None and actor is not None:
                t.assignee = actor
                summary = f"Assigned to {_name(actor)} by {_name(actor)}"
                self.event(at, EventKind.ASSIGNEE, actor, summary, data={"to": actor.username})
        name = _name(actor)
        body = data.get("body", "").format_map(_Keep(customer_name=self.plan.customer.name, agent_name=name))
        if step.op == "reply":
            self.event(at, EventKind.REPLY, actor, name, body=body)
            t.first_response_at = t.first_response_at or at
            t.last_public_reply_at = at
            if t.status == Status.NEW:
                self.change_status(Status.OPEN, actor, at, "first reply")
        elif step.op == "note":
            self.event(at, EventKind.NOTE, actor, name, body=body)
        elif step.op == "customer":
            self.event(at, EventKind.CUSTOMER_MESSAGE, None, self.plan.customer.name, body=body)
            t.last_customer_message_at = at
            if t.status in (Status.PENDING, Status.SOLVED, Status.ON_HOLD):
                self.change_status(Status.OPEN, None, at, "customer replied")
        elif step.op == "status":
            if t.status != data["to"]:
                self.change_status(Status(data["to"]), actor, at, data["reason"])
        elif step.op == "next_action":
            due = at + dt.timedelta(minutes=data["due_in"]) if data["due_in"] else None
            t.next_action, t.next_action_due_at = data["text"], due
            t.next_action_set_by, t.next_action_set_at = actor, at
            note = {"text": data["text"], "due_at": due.isoformat() if due else None}
            self.event(at, EventKind.NEXT_ACTION, actor, f"Next Action: {data['text']}", data=note)
        elif (t.is_critical, t.is_outage) != (data["critical"], data["outage"]):
            t.is_critical, t.is_outage = data["critical"], data["outage"]
            flags = [f for f, on in (("critical", t.is_critical), ("outage-related", t.is_outage)) if on]
            escalation = {"critical": t.is_critical, "outage": t.is_outage}
            self.event(at, EventKind.ESCALATION, actor, "Flags: " + (", ".join(flags) or "none"), data=escalation)
        t.updated_at = at

    def sla(self, now):
        """SLA fields as of NOW, and the warnings and breaches a timely check would have recorded."""
        t, policy = self.ticket, self.ticket.sla_policy
        if policy is None:
            t.sla_state = SlaState.NONE
            return
        stop = self.left_open_at or self.pending_since or now
        targets = [("first_response", t.created_at, policy.first_response_minutes, t.first_response_at)]
        last_reply = t.last_public_reply_at or t.first_response_at
        if t.first_response_at and t.last_customer_message_at > last_reply:
            start = t.last_customer_message_at
            targets.append((f"next_response@{start:%Y%m%dT%H%M%S}", start, policy.next_response_minutes, None))
        targets.append(("resolution", t.created_at, policy.resolution_minutes, None))
        region = t.team.region.code if t.team else None
        states, dues, checks = [], [], []
        for key, start, minutes, answered in targets:
            end = min(answered or stop, stop)
            warn = start + dt.timedelta(minutes=minutes * policy.warning_share)
            due = start + dt.timedelta(minutes=minutes)
            for level, kind, instant in (
                ("warning", EventKind.SLA_WARNING, warn),
                ("breach", EventKind.SLA_BREACH, due),
            ):
                if instant < end:
                    self.sla_event(kind, key.partition("@")[0], region, start, instant, minutes)
                    t.sla_flags = [*t.sla_flags, f"{key}:{level}"]
            if answered is None or answered > stop:  # still running when the ticket stopped or now
                states.append(SlaState.BREACHED if due <= stop else SlaState.WARNING if warn <= stop else SlaState.OK)
                dues.append((due, key.partition("@")[0]))
                checks += [c for c in (warn, due) if c > now]
        order = (SlaState.BREACHED, SlaState.WARNING, SlaState.OK)
        t.sla_state = next((s for s in order if s in states), SlaState.NONE)
        future = [d for d in dues if d[0] > stop] or dues
        t.sla_due_at, t.sla_target = min(future) if future else (None, "")
        t.sla_next_check_at = min(checks) if checks else None
        if t.status == Status.PENDING:
            t.sla_state, t.sla_due_at, t.sla_target, t.sla_next_check_at = SlaState.PAUSED, None, "", None
        elif t.status not in OPEN_STATUSES:
            t.sla_due_at = t.sla_next_check_at = None

    def sla_event(self, kind, target, region, start, at, minutes):
        used = {region: round((at - start).total_seconds())} if region else {}
        word = "breached" if kind == EventKind.SLA_BREACH else "at warning level"
        split = ", ".join(f"{code} {secs // 60} min" for code, secs in used.items())
        data = {"target": target, "used_by_region": used, "attributed_to": region, "target_seconds": minutes * 60}
        summary = f"SLA {target.replace('_', ' ')} {word}; time used by region: {split or 'none'}"
        self.event(at, kind, None, summary, data=data)

    def rows(self):
        t, reference = self.ticket, self.ticket.reference
        events = [
            TicketEvent(
                ticket_id=t.pk,
                kind=kind,
                created_at=at,
                actor_id=actor.pk if actor else None,
                summary=summary,
                body=body.replace("{reference}", reference),
                data=data,
            )
            for at, kind, actor, summary, body, data in sorted(self.events, key=lambda e: e[0])
        ]
        segments = [
            SlaSegment(ticket_id=t.pk, team_id=team.id, region_id=team.region_id, started_at=s, paused=p)
            for team, s, p in self.segments
        ]
        tags = [Ticket.tags.through(ticket_id=t.pk, tag_id=tag) for tag in self.tag_ids]
        return events, segments, tags


def _write_bulk(plans, world, tick):
    with transaction.atomic():
        drafts = [_Draft(plan, world) for plan in plans]
        Ticket.objects.bulk_create([d.ticket for d in drafts], batch_size=BATCH)
        events, segments, tags = [], [], []
        for draft in drafts:
            e, s, g = draft.rows()
            events += e
            segments += s
            tags += g
        TicketEvent.objects.bulk_create(events, batch_size=BATCH)
        SlaSegment.objects.bulk_create(segments, batch_size=BATCH)
        Ticket.tags.through.objects.bulk_create(tags, batch_size=BATCH)
    tick(len(plans))


# ---- the whole seeding -------------------------------------------------------------------------------------


def progress_steps(tickets):
    """How many times seed_tickets calls its PROGRESS callback."""
    return 2 + min(tickets, 100)


class _Ticker:
    """Calls PROGRESS `steps` times in all as COUNT tickets get done."""

    def __init__(self, progress, count):
        self.progress, self.count, self.done, self.called = progress, count, 0, 0
        self.steps = min(count, 100)

    def __call__(self, n=1):
        self.done += n
        while self.called < self.steps and self.done * self.steps >= (self.called + 1) * self.count:
            self.called += 1
            self.progress(f"tickets {self.done}/{self.count}")


def seed_tickets(rng, *, count, now, progress):
    """SLA policies, rules, macros, customers and COUNT tickets over the last days; returns a summary line."""
    with transaction.atomic():
        seed_configuration()
    progress("SLA policies, routing rules, macros")
    with transaction.atomic():
        customers = seed_customers(rng, _customer_count(count))
    progress("customers")
    seeds = [rng.getrandbits(64) for _ in range(count)]
    # Every customer writes at least once; some write often.
    owners = [customers[i if i < len(customers) else int(len(customers) * rng.random() ** 2)] for i in range(count)]
    shapes = [_shape(random.Random(seed), i) for i, seed in enumerate(seeds)]
    tick = _Ticker(progress, count)
    served = min(count, SERVICE_TICKETS)
    if served:
        plans = [plan_ticket(seeds[i], i, owners[i], now) for i in range(served)]
        with transaction.atomic():
            _run_services(plans, _World(now), tick)
            sla_check_due(now=now)
    if count > served:
        world = _World(now)  # loaded after the service path, which changed the agents' load
        # Oldest first, so references grow with creation time.
        rest = sorted(range(served, count), key=lambda i: -shapes[i][2])
        for start in range(0, len(rest), BATCH):
            chunk = rest[start : start + BATCH]
            _write_bulk([plan_ticket(seeds[i], i, owners[i], now) for i in chunk], world, tick)
    countries = {c.country for c in owners}
    still_open = sum(status in OPEN_STATUSES for _, status, _ in shapes)
    return (
        f"Tickets: {count} ({still_open} open) for {len({c.pk for c in owners})} customers "
        f"in {len(countries)} countries"
    )


# ---- history for recurring-issue trends (qa.trends compares a week with the four before) ---------------------


def seed_history(rng, *, tickets, week_start, weeks):
    """Closed copies of TICKETS (a queryset: the last seven days of one region and market) in each of the WEEKS
    weeks before the one starting WEEK_START, with their tags; about one in five is copied twice, so the weeks
    differ. A ticket of this week keeps its weekday and hour; an older one keeps its time and moves one week less.
    Each copy's timeline: created, the customer's first message, closed. Returns how many copies were written."""
    first = {
        e.ticket_id: e.body
        for e in TicketEvent.objects.filter(ticket__in=tickets, kind=EventKind.CUSTOMER_MESSAGE).order_by("-id")
    }
    originals = list(tickets.prefetch_related("tags").order_by("created_at", "id"))
    copies = []
    for k in range(1, weeks + 1):
        for t in originals:
            at = t.created_at - dt.timedelta(weeks=k if t.created_at >= week_start else k - 1)
            for _ in range(2 if rng.random() < 0.2 else 1):
                copies.append((t, at))
    with transaction.atomic():
        return _write_copies(copies, first)


def _write_copies(copies, first):
    made = Ticket.objects.bulk_create(
        [
            Ticket(
                subject=t.subject,
                status=Status.CLOSED,
                priority=t.priority,
                tier=t.tier,
                channel=t.channel,
                customer_id=t.customer_id,
                language=t.language,
                team_id=t.team_id,
                created_at=at,
                updated_at=at + dt.timedelta(days=2),
                last_customer_message_at=at,
            )
            for t, at in copies
        ],
        batch_size=BATCH,
    )
    events, tags = [], []
    for ticket, (t, at) in zip(made, copies, strict=True):
        closed = at + dt.timedelta(days=2)
        events += [
            TicketEvent(ticket=ticket, kind=EventKind.CREATED, created_at=at, summary="Created (earlier weeks)"),
            TicketEvent(ticket=ticket, kind=EventKind.CUSTOMER_MESSAGE, created_at=at, body=first.get(t.pk, "")),
            TicketEvent(
                ticket=ticket,
                kind=EventKind.STATUS,
                created_at=closed,
                summary="New → Closed",
                data={"from": Status.NEW, "to": Status.CLOSED},
            ),
        ]
        tags += [Ticket.tags.through(ticket_id=ticket.pk, tag_id=tag.pk) for tag in t.tags.all()]
    TicketEvent.objects.bulk_create(events, batch_size=BATCH)
    Ticket.tags.through.objects.bulk_create(tags, batch_size=BATCH)
    return len(made)
