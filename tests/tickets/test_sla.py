"""SLA clocks on the owning region's calendar, pauses, warnings, breaches and their attribution."""

import datetime as dt

import pytest

from regions.models import Rotation
from tests.factories import AgentFactory, CustomerFactory, RegionFactory, TeamFactory, shift_pattern, ticket
from tickets.models import SlaPolicy, Ticket
from tickets.services import (
    ticket_assign,
    ticket_customer_message,
    ticket_move_to_team,
    ticket_reply,
    ticket_set_priority,
    ticket_set_status,
)
from tickets.sla import sla_check_due

pytestmark = pytest.mark.django_db


def utc(*args):
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture
def policy():
    return SlaPolicy.objects.create(
        name="Normal",
        priority="normal",
        first_response_minutes=240,
        next_response_minutes=60,
        resolution_minutes=1440,
    )


@pytest.fixture
def sun(policy):
    """Tier 1 around the clock: Manila and Dublin both work every hour."""
    manila = TeamFactory(code="t1-mnl", region=RegionFactory(code="mnl", time_zone="Asia/Manila", country="PH"), tier=1)
    dublin = TeamFactory(code="t1-dub", region=RegionFactory(code="dub", time_zone="Europe/Dublin"), tier=1)
    for team in (manila, dublin):
        shift_pattern(team, "00:00-00:00", works_public_holidays=True)
    Rotation.objects.create(tier=1, around_the_clock=True)
    return manila, dublin


def test_breach_is_attributed_to_the_region_that_used_the_time_across_a_dst_change(sun):
    manila, dublin = sun
    # Created 22:00 UTC on 28 March 2026; Dublin's clocks jump from 01:00 to 02:00 that night.
    t = ticket(at=utc(2026, 3, 28, 22))
    t = ticket_move_to_team(ticket=t, team=manila, actor=None, reason="test setup", at=utc(2026, 3, 28, 22))
    t = ticket_move_to_team(ticket=t, team=dublin, actor=None, reason="handoff", at=utc(2026, 3, 29, 0))
    # 4 h first-response target: 2 h in Manila, then due after 2 real hours in Dublin (4 local hours).
    assert t.sla_due_at == utc(2026, 3, 29, 2) and t.sla_target == "first_response"

    assert sla_check_due(now=utc(2026, 3, 29, 2)) == 1
    t.refresh_from_db()
    assert t.sla_state == "breached"
    breach = t.events.get(kind="sla_breach")
    assert breach.data["used_by_region"] == {"mnl": 7200, "dub": 7200}
    assert breach.data["target"] == "first_response"

    t = ticket_move_to_team(ticket=t, team=manila, actor=None, reason="back", at=utc(2026, 3, 29, 2, 30))
    sla_check_due(now=utc(2026, 3, 29, 3))
    assert t.events.filter(kind="sla_breach").count() == 1  # recorded once


def test_attribution_names_the_region_with_most_time(sun):
    manila, dublin = sun
    t = ticket(at=utc(2026, 1, 5, 0))
    t = ticket_move_to_team(ticket=t, team=manila, actor=None, reason="setup", at=utc(2026, 1, 5, 0))
    t = ticket_move_to_team(ticket=t, team=dublin, actor=None, reason="handoff", at=utc(2026, 1, 5, 1))
    sla_check_due(now=utc(2026, 1, 5, 4))
    breach = Ticket.objects.get(pk=t.pk).events.get(kind="sla_breach")
    assert breach.data["attributed_to"] == "dub"
    assert breach.summary == "SLA first response breached; time used by region: dub 180 min, mnl 60 min"


def test_warning_at_the_configured_share_then_breach(sun):
    agent = AgentFactory(team=sun[0]).user
    t = ticket(at=utc(2026, 1, 5, 0))
    t = ticket_assign(ticket=t, assignee=agent, actor=agent, at=utc(2026, 1, 5, 0))
    assert t.sla_next_check_at == utc(2026, 1, 5, 3)  # 75 % of 4 h
    sla_check_due(now=utc(2026, 1, 5, 3))
    t.refresh_from_db()
    assert t.sla_state == "warning"
    assert t.events.filter(kind="sla_warning").count() == 1
    assert agent.notifications.get(kind="sla_warning").text == f"{t.reference}: SLA first response at warning level"
    assert t.sla_next_check_at == utc(2026, 1, 5, 4)
    assert sla_check_due(now=utc(2026, 1, 5, 3, 30)) == 0  # nothing due: one query, no work


def test_pending_customer_pauses_the_clock(sun):
    agent = AgentFactory(team=sun[0])
    t = ticket(at=utc(2026, 1, 5, 0))
    t = ticket_reply(ticket=t, body="Which browser?", actor=agent.user, at=utc(2026, 1, 5, 1))
    t = ticket_set_status(ticket=t, status="pending", actor=agent.user, at=utc(2026, 1, 5, 1))
    assert (t.sla_state, t.sla_due_at, t.sla_next_check_at) == ("paused", None, None)
    # Ten hours later the customer answers: resolution has used only 1 h, next response starts now.
    t = ticket_customer_message(ticket=t, body="Firefox", at=utc(2026, 1, 5, 11))
    assert t.status == "open"
    assert (t.sla_target, t.sla_due_at) == ("next_response", utc(2026, 1, 5, 12))
    t = ticket_reply(ticket=t, body="Fixed", actor=agent.user, at=utc(2026, 1, 5, 11, 30))
    assert (t.sla_target, t.sla_due_at) == (
        "resolution",
        utc(2026, 1, 6, 10),
    )  # 24 h - 1 h - 0.5 h after 11:30


def test_business_hours_clock_stops_off_shift_and_over_the_dst_weekend(policy):
    krakow = RegionFactory(code="krk", time_zone="Europe/Warsaw", country="PL")
    team = TeamFactory(code="t3-krk", region=krakow, tier=3)
    shift_pattern(team, "09:00-17:00", weekdays=range(5))
    Rotation.objects.create(tier=3, around_the_clock=False)
    policy.first_response_minutes = 120
    policy.save()
    # Friday 27 March 2026, 16:00 in Kraków (CET, UTC+1): one hour left today, the clocks change on Sunday.
    t = ticket(customer=CustomerFactory(country="PL", language="pl"), tier=3, at=utc(2026, 3, 27, 15))
    assert t.team == team
    # The remaining hour runs Monday 09:00-10:00 CEST (UTC+2) = 07:00-08:00 UTC.
    assert t.sla_due_at == utc(2026, 3, 30, 8)


def test_vip_policy_takes_precedence_and_priority_change_swaps_policy(sun):
    vip = SlaPolicy.objects.create(
        name="VIP normal",
        priority="normal",
        vip=True,
        first_response_minutes=30,
        next_response_minutes=30,
        resolution_minutes=240,
    )
    t = ticket(customer=CustomerFactory(vip=True), at=utc(2026, 1, 5))
    assert t.sla_policy == vip and t.sla_due_at == utc(2026, 1, 5, 0, 30)
    t = ticket_set_priority(ticket=t, priority="low", actor=None, at=utc(2026, 1, 5, 0, 10))
    assert t.sla_policy is None and t.sla_state == "none" and t.sla_due_at is None


def test_solved_ticket_has_no_running_clock(sun):
    agent = AgentFactory(team=sun[0])
    t = ticket(at=utc(2026, 1, 5))
    t = ticket_set_status(ticket=t, status="solved", actor=agent.user, at=utc(2026, 1, 5, 1))
    assert t.sla_due_at is None and t.sla_next_check_at is None
    assert t.sla_segments.order_by("started_at", "id").last().paused  # the clock stands still once solved
