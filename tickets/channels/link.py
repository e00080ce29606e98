"""The customer's ticket link: signed, unguessable, expiring; it names one ticket and gives access to nothing else."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from ..models import Ticket

SALT = "tickets.channels.link"


class LinkExpired(Exception):
    """The signature is good but older than TICKET_LINK_MAX_AGE_DAYS."""


def ticket_link_token(ticket):
    # The customer id is signed too: a ticket handed to another customer (merge, erasure) no longer opens.
    return signing.dumps({"t": ticket.pk, "c": ticket.customer_id}, salt=SALT)


def ticket_link_url(ticket):
    return settings.SITE_URL + reverse("ticket-link", args=[ticket_link_token(ticket)])


def ticket_from_token(token):
    """The ticket TOKEN names; Ticket.DoesNotExist when tampered or unknown, LinkExpired when too old."""
    max_age = settings.TICKET_LINK_MAX_AGE_DAYS * 24 * 60 * 60
    try:
        value = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkExpired from None
    except signing.BadSignature:
        raise Ticket.DoesNotExist from None
    if not isinstance(value, dict):
        raise Ticket.DoesNotExist
    return Ticket.objects.select_related("customer").get(pk=value.get("t"), customer_id=value.get("c"))
