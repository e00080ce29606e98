"""Chat: a live conversation from the widget becomes a ticket (channel chat) whose public messages are the chat.

The customer holds a signed chat token naming the ticket; the widget polls for new messages. An agent answers from
the ticket page as usual: for a chat ticket the public reply goes to the chat, and by email only when the customer
has left (no poll for presence.CHAT_PRESENT_SECONDS).
"""

from django.core import signing
from django.db import transaction
from django.utils import timezone

from ..models import Channel, EventKind, Ticket
from ..services import customer_get_or_create, ticket_create, ticket_customer_message
from .answer_first import ticket_articles_shown
from .presence import chat_customer_seen

SALT = "tickets.channels.chat"
# A chat token is good for a day: a conversation, not a ticket's life (the ticket link is for that).
CHAT_TOKEN_MAX_AGE = 24 * 60 * 60
MESSAGES_PER_POLL = 100


def chat_token(ticket):
    return signing.dumps({"chat": ticket.pk, "c": ticket.customer_id}, salt=SALT)


def chat_ticket(token):
    """The ticket TOKEN names (a chat ticket, or any ticket whose customer chats from its link page);
    Ticket.DoesNotExist when tampered or expired."""
    try:
        value = signing.loads(token, salt=SALT, max_age=CHAT_TOKEN_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired included
        raise Ticket.DoesNotExist from None
    if not isinstance(value, dict):
        raise Ticket.DoesNotExist
    return Ticket.objects.select_related("customer").get(pk=value.get("chat"), customer_id=value.get("c"))


def chat_start(*, name, email, country, language, message, shown=()):
    """The customer's first chat message: a chat ticket, routed to an agent on shift who speaks LANGUAGE; SHOWN: the
    ids of the articles the widget suggested while they wrote it."""
    now = timezone.now()
    with transaction.atomic():
        customer = customer_get_or_create(email=email, name=name, country=country, language=language)
        subject = " ".join(message.split())[:80] or "Chat"
        ticket = ticket_create(
            customer=customer, subject=f"Chat: {subject}", body=message, channel=Channel.CHAT, at=now
        )
        if shown:
            ticket_articles_shown(ticket=ticket, article_ids=shown, at=now)
    chat_customer_seen(ticket)
    return ticket


def chat_say(*, ticket, message):
    chat_customer_seen(ticket)
    return ticket_customer_message(ticket=ticket, body=message, channel=Channel.CHAT)


def chat_messages(ticket, *, after=0):
    """The public messages of TICKET after event id AFTER, for the widget: never internal notes or other events."""
    chat_customer_seen(ticket)
    events = (
        ticket.events.filter(kind__in=[EventKind.CUSTOMER_MESSAGE, EventKind.REPLY], pk__gt=after)
        .select_related("actor")
        .order_by("pk")[:MESSAGES_PER_POLL]
    )
    return [
        {
            "id": e.pk,
            "from": "agent" if e.kind == EventKind.REPLY else "customer",
            "name": (e.actor.first_name or e.actor.username) if e.kind == EventKind.REPLY and e.actor else "",
            "text": e.body,
            "at": e.created_at.isoformat(),
        }
        for e in events
    ]
