import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tests.factories import AgentFactory, CustomerFactory, TeamFactory, UserFactory, shift_pattern, ticket
from tickets.models import TRANSITIONS, EventKind, SlaPolicy, Status, Ticket
from tickets.services import (
    ticket_assign,
    ticket_customer_message,
    ticket_move_to_team,
    ticket_reply,
    ticket_set_escalation,
    ticket_set_next_action,
    ticket_set_priority,
    ticket_set_status,
    ticket_set_tags,
    tickets_bulk_update,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    team = TeamFactory(code="t1-dub", tier=1)
    shift_pattern(team, "00:00-00:00")
    SlaPolicy.objects.create(
        name="Normal",
        priority="normal",
        first_response_minutes=60,
        next_response_minutes=120,
        resolution_minutes=600,
    )
    return team


@pytest.fixture
def agent(team):
    return AgentFactory(team=team).user


def kinds(t):
    return list(t.events.values_list("kind", flat=True))


ALL = list(Status)


@pytest.mark.parametrize("source", ALL)
@pytest.mark.parametrize("target", ALL)
def test_every_status_transition_is_allowed_or_refused_in_one_place(team, agent, source, target):
    t = ticket()
    Ticket.objects.filter(pk=t.pk).update(status=source)
    t.refresh_from_db()
    if source == target:
        assert ticket_set_status(ticket=t, status=target, actor=agent).status == source
    elif target in TRANSITIONS[source]:
        assert ticket_set_status(ticket=t, status=target, actor=agent).status == target
        assert t.events.filter(kind=EventKind.STATUS, data__to=target.value).count() == 1
    else:
        with pytest.raises(ValidationError, match="cannot become"):
            ticket_set_status(ticket=t, status=target, actor=agent)
        t.refresh_from_db()
        assert t.status == source


def test_first_public_reply_opens_and_answers_but_a_note_does_not(team, agent):
    t = ticket()
    t = ticket_reply(ticket=t, body="Checking internally", actor=agent, internal=True)
    assert (t.status, t.first_response_at) == ("new", None)
    t = ticket_reply(ticket=t, body="Hello, try this", actor=agent)
    assert t.status == "open" and t.first_response_at is not None
    assert kinds(t)[-3:] == ["note", "reply", "status"]


def test_empty_reply_is_refused_and_writes_nothing(team, agent):
    t = ticket()
    before = t.events.count()
    with pytest.raises(ValidationError, match="Write something"):
        ticket_reply(ticket=t, body="   ", actor=agent)
    assert t.events.count() == before


def test_a_reply_sent_as_pending_or_solved_is_one_change(team, agent, django_capture_on_commit_callbacks):
    # when the agent answers a new ticket and sends it as pending, in one change
    t = ticket()
    with django_capture_on_commit_callbacks() as callbacks:
        t = ticket_reply(ticket=t, body="Please send a screenshot", actor=agent, status="pending")

    # then it is answered, opened by the reply and pending the customer, its SLA clock paused; after commit the
    # reply is emailed and one "updated" event is announced
    assert (t.status, t.sla_state) == ("pending", "paused") and t.first_response_at is not None
    assert kinds(t)[-3:] == ["reply", "status", "status"]
    assert list(t.events.filter(kind="status").values_list("summary", flat=True)) == [
        "New → Open (first reply)",
        "Open → Pending customer",
    ]
    assert len(callbacks) == 2
    assert t.sla_segments.order_by("-started_at", "-id").first().paused is True

    # and a reply sent as solved solves it (announced as solved as well)
    with django_capture_on_commit_callbacks() as callbacks:
        t = ticket_reply(ticket=t, body="Fixed, closing", actor=agent, status="solved")
    assert t.status == "solved" and t.solved_at is not None and len(callbacks) == 3

    # a note can set the status too; a status the ticket cannot take is refused and writes nothing
    t = ticket_reply(ticket=t, body="Reopening to check", actor=agent, internal=True, status="open")
    assert t.status == "open"
    closed = ticket_set_status(ticket=ticket(), status="closed", actor=agent)
    with pytest.raises(ValidationError):
        ticket_reply(ticket=closed, body="Too late", actor=agent, status="pending")
    solved = ticket_reply(ticket=ticket(), body="Done", actor=agent, status="solved")
    before = solved.events.count()
    with pytest.raises(ValidationError, match="cannot become pending"):
        ticket_reply(ticket=solved, body="One more thing", actor=agent, status="pending")
    assert solved.events.count() == before and Ticket.objects.get(pk=solved.pk).status == "solved"


def test_customer_reply_reopens_pending_and_solved(team, agent):
    t = ticket()
    t = ticket_set_status(ticket=t, status="pending", actor=agent)
    t = ticket_customer_message(ticket=t, body="Here is the screenshot")
    assert t.status == "open"
    assert t.events.filter(kind="status", summary__contains="customer replied").exists()
    t = ticket_set_status(ticket=t, status="solved", actor=agent)
    assert t.solved_at is not None
    t = ticket_customer_message(ticket=t, body="It broke again")
    assert t.status == "open" and t.solved_at is None


def test_closed_ticket_takes_no_more_messages(team, agent):
    t = ticket_set_status(ticket=ticket(), status="closed", actor=agent)
    with pytest.raises(ValidationError, match="closed"):
        ticket_customer_message(ticket=t, body="hello?")
    with pytest.raises(ValidationError, match="closed"):
        ticket_reply(ticket=t, body="hello", actor=agent)


def test_next_action_set_confirm_and_clear(team, agent):
    t = ticket()
    due = dt.datetime(2030, 1, 1, 9, tzinfo=dt.UTC)
    t = ticket_set_next_action(ticket=t, text="Call back after the refund lands", due_at=due, actor=agent)
    assert (t.next_action, t.next_action_due_at, t.next_action_set_by) == (
        "Call back after the refund lands",
        due,
        agent,
    )
    t = ticket_set_next_action(ticket=t, text="", actor=agent)
    assert (t.next_action, t.next_action_set_by, t.next_action_set_at) == ("", None, None)
    assert [e.summary for e in t.events.filter(kind="next_action")] == [
        "Next Action: Call back after the refund lands",
        "Next Action cleared",
    ]
    with pytest.raises(ValidationError, match="due time needs"):
        ticket_set_next_action(ticket=t, text="", due_at=due, actor=agent)


def test_priority_tags_and_flags_each_write_one_event(team, agent):
    t = ticket()
    t = ticket_set_priority(ticket=t, priority="urgent", actor=agent)
    t = ticket_set_tags(ticket=t, tags=["Billing", "refund", "billing"], actor=agent)
    t = ticket_set_tags(ticket=t, tags=["refund", "billing"], actor=agent)  # no change, no event
    t = ticket_set_escalation(ticket=t, critical=True, outage=False, actor=agent)
    assert sorted(t.tags.values_list("name", flat=True)) == ["billing", "refund"]
    assert [k for k in kinds(t) if k in {"priority", "tags", "escalation"}] == [
        "priority",
        "tags",
        "escalation",
    ]
    assert t.events.get(kind="tags").summary == "+billing +refund"


def test_assigning_an_agent_of_another_team_moves_the_ticket(team, agent):
    other_team = TeamFactory(code="t1-mex", tier=1)
    colleague = AgentFactory(team=other_team).user
    t = ticket()
    t = ticket_assign(ticket=t, assignee=colleague, actor=agent)
    assert (t.team, t.assignee) == (other_team, colleague)
    assert t.sla_segments.order_by("started_at", "id").last().team == other_team
    with pytest.raises(ValidationError, match="not an agent"):
        ticket_assign(ticket=t, assignee=UserFactory(role="lead"), actor=agent)
    t = ticket_assign(ticket=t, assignee=None, actor=agent)
    assert t.assignee is None and t.events.filter(kind="assignee").last().summary.startswith("Unassigned")


def test_move_to_team_switches_sla_segment(team, agent):
    t = ticket()
    other = TeamFactory(code="t1-mnl", tier=1)
    t = ticket_move_to_team(ticket=t, team=other, actor=None, reason="Handed to Manila")
    segments = list(t.sla_segments.order_by("started_at", "id"))
    assert [s.team for s in segments] == [team, other]
    assert segments[0].started_at <= segments[1].started_at and not segments[1].paused


def test_bulk_update_one_event_each_and_refusals_do_not_stop_others(team, agent):
    a, b, c = ticket(), ticket(), ticket()
    ticket_set_status(ticket=b, status="closed", actor=agent)
    done, errors = tickets_bulk_update(tickets=[a, b, c], action="status", value="pending", actor=agent)
    assert sorted(done) == [a.pk, c.pk] and list(errors) == [b.pk]
    assert Ticket.objects.get(pk=a.pk).events.filter(kind="status").count() == 1
    done, errors = tickets_bulk_update(tickets=[a, c], action="tag", value="vip-followup", actor=agent)
    assert not errors and all(t.tags.filter(name="vip-followup").exists() for t in (a, c))
    with pytest.raises(ValidationError):
        tickets_bulk_update(tickets=[a], action="delete", value=None, actor=agent)


def test_customer_is_one_history_across_channels(team):
    customer = CustomerFactory(email="ana@example.org")
    ticket(customer=customer, channel="email")
    ticket(customer=customer, channel="chat")
    assert customer.tickets.count() == 2
