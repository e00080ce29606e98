"""QA demo data for `seed_demo`: markets, published rubrics (DACH/NA brevity, LATAM/APAC rapport, a default), then
reviews, a dispute, survey answers, last week's sample and a calibration session over the seeded tickets."""

import datetime as dt
import math

from django.contrib.auth import get_user_model
from django.utils import timezone

from regions.models import Team
from tickets import demo as tickets_demo
from tickets.models import Channel, EventKind, Status, Ticket
from tickets.services import ticket_create, ticket_move_to_team

from .calibration import calibration_score, session_close, session_create
from .models import Criterion, Market, Review, Rubric, RubricStatus, SurveyKind
from .reviews import dispute_raise, review_create, rubric_for_ticket
from .sampling import samples_run, week_start
from .surveys import survey_answer, survey_create
from .trends import BASELINE_WEEKS, spike_threshold, trend_report

FIVE = ["Poor", "Weak", "Adequate", "Good", "Excellent"]
ACCURACY = (
    "Accuracy",
    30,
    ["Wrong or harmful answer", "Partly wrong", "Right, with gaps", "Right", "Right and complete"],
)
COMPLIANCE = ("Security and privacy", 10, ["Broke a rule (identity, data)", "Followed every rule"], True)

MARKETS = [
    # code, name, countries, survey kind, criteria [(name, weight, points[, auto-fail])]
    ("dach", "DACH", ["DE", "AT", "CH", "LI"], SurveyKind.CES, [
        ("Brevity", 25, ["Rambling", "Long-winded", "Acceptable", "To the point", "Short and complete"]),
        ("Customer effort", 35, ["Customer did the work", "Several back-and-forths", "Some effort", "Little effort",
                                 "Solved in one go"]),
        ACCURACY, COMPLIANCE,
    ]),
    ("na", "North America", ["US", "CA"], SurveyKind.CES, [
        ("Brevity", 25, ["Rambling", "Long-winded", "Acceptable", "To the point", "Short and complete"]),
        ("Customer effort", 35, ["Customer did the work", "Several back-and-forths", "Some effort", "Little effort",
                                 "Solved in one go"]),
        ACCURACY, COMPLIANCE,
    ]),
    ("latam", "LATAM", ["MX", "BR", "AR", "CL", "CO", "PE", "UY", "EC", "BO", "PY", "VE"], SurveyKind.CSAT, [
        ("Rapport", 30, ["Cold", "Distant", "Polite", "Warm", "Personal and warm"]),
        ("Empathy", 30, ["Ignored feelings", "Formulaic", "Acknowledged", "Understood", "Made them feel heard"]),
        ACCURACY, COMPLIANCE,
    ]),
    ("apac", "APAC", ["JP", "PH", "IN", "SG", "AU", "NZ", "KR", "CN", "TH", "VN", "ID", "MY"], SurveyKind.CSAT, [
        ("Rapport", 30, ["Cold", "Distant", "Polite", "Warm", "Respectful and warm"]),
        ("Empathy", 30, ["Ignored feelings", "Formulaic", "Acknowledged", "Understood", "Made them feel heard"]),
        ACCURACY, COMPLIANCE,
    ]),
    ("default", "Default", [], SurveyKind.CSAT, [
        ("Clarity", 30, FIVE),
        ("Empathy", 30, FIVE),
        ACCURACY, COMPLIANCE,
    ]),
]  # fmt: skip


def seed_rubrics(*, now=None, actor=None):
    """Markets and a published version 1 of each market's rubric (left alone when present). Returns {code: Rubric}."""
    now = now or timezone.now()
    rubrics = {}
    for code, name, countries, kind, criteria in MARKETS:
        market, _ = Market.objects.get_or_create(
            code=code,
            defaults={"name": name, "countries": countries, "survey_kind": kind, "is_default": code == "default"},
        )
        rubric, created = Rubric.objects.get_or_create(
            market=market,
            version=1,
            defaults={
                "name": f"{name} scorecard",
                "status": RubricStatus.PUBLISHED,
                "created_at": now,
                "published_at": now,
                "created_by": actor,
            },
        )
        if created:
            Criterion.objects.bulk_create(
                Criterion(
                    rubric=rubric,
                    position=i,
                    name=c[0],
                    weight=c[1],
                    scale=len(c[2]),
                    point_descriptions=c[2],
                    auto_fail=len(c) > 3 and c[3],
                )
                for i, c in enumerate(criteria, start=1)
            )
        rubrics[code] = rubric
    return rubrics


def _points(rng, rubric):
    return {
        c.pk: (c.scale if c.auto_fail else rng.randint(max(1, c.scale - 3), c.scale), "") for c in rubric.criteria.all()
    }


def seed_qa(rng, *, now=None):
    """Reviews, surveys, a sample and a calibration session over the seeded tickets. Returns a summary line."""
    now = now or timezone.now()
    User = get_user_model()
    seed_rubrics(now=now)
    solved = list(
        Ticket.objects.filter(status__in=[Status.SOLVED, Status.CLOSED], assignee__agent__isnull=False)
        .filter(events__kind=EventKind.REPLY)
        .select_related("customer", "assignee__agent__team")
        .distinct()
        .order_by("pk")[:60]
    )
    reviews = surveys = 0
    for i, ticket in enumerate(solved):
        lead = ticket.assignee.agent.team.leads.order_by("pk").first()
        if lead is not None and i % 2 == 0 and not Review.objects.filter(ticket=ticket, reviewer=lead).exists():
            review_create(
                ticket=ticket, scores=_points(rng, rubric_for_ticket(ticket)), actor=lead, at=ticket.solved_at
            )
            reviews += 1
        survey = survey_create(ticket_id=ticket.pk, now=ticket.solved_at or now)
        if survey is not None and survey.answered_at is None and survey.expires_at > now and i % 3 != 2:
            top = 7 if survey.kind == SurveyKind.CES else 5
            survey_answer(
                survey=survey,
                score=rng.randint(max(1, top - 4), top),
                nps=rng.randint(4, 10) if survey.asks_nps else None,
                at=min(now, (ticket.solved_at or now) + dt.timedelta(hours=2)),
            )
            surveys += 1
    first = Review.objects.filter(session__isnull=True, agent__isnull=False).order_by("pk").first()
    if first is not None and not hasattr(first, "dispute"):
        dispute_raise(review=first, reason="The customer asked for the long explanation.", actor=first.agent)
    sampled = samples_run(now=now)
    leads = list(User.objects.filter(led_teams__isnull=False).distinct().order_by("username")[:3])
    if len(leads) == 3 and len(solved) >= 2 and not leads[0].calibration_sessions.exists():
        session = session_create(name="Demo calibration", tickets=solved[:2], reviewers=leads[1:], actor=leads[0])
        for ticket in solved[:2]:
            rubric = rubric_for_ticket(ticket)
            calibration_score(
                session=session, ticket=ticket, scores=_points(rng, rubric), actor=leads[0], reference=True
            )
            for reviewer in leads[1:]:
                calibration_score(session=session, ticket=ticket, scores=_points(rng, rubric), actor=reviewer)
        session_close(session=session, actor=leads[0])
    trends = seed_trends(rng, now=now)
    return f"Quality: {reviews} reviews, {surveys} survey answers, {sampled} tickets sampled for review\n{trends}"


# Recurring-issue trends: four weeks of history for one region and market, and a spike of double charges this week.
SPIKE_REGION, SPIKE_MARKET = "mex", "latam"
SPIKE_TAG, SPIKE_TAGS = "payments", ("billing", "payments")
SPIKE_SUBJECT = "Cobro doble en mi pedido {order}"
SPIKE_BODY = "Hola,\n\nVeo dos cargos por el mismo pedido {order} en mi tarjeta. ¿Pueden devolver uno?\n\nGracias"
HISTORY_BASIS = 30  # tickets of the last seven days below which there is too little to copy into a history
SPIKE_TICKETS = 15  # this week's count of the tag at least, and half as much again as the rule's threshold


def seed_trends(rng, *, now):
    """The weeks before this one for Mexico City · LATAM (closed copies of its last seven days, so every tag there
    has a steady baseline), then this week's spike of double charges there, through the ticket services: as many
    as it takes to pass the spike rule with a margin. Other regions and markets have no four-week history, so the
    rule flags nothing there. Returns a summary line."""
    market = Market.objects.filter(code=SPIKE_MARKET).first()
    teams = {
        t.tier: t for t in Team.objects.filter(region__code=SPIKE_REGION).select_related("region").order_by("-code")
    }
    recent = Ticket.objects.filter(
        team__region__code=SPIKE_REGION,
        customer__country__in=market.countries if market else [],
        created_at__gte=now - dt.timedelta(days=7),
    )
    basis = recent.count()
    # The spike's customers write in Spanish, as its tickets do.
    spanish = recent.filter(customer__language="es").select_related("customer")
    customers = sorted({t.customer for t in spanish}, key=lambda c: c.pk)
    if not teams or basis < HISTORY_BASIS or not customers:
        return f"Trends: too few tickets of {SPIKE_REGION} · {SPIKE_MARKET} for a history ({basis}); no spike seeded"
    week = week_start(now)
    copies = tickets_demo.seed_history(rng, tickets=recent, week_start=week, weeks=BASELINE_WEEKS)
    markets = list(Market.objects.all())
    (group,) = trend_report(
        teams=Team.objects.all(), week=week, markets=markets, region=SPIKE_REGION, market=market.code
    )
    item = next((i for i in group.items if i.kind == "tag" and i.name == SPIKE_TAG), None)
    count, threshold = (item.count, spike_threshold(item.weeks[:-1])) if item else (0, 0)
    spike = max(SPIKE_TICKETS, math.ceil(1.5 * threshold)) - count
    for i in range(spike):
        at = week + (now - week) * (i + 1) / (spike + 1)
        order = f"#{rng.randint(100000, 999999)}"
        ticket = ticket_create(
            customer=customers[i % len(customers)],
            subject=SPIKE_SUBJECT.format(order=order),
            body=SPIKE_BODY.format(order=order),
            channel=Channel.WEB,
            tags=SPIKE_TAGS,
            at=at,
        )
        if ticket.region is None or ticket.region.code != SPIKE_REGION:
            team = teams.get(ticket.tier) or next(iter(teams.values()))
            ticket_move_to_team(ticket=ticket, team=team, actor=None, reason="Spanish-speaking billing desk", at=at)
    region = next(iter(teams.values())).region
    return (
        f"Trends: {copies} closed tickets of {region.name} · {market.name} over the {BASELINE_WEEKS} weeks "
        f"before, and a spike of {spike} double charges (tag “{SPIKE_TAG}”) this week"
    )
