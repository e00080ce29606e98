"""What the customer's side writes: a ticket from the web form, a reply or a close through the ticket link, and the
files that come with them. Each goes through tickets.services, so it lands on the one timeline."""

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from ..models import Attachment, Channel, EventKind, Status
from ..services import customer_get_or_create, ticket_create, ticket_customer_message, ticket_set_status
from .answer_first import ticket_articles_shown
from .email_out import acknowledgement_queue


def last_customer_message(ticket):
    return ticket.events.filter(kind=EventKind.CUSTOMER_MESSAGE).order_by("-created_at", "-id").first()


def attachments_store(*, ticket, event, files, now):
    """FILES ((name, content type, bytes) or uploaded files) onto TICKET, with the names as the customer gave them."""
    stored = []
    for file in files:
        if isinstance(file, tuple):
            name, content_type, content = file
        else:
            name, content_type, content = file.name, file.content_type or "application/octet-stream", file.read()
        attachment = Attachment(
            ticket=ticket, event=event, name=name[:255], size=len(content), content_type=content_type, created_at=now
        )
        attachment.file.save(name, ContentFile(content), save=False)
        attachment.save()
        stored.append(attachment)
    return stored


def web_ticket_create(*, name, email, country, language, subject, message, files=(), shown=(), at=None):
    """A ticket from the public web form (channel web), acknowledged by email with the customer's link; SHOWN: the
    ids of the articles suggested while the customer wrote, recorded on the timeline."""
    now = at or timezone.now()
    with transaction.atomic():
        customer = customer_get_or_create(email=email, name=name, country=country, language=language)
        ticket = ticket_create(customer=customer, subject=subject, body=message, channel=Channel.WEB, at=now)
        attachments_store(ticket=ticket, event=last_customer_message(ticket), files=files, now=now)
        if shown:
            ticket_articles_shown(ticket=ticket, article_ids=shown, at=now)
        acknowledgement_queue(ticket=ticket)
    return ticket


def link_reply(*, ticket, message, files=(), at=None):
    """The customer answered on their ticket page (channel web); a solved ticket reopens."""
    now = at or timezone.now()
    with transaction.atomic():
        ticket = ticket_customer_message(ticket=ticket, body=message, at=now, channel=Channel.WEB)
        attachments_store(ticket=ticket, event=last_customer_message(ticket), files=files, now=now)
    return ticket


def link_close(*, ticket, at=None):
    """The customer says they need nothing more: the ticket is closed (a new request opens a new ticket)."""
    return ticket_set_status(ticket=ticket, status=Status.CLOSED, actor=None, at=at, reason="closed by the customer")
