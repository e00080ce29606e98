"""What the channels keep about a customer follows retention and erasure: when tickets are anonymised
(tickets.retention sends tickets_anonymised inside its transaction) their files and call notes go too, and
quarantined mail, which no ticket holds, is deleted QUARANTINE_DAYS after it arrived."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from ..models import Attachment, EventKind, QuarantinedMail, TicketEvent

QUARANTINE_DAYS = 30
REMOVED_CALL = "(call notes removed)"


def tickets_anonymised(sender, ticket_ids, reason, **kwargs):
    files = Attachment.objects.filter(ticket_id__in=ticket_ids)
    names = list(files.values_list("file", flat=True))
    storage = Attachment._meta.get_field("file").storage
    files.delete()
    # The files go once the rows are gone for good; a rolled-back run keeps both.
    transaction.on_commit(lambda: [storage.delete(name) for name in names])
    TicketEvent.objects.filter(ticket_id__in=ticket_ids, kind=EventKind.CALL).update(body=REMOVED_CALL)


def quarantine_purge(*, now=None):
    """Delete quarantined mail older than QUARANTINE_DAYS; returns how many."""
    now = now or timezone.now()
    deleted, _ = QuarantinedMail.objects.filter(received_at__lt=now - dt.timedelta(days=QUARANTINE_DAYS)).delete()
    return deleted
