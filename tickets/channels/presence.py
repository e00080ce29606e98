"""Whether a chat customer still has the widget open (it polls): their agent's replies then stay in the chat."""

from django.core.cache import cache

CHAT_PRESENT_SECONDS = 120


def _key(ticket_id):
    return f"chat-present:{ticket_id}"


def chat_customer_seen(ticket):
    cache.set(_key(ticket.pk), True, timeout=CHAT_PRESENT_SECONDS)


def chat_customer_present(ticket):
    return bool(cache.get(_key(ticket.pk)))
