import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from regions.models import Agent
from tickets import demo as tickets_demo
from tickets.models import (
    OPEN_STATUSES,
    Customer,
    EventKind,
    Macro,
    SlaPolicy,
    SlaState,
    Status,
    Ticket,
    TicketEvent,
)
from tickets.routing import choose_tier

pytestmark = pytest.mark.django_db


def _seed(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def seeded(monkeypatch):
    """60 tickets: the first 20 through the ticket services, the other 40 through the bulk path."""
    monkeypatch.setattr(tickets_demo, "SERVICE_TICKETS", 20)
    before = timezone.now()
    out, err = _seed("--tickets", "60", "--seed", "5")
    return out, err, before


def _fingerprint():
    tickets = Ticket.objects.select_related("customer").order_by("id")
    return [(t.subject, t.customer.email, t.customer.country, t.status, t.priority, t.channel) for t in tickets]


def test_small_run_covers_statuses_countries_languages_and_next_actions(seeded):
    out, err, _ = seeded

    tickets = Ticket.objects.select_related("customer")
    assert tickets.count() == 60
    assert {t.status for t in tickets} == set(Status)
    assert len({t.customer.country for t in tickets}) >= 10
    assert len({t.customer.language for t in tickets}) >= 5
    assert {t.tier for t in tickets} == {1, 2, 3}
    assert len({t.channel for t in tickets}) == 5
    assert any(t.customer.vip for t in tickets)
    open_tickets = [t for t in tickets if t.status in OPEN_STATUSES]
    with_next_action = [t for t in open_tickets if t.has_next_action]
    assert len(with_next_action) > len(open_tickets) / 2
    assert len(with_next_action) < len(open_tickets)
    assert f"Tickets: 60 ({len(open_tickets)} open) for " in out
    assert "[##############################]" in err
    assert len({part.split()[0] for part in err.split("tickets ")[1:]}) >= 10  # the bar moves while tickets seed
    assert Customer.objects.filter(email__endswith="@example.com").count() == Customer.objects.count()


def test_timelines_are_recent_chronological_and_varied(seeded):
    _, _, before = seeded

    events = list(TicketEvent.objects.order_by("ticket_id", "id"))
    assert {e.kind for e in events} >= {
        EventKind.CREATED,
        EventKind.CUSTOMER_MESSAGE,
        EventKind.ROUTING,
        EventKind.REPLY,
        EventKind.NOTE,
        EventKind.STATUS,
        EventKind.NEXT_ACTION,
    }
    by_ticket = {}
    for event in events:
        by_ticket.setdefault(event.ticket_id, []).append(event)
    assert len(by_ticket) == 60
    for timeline in by_ticket.values():
        times = [e.created_at for e in timeline]
        assert times == sorted(times)  # ids follow time on every timeline, bulk-written or not
        assert before - dt.timedelta(days=10, minutes=1) <= times[0] and times[-1] <= timezone.now()
        assert [e.kind for e in timeline[:2]] == [EventKind.CREATED, EventKind.CUSTOMER_MESSAGE]
    assert sum(len({e.kind for e in t}) >= 5 for t in by_ticket.values()) >= 20


def test_ticket_fields_agree_with_timeline_segments_and_teams(seeded):
    agents = dict(Agent.objects.values_list("user_id", "team_id"))
    for ticket in Ticket.objects.prefetch_related("events", "sla_segments"):
        events = list(ticket.events.all())
        replies = [e.created_at for e in events if e.kind == EventKind.REPLY]
        messages = [e.created_at for e in events if e.kind == EventKind.CUSTOMER_MESSAGE]
        solved = [e.created_at for e in events if e.kind == EventKind.STATUS and e.data["to"] == Status.SOLVED]
        next_actions = [e.data["text"] for e in events if e.kind == EventKind.NEXT_ACTION]
        assert ticket.first_response_at == (replies[0] if replies else None)
        assert ticket.last_public_reply_at == (replies[-1] if replies else None)
        assert ticket.last_customer_message_at == messages[-1]
        assert ticket.solved_at == (None if ticket.status in OPEN_STATUSES or not solved else solved[-1])
        assert ticket.next_action == (next_actions[-1] if next_actions else "")
        assert ticket.updated_at >= events[0].created_at
        assert ticket.sla_policy is not None
        last = ticket.sla_segments.order_by("started_at", "id").last()
        assert last.team_id == ticket.team_id
        assert last.paused == (ticket.status == Status.PENDING or ticket.status not in OPEN_STATUSES)
        if ticket.status == Status.PENDING:
            assert ticket.sla_state == SlaState.PAUSED
        elif ticket.status in OPEN_STATUSES:
            assert ticket.sla_state in (SlaState.OK, SlaState.WARNING, SlaState.BREACHED)
            assert ticket.sla_due_at is not None
        if ticket.assignee_id is not None:
            assert agents[ticket.assignee_id] == ticket.team_id
        assert ticket.team.tier == ticket.tier


def test_configuration_policies_rules_and_macros(seeded):
    assert {(p.priority, p.vip) for p in SlaPolicy.objects.all()} == {
        ("low", False),
        ("normal", False),
        ("high", False),
        ("urgent", False),
        ("high", True),
        ("urgent", True),
    }
    for policy in SlaPolicy.objects.all():
        assert 0 < policy.first_response_minutes <= policy.next_response_minutes < policy.resolution_minutes
    macros = list(Macro.objects.all())
    assert len(macros) >= 6
    assert all("{customer_name}" in m.body and "{agent_name}" in m.body and "{reference}" in m.body for m in macros)
    vip = Customer.objects.filter(vip=True).first()
    regular = Customer.objects.filter(vip=False).first()
    assert choose_tier(channel="email", tags=["refund"], priority="normal", customer=regular)[0] == 2
    assert choose_tier(channel="api", tags=["sdk"], priority="low", customer=regular)[0] == 3
    assert choose_tier(channel="chat", tags=[], priority="urgent", customer=vip)[0] == 2
    assert choose_tier(channel="chat", tags=[], priority="urgent", customer=regular)[0] == 1


def test_same_seed_same_tickets_and_customers(monkeypatch):
    monkeypatch.setattr(tickets_demo, "SERVICE_TICKETS", 8)
    _seed("--tickets", "16", "--seed", "9")
    first = _fingerprint()
    Ticket.objects.all().delete()
    Customer.objects.all().delete()
    get_user_model().objects.all().delete()

    _seed("--tickets", "16", "--seed", "9")

    assert _fingerprint() == first
    assert len(first) == 16


def test_no_tickets_still_configures_and_says_so():
    out, err = _seed("--tickets", "0")

    assert "Tickets: 0 (0 open) for 0 customers in 0 countries" in out
    assert "[##############################]" in err
    assert not Ticket.objects.exists() and not Customer.objects.exists()
    assert SlaPolicy.objects.count() == 6


def test_negative_ticket_count_is_refused():
    with pytest.raises(CommandError, match="--tickets must be zero or more"):
        _seed("--tickets", "-1")


def test_handoff_history_blocked_bouncing_and_briefings(seeded):
    from handoff.models import Briefing, HandoffRun
    from handoff.selectors import bouncing_tickets, cold_tickets

    assert HandoffRun.objects.filter(finished_at__isnull=False).exists()
    assert Briefing.objects.filter(acknowledged_at__isnull=True).exists()
    assert bouncing_tickets(Ticket.objects.all()).exists()
    assert cold_tickets(Ticket.objects.all(), now=timezone.now()).exists()
