import datetime as dt

import pytest
from django.core.management import call_command

from compliance.models import ResidencyRestriction
from handoff.models import Handoff, HandoffRun, HandoffSettings, NoteRule
from handoff.services import due_boundaries, handoff_retry_blocked, handoff_run, run_due_handoffs
from regions.models import AgentLanguage
from tests.factories import AgentFactory, CustomerFactory, ticket
from tickets.models import Notification, Ticket
from tickets.services import (
    ticket_assign,
    ticket_customer_message,
    ticket_move_to_team,
    ticket_set_next_action,
    ticket_set_status,
)

from .conftest import BOUNDARY

pytestmark = pytest.mark.django_db

BEFORE = BOUNDARY - dt.timedelta(hours=2)


def dublin_ticket(sun, agent, *, note="", status=None, customer=None):
    t = ticket(customer=customer, at=BEFORE)
    t = ticket_move_to_team(ticket=t, team=sun["dub"], actor=None, reason="setup", at=BEFORE)
    if note:
        t = ticket_set_next_action(ticket=t, text=note, actor=agent, at=BEFORE + dt.timedelta(minutes=5))
    if status:
        t = ticket_set_status(ticket=t, status=status, actor=agent, at=BEFORE + dt.timedelta(minutes=6))
    return t


def test_tickets_with_a_note_move_and_the_rest_are_blocked(sun, dublin_agent):
    ready = dublin_ticket(sun, dublin_agent, note="Refund approved; confirm with customer")
    pending = dublin_ticket(sun, dublin_agent, note="Waiting for logs", status="pending")
    on_hold = dublin_ticket(sun, dublin_agent, note="Vendor fix due", status="on_hold")
    bare = dublin_ticket(sun, dublin_agent)
    stale = dublin_ticket(sun, dublin_agent, note="Asked for invoice")
    ticket_customer_message(ticket=stale, body="Here it is", at=BEFORE + dt.timedelta(minutes=30))
    solved = dublin_ticket(sun, dublin_agent, note="done", status="solved")

    run = handoff_run(team=sun["dub"], boundary_at=BOUNDARY, now=BOUNDARY)

    assert (run.moved, run.blocked, run.arriving_team) == (3, 2, sun["mex"])
    for t in (ready, pending, on_hold):
        assert Ticket.objects.get(pk=t.pk).team == sun["mex"]
    for t in (bare, stale, solved):
        assert Ticket.objects.get(pk=t.pk).team == sun["dub"]
    reasons = dict(Handoff.objects.filter(outcome="blocked").values_list("ticket_id", "reason"))
    assert reasons == {
        bare.pk: "Blocked: no Next Action",
        stale.pk: "Blocked: Next Action older than the last customer message",
    }
    assert Handoff.objects.get(ticket=ready).next_action_snapshot == "Refund approved; confirm with customer"
    assert "Handed off from Dublin T1 → Mexico City T1" in ready.events.last().summary
    assert bare.events.last().summary == "Handoff blocked at 17:00 UTC: Blocked: no Next Action"
    notice = Notification.objects.get(kind="handoff_blocked")
    assert notice.recipient.username == "lead.dub" and notice.text.startswith("2 handoffs of Dublin T1 blocked")
    # SLA time now runs in Mexico City
    assert Ticket.objects.get(pk=ready.pk).sla_segments.order_by("started_at", "id").last().region.code == "mex"


def test_rerun_and_command_move_nothing_twice(sun, dublin_agent):
    t = dublin_ticket(sun, dublin_agent, note="Call back")
    first = handoff_run(team=sun["dub"], boundary_at=BOUNDARY, now=BOUNDARY)
    again = handoff_run(team=sun["dub"], boundary_at=BOUNDARY, now=BOUNDARY + dt.timedelta(minutes=1))
    call_command("run_handoffs", "--at", BOUNDARY.isoformat(), "--team", "t1-dub")
    assert first.pk == again.pk and HandoffRun.objects.count() == 1
    assert Handoff.objects.filter(ticket=t).count() == 1
    assert t.events.filter(kind="handoff").count() == 1


def test_blocked_ticket_moves_on_the_next_minute_once_the_note_is_written(sun, dublin_agent):
    t = dublin_ticket(sun, dublin_agent)
    run = handoff_run(team=sun["dub"], boundary_at=BOUNDARY, now=BOUNDARY)
    assert run.blocked == 1
    assert handoff_retry_blocked(now=BOUNDARY + dt.timedelta(minutes=1)) == 0
    ticket_set_next_action(
        ticket=t, text="Escalate to billing", actor=dublin_agent, at=BOUNDARY + dt.timedelta(minutes=2)
    )
    assert handoff_retry_blocked(now=BOUNDARY + dt.timedelta(minutes=3)) == 1
    run.refresh_from_db()
    assert (run.moved, run.blocked) == (1, 0)
    handoff = Handoff.objects.get(ticket=t)
    assert (handoff.outcome, handoff.to_team) == ("moved", sun["mex"])
    assert Ticket.objects.get(pk=t.pk).team == sun["mex"]


def test_note_rule_per_team(sun, dublin_agent):
    HandoffSettings.objects.create(team=sun["dub"], note_rule=NoteRule.ANY)
    stale = dublin_ticket(sun, dublin_agent, note="Asked for invoice")
    ticket_customer_message(ticket=stale, body="Here it is", at=BEFORE + dt.timedelta(minutes=30))
    assert handoff_run(team=sun["dub"], boundary_at=BOUNDARY, now=BOUNDARY).moved == 1


def test_residency_forbids_the_arriving_region(sun, dublin_agent):
    ResidencyRestriction.objects.create(data_zone="EU", handling_zone="AMER", note="GDPR transfer policy")
    eu = dublin_ticket(sun, dublin_agent, note="x", customer=CustomerFactory(country="DE"))
    us = dublin_ticket(sun, dublin_agent, note="x", customer=CustomerFactory(country="US"))
    run = handoff_run(team=sun["dub"], boundary_at=BOUNDARY, now=BOUNDARY)
    assert (run.moved, run.blocked) == (1, 1)
    assert Handoff.objects.get(ticket=eu).reason == "EU customer data may not be handled in Mexico City"
    assert Ticket.objects.get(pk=us.pk).team == sun["mex"]


def test_business_hours_tier_hands_nothing_off(sun):
    from tests.factories import RegionFactory, TeamFactory, shift_pattern

    krk = TeamFactory(code="t3-krk", tier=3, region=RegionFactory(code="krk", time_zone="UTC", country="PL"))
    shift_pattern(krk, "09:00-17:00")
    t = ticket(tier=3, at=BEFORE)
    run = handoff_run(team=krk, boundary_at=BOUNDARY, now=BOUNDARY)
    assert run.total == 0 and "no follow-the-sun rotation" in run.note
    assert Ticket.objects.get(pk=t.pk).team == krk


def test_scheduler_catches_up_missed_boundaries(sun, dublin_agent):
    dublin_ticket(sun, dublin_agent, note="x")
    later = BOUNDARY + dt.timedelta(hours=3)  # workers were down at 17:00
    due = {(team.code, end) for team, end in due_boundaries(now=later)}
    assert ("t1-dub", BOUNDARY) in due
    run_due_handoffs(now=later)
    assert HandoffRun.objects.get(team=sun["dub"], boundary_at=BOUNDARY).moved == 1
    assert ("t1-dub", BOUNDARY) not in {(t.code, e) for t, e in due_boundaries(now=later)}


def test_the_arriving_team_takes_the_tickets_by_language_and_load_under_capacity(sun, dublin_agent):
    # given four Dublin tickets with their notes (three in English, one in Spanish), created before anyone in
    # Mexico City could be given them on arrival
    english = [dublin_ticket(sun, dublin_agent, note="Call back") for _ in range(3)]
    spanish = dublin_ticket(sun, dublin_agent, note="Llamar", customer=CustomerFactory(language="es"))
    last = dublin_ticket(sun, dublin_agent, note="Call back")
    # and Mexico City's agents: ana already holds one open ticket of two, bea none of two, cruz speaks only
    # Spanish, dan speaks English but is away
    ana, bea, cruz, dan = (
        mexico_agent(sun, "ana", "en", "native", capacity=2),
        mexico_agent(sun, "bea", "en", "C1", capacity=2),
        mexico_agent(sun, "cruz", "es", "native"),
        mexico_agent(sun, "dan", "en", "native", presence="away"),
    )
    ticket_assign(ticket=ticket(at=BEFORE), assignee=ana, actor=None, at=BEFORE)

    # when Dublin's shift ends
    run = handoff_run(team=sun["dub"], boundary_at=BOUNDARY, now=BOUNDARY)

    # then the least loaded English speaker takes each English ticket (ties to the first by username) until both
    # are full, the Spanish one goes to cruz, and the fifth waits in the team queue
    assert run.moved == 5
    assignees = [Ticket.objects.get(pk=t.pk).assignee for t in (*english, spanish, last)]
    assert assignees == [bea, ana, bea, cruz, None]
    assert dan not in assignees


def mexico_agent(sun, username, language, level, **kwargs):
    agent = AgentFactory(
        team=sun["mex"], user__username=username, presence=kwargs.pop("presence", "available"), **kwargs
    )
    AgentLanguage.objects.create(agent=agent, language=language, proficiency=level)
    return agent.user
