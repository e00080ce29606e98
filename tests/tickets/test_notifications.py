import datetime as dt

import pytest

from tests.factories import AgentFactory, RegionFactory, TeamFactory, UserFactory, shift_pattern, ticket
from tickets.models import Notification
from tickets.notifications import notifications_deliver_due, notifications_email
from tickets.services import ticket_assign, ticket_customer_message, ticket_set_priority

pytestmark = pytest.mark.django_db

MORNING = dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)  # Dublin team on shift 07-17 UTC
NIGHT = dt.datetime(2026, 1, 5, 20, tzinfo=dt.UTC)


@pytest.fixture
def teams():
    dublin = TeamFactory(code="t1-dub", region=RegionFactory(code="dub", time_zone="UTC"), tier=1)
    shift_pattern(dublin, "07:00-17:00", works_public_holidays=True)
    mexico = TeamFactory(code="t1-mex", region=RegionFactory(code="mex", time_zone="UTC", country="MX"), tier=1)
    shift_pattern(mexico, "15:00-23:59", works_public_holidays=True)
    return dublin, mexico


def test_assignment_on_shift_is_delivered_now(teams):
    agent = AgentFactory(team=teams[0]).user
    t = ticket(at=MORNING)
    ticket_assign(ticket=t, assignee=agent, actor=UserFactory(role="lead"), at=MORNING)
    notification = Notification.objects.get(recipient=agent)
    assert notification.deliver_at == MORNING and notification.kind == "assigned"


def test_off_shift_notification_waits_for_the_next_shift(teams):
    agent = AgentFactory(team=teams[0]).user
    t = ticket(at=NIGHT)
    ticket_assign(ticket=t, assignee=agent, actor=UserFactory(role="lead"), at=NIGHT)
    notification = Notification.objects.get(recipient=agent)
    assert notification.deliver_at == dt.datetime(2026, 1, 6, 7, tzinfo=dt.UTC)
    assert notifications_deliver_due(now=NIGHT) == 0
    assert notifications_deliver_due(now=dt.datetime(2026, 1, 6, 7, tzinfo=dt.UTC)) == 1
    notification.refresh_from_db()
    assert notification.delivered_at is not None


def test_urgent_customer_reply_to_off_shift_agent_goes_to_lead_on_shift(teams):
    dublin, mexico = teams
    agent = AgentFactory(team=dublin).user
    mexico_lead = UserFactory(role="lead", first_name="Lupe")
    mexico.leads.add(mexico_lead)
    t = ticket(at=MORNING)
    t = ticket_assign(ticket=t, assignee=agent, actor=mexico_lead, at=MORNING)
    t = ticket_set_priority(ticket=t, priority="urgent", actor=mexico_lead, at=MORNING)
    ticket_customer_message(ticket=t, body="Everything is down!", at=NIGHT)
    urgent = Notification.objects.get(kind="customer_reply")
    assert (urgent.recipient, urgent.deliver_at, urgent.urgent) == (mexico_lead, NIGHT, True)
    assert "is off shift" in urgent.text


def test_email_copy_only_for_recipients_who_asked(teams, mailoutbox, monkeypatch, django_capture_on_commit_callbacks):
    agent = AgentFactory(team=teams[0], user=UserFactory(role="agent", email_notifications=True)).user
    quiet = AgentFactory(team=teams[0]).user
    t = ticket(at=MORNING)
    ticket_assign(ticket=t, assignee=agent, actor=quiet, at=MORNING)
    ticket_assign(ticket=t, assignee=quiet, actor=agent, at=MORNING)
    queued = []

    class FakeTask:  # stands in for the Celery task so the test needs no broker
        @staticmethod
        def delay(ids):
            queued.append(ids)

    monkeypatch.setattr("tickets.notifications._email_task", lambda: FakeTask)
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_deliver_due(now=MORNING) == 2
    assert queued == [[Notification.objects.get(recipient=agent).pk]]

    notifications_email(ids=queued[0], now=MORNING)
    notifications_email(ids=queued[0], now=MORNING)  # a retried task sends nothing twice
    assert [m.to for m in mailoutbox] == [[agent.email]]
    assert "/tickets/" in mailoutbox[0].body
