"""Badges the handoff engine puts on a ticket (cold, bouncing), for the ticket page of the tickets app."""

from django import template
from django.utils import timezone

from handoff.selectors import ticket_flags

register = template.Library()


@register.inclusion_tag("handoff/_ticket_flags.html")
def handoff_flags(ticket):
    return ticket_flags(ticket, now=timezone.now())
