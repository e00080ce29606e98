"""Timeline writes: every state change of a ticket is recorded through event_record."""

from django.utils import timezone

from .models import TicketEvent


def event_record(*, ticket, kind, actor=None, summary="", body="", data=None, at=None):
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor,
        summary=summary[:300],
        body=body,
        data=data or {},
        created_at=at or timezone.now(),
    )


def events_record_bulk(*, ticket_ids, kind, summary, at, actor=None, data=None):
    """The same event on many tickets in one INSERT (handoff sweeps)."""
    TicketEvent.objects.bulk_create(
        TicketEvent(ticket_id=i, kind=kind, actor=actor, summary=summary[:300], data=data or {}, created_at=at)
        for i in ticket_ids
    )
