"""Timeline writes: every state change of a ticket is recorded through event_record."""

from django.db import connection
from django.utils import timezone

from helpdesk.rows import row_insert

from .models import Ticket, TicketEvent


def person_name(user):
    """How a person is named in timeline summaries and notifications; None is the system itself."""
    return (user.get_full_name() or user.username) if user else "Meridian"


def event_record(*, ticket, kind, actor=None, summary="", body="", data=None, at=None):
    return row_insert(
        TicketEvent(
            ticket=ticket,
            kind=kind,
            actor=actor,
            summary=summary[:300],
            body=body,
            data=data or {},
            created_at=at or timezone.now(),
        )
    )


def events_record_bulk(*, ticket_ids, kind, summary, at, actor=None, data=None):
    """The same event on many tickets in one INSERT ... SELECT (handoff sweeps write thousands)."""
    if not ticket_ids:
        return
    json = TicketEvent._meta.get_field("data")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TicketEvent._meta.db_table} (ticket_id, kind, actor_id, created_at, summary, body, data) "  # noqa: S608
            f"SELECT id, %s, %s, %s, %s, '', %s FROM {Ticket._meta.db_table} "
            f"WHERE id IN ({', '.join(['%s'] * len(ticket_ids))})",
            [
                kind,
                actor.pk if actor else None,
                at,
                summary[:300],
                json.get_db_prep_save(data or {}, connection),
                *ticket_ids,
            ],
        )
