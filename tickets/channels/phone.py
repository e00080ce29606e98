"""Phone: an agent logs a call on the ticket; it joins the one timeline like any other message."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..events import event_record
from ..models import EventKind, Ticket

DIRECTIONS = {"in": "Inbound call", "out": "Outbound call"}
MAX_MINUTES = 600


def ticket_call_log(*, ticket, direction, minutes, summary, actor, at=None):
    """Record a phone call (DIRECTION "in" or "out", MINUTES long) with what was said, on TICKET's timeline."""
    now = at or timezone.now()
    summary = summary.strip()
    if direction not in DIRECTIONS:
        raise ValidationError({"direction": "Say whether the customer called or you called them."})
    if not 0 <= minutes <= MAX_MINUTES:
        raise ValidationError({"minutes": f"Give the duration in minutes, 0 to {MAX_MINUTES}."})
    if not summary:
        raise ValidationError({"summary": "Write what was said on the call."})
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
        event_record(
            ticket=ticket,
            kind=EventKind.CALL,
            actor=actor,
            at=now,
            body=summary,
            summary=f"{DIRECTIONS[direction]}, {minutes} min",
            data={"channel": "phone", "direction": direction, "minutes": minutes},
        )
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=now)
    return ticket
