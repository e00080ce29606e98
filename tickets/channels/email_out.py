"""Email to customers: an agent's public reply, and acknowledgements, sent by a Celery task after commit.

Every message carries a Message-ID we generate and store (MailMessage), In-Reply-To/References pointing at the
customer's last email on the ticket, the reference in the subject ("[MER-123]") so a reply finds its ticket again,
and a plain-text and an HTML part, in the customer's language.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from compliance.redaction import redact

from ..events import event_record
from ..markdown import render_markdown
from ..models import Channel, EventKind, MailMessage, TicketEvent
from .link import ticket_link_url
from .presence import chat_customer_present
from .tone import acknowledgement_text

# Threads stay readable for mail clients; the oldest ids beyond this many are left out of References.
MAX_REFERENCES = 10


_paused = ContextVar("customer_email_paused", default=False)


@contextmanager
def customer_email_paused():
    """Within it nothing is emailed to customers: seed_demo replays history, which must reach nobody."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def _task():
    from ..tasks import reply_email_send_task

    return reply_email_send_task


def reply_email_queue(*, event):
    """Inside ticket_reply's transaction: email the public reply EVENT once it commits, if email can reach them.

    A chat ticket whose customer is still in the chat gets the reply there instead (tickets.channels.chat).
    """
    ticket = event.ticket
    if _paused.get() or event.kind != EventKind.REPLY or not ticket.customer.email:
        return
    if ticket.channel == Channel.CHAT and chat_customer_present(ticket):
        return
    transaction.on_commit(lambda: _task().delay(event.pk))


def _domain():
    address = settings.DEFAULT_FROM_EMAIL
    return address.rsplit("@", 1)[-1].strip(" >") or "meridian.localhost"


def thread_headers(ticket, message_id):
    """In-Reply-To (the customer's last email) and References (the ticket's earlier mail, oldest first) for
    TICKET's message MESSAGE_ID."""
    earlier = ticket.mail_messages.exclude(message_id=message_id).order_by("created_at", "id")
    ids = list(earlier.values_list("direction", "message_id"))
    headers = {}
    last_in = [mid for direction, mid in ids if direction == MailMessage.Direction.IN]
    if last_in:
        headers["In-Reply-To"] = f"<{last_in[-1]}>"
    if ids:
        headers["References"] = " ".join(f"<{mid}>" for _, mid in ids[-MAX_REFERENCES:])
    return headers


def subject_for(ticket, prefix=""):
    return f"{prefix}[{ticket.reference}] {ticket.subject}"


def customer_email(*, ticket, subject, template, context, message_id, headers=None):
    """An EmailMultiAlternatives to TICKET's customer from TEMPLATE(.txt/.html), translated into their language."""
    customer = ticket.customer
    with translation.override(customer.language):
        context = {
            "ticket": ticket,
            "customer": customer,
            "link": ticket_link_url(ticket),
            "link_days": settings.TICKET_LINK_MAX_AGE_DAYS,
            **context,
        }
        text = render_to_string(f"tickets/channels/email/{template}.txt", context)
        html = render_to_string(f"tickets/channels/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[customer.email],
        headers={"Message-ID": f"<{message_id}>", **thread_headers(ticket, message_id), **(headers or {})},
    )
    message.attach_alternative(html, "text/html")
    return message


def _outbound_mail(event, now):
    """The outgoing message of EVENT with its Message-ID, made once: a rerun of the task reuses it."""
    mail, _ = MailMessage.objects.get_or_create(
        event=event,
        direction=MailMessage.Direction.OUT,
        defaults={"ticket": event.ticket, "message_id": make_msgid(domain=_domain())[1:-1], "created_at": now},
    )
    return mail


def _record_sent(mail, ticket, summary, now):
    """Mark MAIL sent once (a second run of the task finds it sent) and say so on the timeline."""
    with transaction.atomic():
        if MailMessage.objects.filter(pk=mail.pk, sent_at__isnull=True).update(sent_at=now):
            event_record(ticket=ticket, kind=EventKind.EMAIL, at=now, summary=summary, data={"sent": True})


def reply_email_send(*, event_id, now):
    """Send the public reply EVENT_ID to the customer; safe to run twice (the stored Message-ID is reused)."""
    event = TicketEvent.objects.select_related("ticket__customer", "actor").get(pk=event_id, kind=EventKind.REPLY)
    ticket = event.ticket
    mail = _outbound_mail(event, now)
    if mail.sent_at is not None:
        return
    # Card numbers and IBANs never leave by email, whoever typed them.
    body, _ = redact(event.body)
    agent = event.actor.get_full_name() if event.actor else ""
    message = customer_email(
        ticket=ticket,
        subject=subject_for(ticket, "Re: "),
        template="reply",
        context={"body": body, "body_html": render_markdown(body), "agent": agent},
        message_id=mail.message_id,
    )
    message.send()
    _record_sent(mail, ticket, "Email sent to the customer", now)


def reply_email_failed(*, event_id, error, attempts, now):
    """The last retry failed too: say so on the timeline, once, so the agent can reach the customer another way."""
    event = TicketEvent.objects.select_related("ticket").get(pk=event_id)
    if event.ticket.events.filter(kind=EventKind.EMAIL, data__reply=event_id, data__sent=False).exists():
        return
    event_record(
        ticket=event.ticket,
        kind=EventKind.EMAIL,
        at=now,
        summary=f"Email to the customer failed after {attempts} attempts ({error}); reply by another channel",
        data={"sent": False, "reply": event_id},
    )


def acknowledgement_queue(*, ticket):
    """Inside the transaction that created TICKET: acknowledge it by email once it commits."""
    if _paused.get():
        return
    transaction.on_commit(lambda: _ack_task().delay(ticket.pk))


def _ack_task():
    from ..tasks import acknowledgement_send_task

    return acknowledgement_send_task


def acknowledgement_send(*, ticket_id, now):
    """Tell the customer their ticket exists, with its link, in the tone of their market; once per ticket."""
    event = TicketEvent.objects.select_related("ticket__customer").get(ticket_id=ticket_id, kind=EventKind.CREATED)
    ticket = event.ticket
    mail = _outbound_mail(event, now)
    if mail.sent_at is not None:
        return
    subject, text = acknowledgement_text(ticket)
    message = customer_email(
        ticket=ticket,
        subject=f"[{ticket.reference}] {subject}",
        template="acknowledgement",
        context={"text": text},
        message_id=mail.message_id,
        headers={"Auto-Submitted": "auto-replied"},
    )
    message.send()
    _record_sent(mail, ticket, "Acknowledgement emailed to the customer", now)
