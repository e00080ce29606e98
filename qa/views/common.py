from django.contrib import messages

from compliance.masking import mask_body, mask_customer, viewer_for
from tickets.models import EventKind
from tickets.selectors import ticket_timeline

CONVERSATION = [EventKind.CUSTOMER_MESSAGE, EventKind.REPLY]


def conversation(ticket, user):
    """The public conversation of TICKET as USER may see it (masked per PII policy)."""
    viewer = viewer_for(user)
    customer = ticket.customer
    return {
        "customer_name": mask_customer(viewer, customer, "name"),
        "conversation_messages": [
            {"event": e, "body": mask_body(viewer, e.body, customer)}
            for e in ticket_timeline(ticket).filter(kind__in=CONVERSATION)
        ],
    }


def service_errors(request, exc):
    for message in exc.messages:
        messages.error(request, message)
