"""Personal data in templates, always through compliance.masking.

`{% pii_customer customer "email" %}` shows one customer attribute as the viewer may see it, with a "masked",
"hidden" or "revealed until HH:MM" badge (text and icon, never colour alone); with `reveal=True` a masked value
also gets a small "Reveal" form (reason required) when the viewer may reveal it.

Message bodies are masked before they are rendered: `{% pii_body e.body ticket.customer as body %}` gives the
masked raw text (a Shown) that the page then renders as Markdown, `{{ body.text|markdown }}`, and
`{% pii_badge body %}` shows its state. compliance sits below tickets, so the Markdown step stays in tickets.
"""

from django import template
from django.middleware.csrf import get_token
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from compliance.masking import CUSTOMER_FIELDS, Shown, mask_body, mask_customer, viewer_for
from compliance.models import PiiField, Treatment
from compliance.services import REVEAL_MINUTES

register = template.Library()

REVEALED = "revealed"
LABELS = {
    PiiField.NAME: "name",
    PiiField.EMAIL: "email",
    PiiField.PHONE: "phone",
    PiiField.ADDRESS: "address",
    PiiField.CARD: "payment card",
    PiiField.ACCOUNT: "account id",
    PiiField.BODY: "message texts",
}


def _request(context):
    return context.get("request")


def _viewer(context):
    """The signed-in user's viewer; without a request (an email, a task) the strictest one."""
    request = _request(context)
    return viewer_for(getattr(request, "user", None))


@register.simple_tag(takes_context=True)
def pii(context, customer, attribute):
    """One attribute of CUSTOMER (name, email, phone, address, payment_card, account_id) as a Shown."""
    if customer is None:
        return Shown("", Treatment.FULL, CUSTOMER_FIELDS[attribute], None)
    return mask_customer(_viewer(context), customer, attribute)


@register.simple_tag(takes_context=True)
def pii_body(context, body, customer):
    """A message body of CUSTOMER's ticket, masked for the viewer, still raw Markdown (render it after)."""
    if customer is None:
        return Shown(body or "", Treatment.FULL, PiiField.BODY, None)
    return mask_body(_viewer(context), body, customer)


def _badge(context, shown, *, reveal, next_url):
    """What the badge partial needs to show SHOWN's state and, when allowed, the reveal form."""
    state = shown.state
    data = {
        "shown": shown,
        "state": state,
        "label": LABELS.get(shown.field, "value"),
        "until": None,
        "reveal_form": False,
    }
    viewer = _viewer(context)
    if state == REVEALED and shown.customer_id is not None:
        data["until"] = viewer.revealed_until(shown.customer_id, shown.field)
    # Only a policy mask can be lifted: a hidden field stays hidden, and a mask that residency adds
    # (data of a zone this viewer's region may not handle) is not the viewer's to lift either.
    policy_masked = state == Treatment.MASKED and viewer.treatments.get(shown.field) == Treatment.MASKED
    if reveal and policy_masked and shown.customer_id is not None and viewer.can_reveal:
        request = _request(context)
        try:
            action = reverse("pii-reveal")
        except NoReverseMatch:  # the workspace is not installed: nothing to post to
            action = None
        if action and request is not None:
            data.update(
                reveal_form=True,
                action=action,
                csrf_token=get_token(request),
                next_url=next_url or request.get_full_path(),
                input_id=f"reveal-{shown.field}-{shown.customer_id}",
                minutes=REVEAL_MINUTES,
            )
    if data["until"] is not None:
        data["until"] = timezone.localtime(data["until"])
        data["zone"] = timezone.get_current_timezone_name()
    return data


@register.inclusion_tag("compliance/_pii.html", takes_context=True)
def pii_customer(context, customer, attribute, reveal=False, mailto=False, next_url=None):
    """A customer's value with its state badge; REVEAL adds the reveal form, MAILTO links a readable email."""
    shown = pii(context, customer, attribute)
    data = _badge(context, shown, reveal=reveal and bool(shown.text), next_url=next_url)
    data.update(show_value=True, mailto=mailto and shown.state in (Treatment.FULL, REVEALED))
    return data


@register.inclusion_tag("compliance/_pii.html", takes_context=True)
def pii_badge(context, shown, reveal=False, next_url=None):
    """Only the state badge (and reveal form) of a Shown, e.g. of a masked message body."""
    data = _badge(context, shown, reveal=reveal, next_url=next_url)
    data.update(show_value=False, mailto=False)
    return data
