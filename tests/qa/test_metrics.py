"""The metric definitions on hand-built data with known answers (see qa/metrics.py and docs/qa.md)."""

import datetime as dt

import pytest

from handoff.models import Handoff, HandoffRun
from qa.metrics import first_contact_resolved, handle_time, metrics_trend, metrics_week
from qa.models import QaSettings
from qa.reviews import review_create
from qa.sampling import week_start
from qa.surveys import survey_answer, survey_create
from regions.models import Team
from tickets.models import SlaPolicy, Ticket
from tickets.services import ticket_customer_message, ticket_set_status

from .conftest import T0, conversation, points

pytestmark = pytest.mark.django_db
MIN = dt.timedelta(minutes=1)
WEEK = week_start(T0)


def _row(rows, label):
    return next(r for r in rows if r["label"] == label)


@pytest.fixture
def week(world):
    """One UTC week of Manila and Dublin work with hand-counted answers."""
    SlaPolicy.objects.create(
        name="Normal", priority="normal", first_response_minutes=6000, next_response_minutes=6000,
        resolution_minutes=60000,
    )  # fmt: skip
    mnl, dub = world["teams"]["mnl"], world["teams"]["dub"]
    agent, other = world["agent.mnl"], world["agent.dub"]
    # A: German customer, one reply, solved. Work T0..T0+6 min: one session, 6 + 3 = 9 min. FCR.
    a = conversation(agent=agent, team=mnl, country="DE")
    # B: US customer, two replies. Work T0..T0+11 min: 14 min. Not FCR. SLA breached.
    b = conversation(agent=agent, team=mnl, country="US", language="en", replies=2)
    Ticket.objects.filter(pk=b.pk).update(sla_flags=["resolution:breach"])
    # C: German customer, one reply, solved, reopened by the customer a day later, solved again: 9 + 3 = 12 min.
    c = conversation(agent=agent, team=mnl, country="DE")
    ticket_customer_message(ticket=c, body="Still broken", at=T0 + dt.timedelta(days=1))
    ticket_set_status(ticket=c, status="solved", actor=agent, at=T0 + dt.timedelta(days=1, minutes=10))
    # D, E: Dublin, a Mexican and an Irish customer, one reply each: FCR, 9 min each.
    d = conversation(agent=other, team=dub, country="MX", language="es")
    e = conversation(agent=other, team=dub, country="IE", language="en")

    dach, na = world["rubrics"]["dach"], world["rubrics"]["na"]
    c_ = {c.name: c.pk for c in dach.criteria.all()}
    scores = {
        c_["Brevity"]: (3, ""),
        c_["Customer effort"]: (5, ""),
        c_["Accuracy"]: (4, ""),
        c_["Security and privacy"]: (2, ""),
    }
    review_create(ticket=a, scores=scores, actor=world["lead.mnl"], at=T0 + dt.timedelta(days=2))  # 80.0
    review_create(ticket=b, scores=points(na), actor=world["lead.mnl"], at=T0 + dt.timedelta(days=2))  # 100.0

    answer_at = T0 + dt.timedelta(days=3)
    for t, score, nps in [(a, 6, 10), (b, 2, 3), (d, 5, 9), (e, 3, None)]:
        survey = survey_create(ticket_id=t.pk, now=T0)
        survey_answer(survey=survey, score=score, nps=nps, at=answer_at)
    survey_create(ticket_id=c.pk, now=T0)  # sent, never answered

    run = HandoffRun.objects.create(team=mnl, boundary_at=T0 + dt.timedelta(hours=8), started_at=T0, blocked=1, moved=2)
    at = run.boundary_at
    Handoff.objects.create(run=run, ticket=a, outcome="blocked", reason="no note", from_team=mnl, created_at=at)
    Handoff.objects.create(run=run, ticket=b, outcome="moved", reason="ok", from_team=mnl, created_at=at, moved_at=at)
    Handoff.objects.create(
        run=run, ticket=c, outcome="moved", reason="later", from_team=mnl, created_at=at, moved_at=at + 30 * MIN
    )
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def test_team_figures(world, week):
    rows = metrics_week(teams=Team.objects.all(), start=WEEK, dimension="team")
    manila, dublin = _row(rows, "Manila T1"), _row(rows, "Dublin T1")
    assert manila | {"key": None, "label": None} == {
        "key": None,
        "label": None,
        "qa": 90.0,  # (80 + 100) / 2
        "reviews": 2,
        "csat": None,
        "csat_answers": 0,
        "ces": 4.0,  # (6 + 2) / 2
        "ces_answers": 2,
        "nps": 0.0,  # one promoter (10), one detractor (3)
        "nps_answers": 2,
        "fcr": 33.3,  # A only, of A, B, C
        "solved": 3,
        "aht": 11.7,  # (9 + 14 + 12) / 3
        "sla": 66.7,  # B breached
        "blocked": 66.7,  # A blocked, C blocked then moved, B moved
        "handoffs": 3,
        # (30 x 0.9 + 25 x 0.333 + 15 x 0.667 + 10 x min(1, 20 / 11.7)) / (30 + 25 + 15 + 10)
        "balanced": 69.2,
    }
    assert (dublin["csat"], dublin["nps"], dublin["fcr"], dublin["aht"], dublin["qa"]) == (
        50.0,
        100.0,
        100.0,
        9.0,
        None,
    )
    assert dublin["balanced"] == round(100 * (20 * 0.5 + 25 * 1 + 15 * 1 + 10 * 1) / 70, 1)


def test_market_vendor_region_and_agent_figures(world, week):
    teams = Team.objects.all()
    markets = metrics_week(teams=teams, start=WEEK, dimension="market")
    dach, na = _row(markets, "DACH"), _row(markets, "North America")
    assert (dach["fcr"], dach["aht"], dach["qa"], dach["ces"], dach["blocked"]) == (50.0, 10.5, 80.0, 6.0, 100.0)
    assert (na["fcr"], na["aht"], na["qa"], na["ces"], na["blocked"]) == (0.0, 14.0, 100.0, 2.0, 0.0)
    assert _row(markets, "LATAM")["csat"] == 100.0 and _row(markets, "Default")["csat"] == 0.0

    vendors = metrics_week(teams=teams, start=WEEK, dimension="vendor")
    assert _row(vendors, "Lumen BPO")["aht"] == 11.7
    regions = metrics_week(teams=teams, start=WEEK, dimension="region")
    assert _row(regions, "Dublin")["solved"] == 2

    agents = metrics_week(teams=teams, start=WEEK, dimension="agent")
    manila_agent = next(r for r in agents if r["key"] == world["agent.mnl"].pk)
    assert (manila_agent["qa"], manila_agent["fcr"], manila_agent["blocked"]) == (90.0, 33.3, None)


def test_scope_weeks_and_weights(world, week):
    # a lead sees only the teams they lead
    led = Team.objects.filter(leads=world["lead.dub"])
    assert [r["label"] for r in metrics_week(teams=led, start=WEEK, dimension="team")] == ["Dublin T1"]
    # the week before and after hold nothing of it
    assert metrics_week(teams=Team.objects.all(), start=WEEK - dt.timedelta(days=7), dimension="team") == []
    trend = metrics_trend(teams=Team.objects.all(), end_week=WEEK + dt.timedelta(days=7), weeks=2)
    assert [(start, row and row["solved"]) for start, row in trend] == [(WEEK, 5), (WEEK + dt.timedelta(days=7), None)]
    # admins' weights change the balanced score: speed only
    QaSettings.objects.filter(pk=QaSettings.current().pk).update(
        weight_qa=0, weight_csat=0, weight_fcr=0, weight_sla=0, weight_speed=1, aht_target_minutes=7
    )
    manila = _row(metrics_week(teams=Team.objects.all(), start=WEEK, dimension="team"), "Manila T1")
    assert manila["balanced"] == round(100 * 7 / 11.7, 1)


def test_handle_time_sessions():
    at = T0
    events = [{"created_at": at + n * MIN} for n in (0, 4, 14, 40)]
    # 0..14 is one session (gaps of 4 and 10 minutes): 14 + 3; 40 alone: 3
    assert handle_time(events) == 20 * MIN
    assert handle_time([]) == dt.timedelta()


def test_first_contact_resolution_rules():
    def status(at, old, new):
        return {"kind": "status", "created_at": at, "data": {"from": old, "to": new}}

    reply = {"kind": "reply", "created_at": T0, "data": {}}
    solved = status(T0 + MIN, "open", "solved")
    assert first_contact_resolved([reply, solved])
    assert not first_contact_resolved([reply, reply, solved])
    assert not first_contact_resolved([reply, solved, status(T0 + dt.timedelta(days=6), "solved", "open")])
    late_reopen = status(T0 + dt.timedelta(days=8), "solved", "open")
    assert first_contact_resolved([reply, solved, late_reopen, status(T0 + dt.timedelta(days=9), "open", "solved")])
    assert first_contact_resolved([reply, solved, status(T0 + dt.timedelta(days=1), "solved", "closed")])
