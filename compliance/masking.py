"""PII leaves the server only through these functions: pages, API, exports, emails and search results.

`viewer_for(user)` works out once per request what the user may see (audience, residency zone, active
reveals); `mask(viewer, field, value, customer_id=, customer_zone=)` returns what to show and in which state.
"""

import re
from dataclasses import dataclass
from functools import cached_property

from django.utils import timezone

from regions.models import Agent, Vendor

from .models import DEFAULT_TREATMENTS, Audience, PiiField, PiiPolicy, PiiReveal, ResidencyRestriction, Role, Treatment

HIDDEN_TEXT = "[hidden]"
_EMAIL = re.compile(r"\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")
_DIGITS = re.compile(r"(?<![\w])(?:\+?\d[\d ().-]{6,}\d)(?![\w])")


@dataclass(frozen=True)
class Shown:
    """A value as one viewer may see it; STATE is full, masked, hidden or revealed."""

    text: str
    state: str
    field: str
    customer_id: int | None

    def __str__(self):
        return self.text

    @property
    def is_masked(self):
        return self.state in (Treatment.MASKED, Treatment.HIDDEN)


def audience_for(user, agent=None):
    role = getattr(user, "role", None)
    if role == Role.ADMIN:
        return Audience.ADMIN
    if role == Role.INTEGRATION:
        return Audience.INTEGRATION
    if role == Role.LEAD:
        return Audience.LEAD
    agent = agent or getattr(user, "agent", None)
    if agent is None:
        return Audience.VENDOR_T1  # unknown people get the strictest treatment
    kind = "vendor" if agent.team.vendor.kind == Vendor.Kind.BPO else "inhouse"
    return Audience(f"{kind}_t{agent.tier}")


class Viewer:
    """What one user may see of personal data; build it once per request with viewer_for()."""

    def __init__(self, user):
        self.user = user
        signed_in = user is not None and user.is_authenticated
        agent = (
            Agent.objects.select_related("team__vendor", "team__region").filter(user=user).first()
            if signed_in
            else None
        )
        self.audience = audience_for(user, agent) if signed_in else Audience.VENDOR_T1
        self.zone = agent.team.region.residency_zone if agent is not None else None

    @cached_property
    def treatments(self):
        table = {field: DEFAULT_TREATMENTS[(field, self.audience)] for field in PiiField}
        for field, treatment in PiiPolicy.objects.filter(audience=self.audience).values_list("field", "treatment"):
            table[field] = treatment
        return table

    @cached_property
    def forbidden_zones(self):
        """Customer zones whose data may not be handled unmasked in this viewer's zone."""
        if self.zone is None:
            return set()
        return set(ResidencyRestriction.objects.filter(handling_zone=self.zone).values_list("data_zone", flat=True))

    @cached_property
    def reveals(self):
        if self.user is None or not self.user.is_authenticated:
            return {}
        now = timezone.now()
        rows = PiiReveal.objects.filter(user=self.user, expires_at__gt=now).values_list(
            "customer_id", "field", "expires_at"
        )
        return {(customer_id, field): expires for customer_id, field, expires in rows}

    def treatment(self, field, customer_zone=None):
        treatment = self.treatments[field]
        if treatment == Treatment.FULL and customer_zone in self.forbidden_zones:
            return Treatment.MASKED  # residency: readable only in allowed zones
        return treatment

    def revealed_until(self, customer_id, field):
        return self.reveals.get((customer_id, field))

    @property
    def can_reveal(self):
        return self.user is not None and self.user.has_perm("compliance.reveal_pii")


def viewer_for(user):
    """The Viewer of USER, cached on the user object for the rest of the request."""
    if user is None:
        return Viewer(None)
    if not hasattr(user, "_pii_viewer"):
        user._pii_viewer = Viewer(user)
    return user._pii_viewer


def _mask_text(field, value):
    if not value:
        return value
    if field == PiiField.NAME:
        return " ".join(f"{part[0]}." for part in value.split())
    if field == PiiField.EMAIL:
        local, _, domain = value.partition("@")
        return f"{local[:1]}•••@{domain}" if domain else "•••"
    if field in (PiiField.PHONE, PiiField.CARD, PiiField.ACCOUNT):
        digits = re.sub(r"\D", "", value) or value
        return f"•••• {digits[-4:]}"
    if field == PiiField.ADDRESS:
        return "••• (address masked)"
    if field == PiiField.BODY:
        text = _EMAIL.sub(lambda m: f"{m.group(1)}•••@{m.group(2)}", value)
        return _DIGITS.sub(lambda m: "•••• " + re.sub(r"\D", "", m.group(0))[-4:], text)
    return "•••"


def mask(viewer, field, value, *, customer_id=None, customer_zone=None):
    """VALUE of FIELD as VIEWER may see it."""
    value = value or ""
    treatment = viewer.treatment(field, customer_zone)
    if treatment == Treatment.FULL:
        return Shown(value, Treatment.FULL, field, customer_id)
    if customer_id is not None and viewer.revealed_until(customer_id, field):
        return Shown(value, "revealed", field, customer_id)
    if treatment == Treatment.HIDDEN:
        return Shown(HIDDEN_TEXT if value else "", Treatment.HIDDEN, field, customer_id)
    return Shown(_mask_text(field, value), Treatment.MASKED, field, customer_id)


CUSTOMER_FIELDS = {
    "name": PiiField.NAME,
    "email": PiiField.EMAIL,
    "phone": PiiField.PHONE,
    "address": PiiField.ADDRESS,
    "payment_card": PiiField.CARD,
    "account_id": PiiField.ACCOUNT,
}


def mask_customer(viewer, customer, attribute):
    """One attribute of a customer (name, email, phone, address, payment_card, account_id) for VIEWER."""
    return mask(
        viewer,
        CUSTOMER_FIELDS[attribute],
        getattr(customer, attribute),
        customer_id=customer.pk,
        customer_zone=customer.residency_zone,
    )


def mask_body(viewer, body, customer):
    """A message body (free text) of CUSTOMER's ticket for VIEWER."""
    return mask(viewer, PiiField.BODY, body, customer_id=customer.pk, customer_zone=customer.residency_zone)
