"""row_insert and row_update write the rows of ticket changes with SQL built once; what they store must read back
exactly as the ORM would have stored it."""

import datetime as dt

import pytest
from django.db import DatabaseError

from helpdesk.rows import row_insert, row_update
from regions.models import Rotation
from tests.factories import CustomerFactory, UserFactory, ticket
from tickets.events import event_record
from tickets.models import Notification, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=dt.UTC)


def test_an_event_reads_back_as_written_json_times_and_people_included():
    # given a ticket and an agent
    t, agent = ticket(), UserFactory(first_name="Ana")

    # when an event with nested data, non-ASCII text and an aware time is recorded
    data = {"from": "t1-mnl", "to": None, "counts": {"card": 2}, "names": ["Zoë", "日本"]}
    event = event_record(ticket=t, kind="team", actor=agent, summary="x" * 400, body="Ça va", data=data, at=AT)

    # then it has its id at once, and the row holds exactly what was given
    stored = TicketEvent.objects.get(pk=event.pk)
    assert (stored.ticket_id, stored.kind, stored.actor, stored.body) == (t.pk, "team", agent, "Ça va")
    assert stored.data == data and stored.created_at == AT and stored.summary == "x" * 300
    assert list(t.events.order_by("-id").values_list("pk", flat=True)[:1]) == [event.pk]


def test_defaults_apply_and_each_row_gets_its_own_id():
    t, user = ticket(), UserFactory()
    first = row_insert(
        Notification(recipient=user, ticket=t, kind="assigned", text="one", created_at=AT, deliver_at=AT)
    )
    second = row_insert(Notification(recipient=user, kind="notice", text="two", created_at=AT, deliver_at=AT))
    assert first.pk != second.pk and not first._state.adding
    rows = Notification.objects.filter(pk__in=[first.pk, second.pk]).order_by("pk")
    assert [(n.ticket_id, n.text, n.urgent, n.url, n.delivered_at) for n in rows] == [
        (t.pk, "one", False, "", None),
        (None, "two", False, "", None),
    ]


def test_a_model_with_its_own_save_or_save_receivers_is_refused_and_nothing_is_written():
    # a saved rotation empties the request memo (a post_save receiver): skipping it silently would lose behaviour
    with pytest.raises(TypeError, match="regions.Rotation has its own save.. or save signal receivers"):
        row_insert(Rotation(tier=3))
    assert not Rotation.objects.exists()
    # a customer's save() normalises the email address: it must not be bypassed either
    customer = CustomerFactory(email="ana@example.org")
    customer.email = " ANA@Example.org "
    with pytest.raises(TypeError, match="tickets.Customer has its own save"):
        row_update(customer, ["email"])
    customer.refresh_from_db()
    assert customer.email == "ana@example.org"


def test_an_update_writes_only_the_named_fields_and_a_missing_row_is_an_error():
    # given a ticket changed in memory in two fields
    t = ticket()
    t.subject, t.priority = "Changed", "urgent"
    t.sla_flags = ["first_response:warning"]

    # when only the priority and the flags are written
    row_update(t, ["priority", "sla_flags", "priority"])

    # then the row has them, and the subject as it was
    stored = Ticket.objects.get(pk=t.pk)
    assert (stored.priority, stored.sla_flags) == ("urgent", ["first_response:warning"])
    assert stored.subject == "Cannot log in"
    # and a ticket deleted meanwhile is an error, not a silent no-op
    Ticket.objects.filter(pk=t.pk).delete()
    with pytest.raises(DatabaseError, match=f"tickets.Ticket {t.pk}: no row to update"):
        row_update(t, ["priority"])
