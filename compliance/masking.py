"""PII leaves the server only through these functions: pages, API, exports, emails and search results.

`viewer_for(user)` works out once per request what the user may see (audience, residency zone, active
reveals); `mask(viewer, field, value, customer_id=, customer_zone=)` returns what to show and in which state.
"""

import re
from dataclasses import dataclass
from functools import cached_property

from django.contrib.auth.models import Group, Permission
from django.db.models import CharField, DateTimeField, F, IntegerField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.functional import LazyObject

from regions.models import Agent, Team, Vendor
from regions.selectors import agent_for, agent_remember_none, led_team_ids_remember

from .models import (
    DEFAULT_TREATMENTS,
    ROLE_ORDER,
    Audience,
    PiiField,
    PiiPolicy,
    PiiReveal,
    ResidencyRestriction,
    Role,
    Treatment,
)

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


def _rows(queryset, kind, value):
    text = CharField()
    return queryset.order_by().annotate(kind=Value(kind, output_field=text), value=value).values_list("kind", "value")


def principal_load(user):
    """Role, permissions and led teams of USER in one query, kept on the user object for the rest of the request.

    Without it every page pays four round trips before its own work: Django's ModelBackend reads the user's and the
    groups' permissions apart, User.role reads the groups, the ticket scope reads the led teams. This fills the same
    caches (ModelBackend's permission caches, the `role` cached property, regions.selectors.led_team_ids), so the
    answers are those the separate reads would give. Call it before the first permission check; it does nothing
    for an anonymous user or when run twice.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return
    target = user._wrapped if isinstance(user, LazyObject) else user
    if getattr(target, "_principal_loaded", False):
        return
    text = CharField()
    perm = Concat(F("content_type__app_label"), Value("."), F("codename"), output_field=text)
    rows = _rows(Group.objects.filter(user=target), "group", F("name")).union(
        _rows(Permission.objects.filter(user=target), "user_perm", perm),
        _rows(Permission.objects.filter(group__user=target), "group_perm", perm),
        _rows(Team.objects.filter(leads=target), "led", Cast("pk", output_field=text)),
        _rows(Agent.objects.filter(user=target), "agent", Cast("pk", output_field=text)),
        all=True,
    )
    found = {"group": set(), "user_perm": set(), "group_perm": set(), "led": [], "agent": set()}
    for kind, value in rows:
        if kind == "led":
            found["led"].append(int(value))
        else:
            found[kind].add(value)
    if "role" not in target.__dict__:
        # The same rule as helpdesk.models.User.role.
        held = found["group"]
        role = Role.ADMIN if target.is_superuser else next((r for r in ROLE_ORDER if r.label in held), None)
        target.__dict__["role"] = role
    # A superuser's permissions are all of them (ModelBackend reads them all): left to Django.
    if not target.is_superuser and not hasattr(target, "_perm_cache"):
        target._user_perm_cache = found["user_perm"]
        target._group_perm_cache = found["group_perm"]
        target._perm_cache = found["user_perm"] | found["group_perm"]
    led_team_ids_remember(target, sorted(found["led"]))
    if not found["agent"]:
        agent_remember_none(target)  # leads and admins without an agent row: agent_for() costs no query
    target._principal_loaded = True


def audience_for(user, agent=None):
    role = getattr(user, "role", None)
    if role == Role.ADMIN:
        return Audience.ADMIN
    if role == Role.INTEGRATION:
        return Audience.INTEGRATION
    if role == Role.LEAD:
        return Audience.LEAD
    agent = agent or agent_for(user)
    if agent is None:
        return Audience.VENDOR_T1  # unknown people get the strictest treatment
    kind = "vendor" if agent.team.vendor.kind == Vendor.Kind.BPO else "inhouse"
    return Audience(f"{kind}_t{agent.tier}")


class Viewer:
    """What one user may see of personal data; build it once per request with viewer_for()."""

    def __init__(self, user):
        self.user = user
        signed_in = user is not None and user.is_authenticated
        agent = agent_for(user) if signed_in else None
        self.audience = audience_for(user, agent) if signed_in else Audience.VENDOR_T1
        self.zone = agent.team.region.residency_zone if agent is not None else None

    @cached_property
    def _rules(self):
        """(policy rows, forbidden zones, active reveals) of this viewer in one query: all three are small and every
        page that shows personal data needs them."""
        text, number, instant = CharField(), IntegerField(), DateTimeField()

        def rows(queryset, kind, first, second="", customer=None, until=None):
            return (
                queryset.order_by()
                .annotate(
                    kind_=Value(kind, output_field=text),
                    first_=first,
                    second_=Value(second, output_field=text) if isinstance(second, str) else second,
                    # typed NULLs: PostgreSQL types a UNION's columns pair by pair, and a bare NULL pair is text
                    customer_=Cast(Value(None), output_field=number) if customer is None else customer,
                    until_=Cast(Value(None), output_field=instant) if until is None else until,
                )
                .values_list("kind_", "first_", "second_", "customer_", "until_")
            )

        parts = [rows(PiiPolicy.objects.filter(audience=self.audience), "policy", F("field"), F("treatment"))]
        if self.zone is not None:
            parts.append(rows(ResidencyRestriction.objects.filter(handling_zone=self.zone), "zone", F("data_zone")))
        if self.user is not None and self.user.is_authenticated:
            reveals = PiiReveal.objects.filter(user=self.user, expires_at__gt=timezone.now())
            parts.append(rows(reveals, "reveal", F("field"), customer=F("customer_id"), until=F("expires_at")))
        policy, forbidden, revealed = {}, set(), {}
        for kind, first, second, customer_id, until in parts[0].union(*parts[1:], all=True):
            if kind == "policy":
                policy[first] = second
            elif kind == "zone":
                forbidden.add(first)
            else:
                revealed[(customer_id, first)] = until
        return policy, forbidden, revealed

    @cached_property
    def treatments(self):
        table = {field: DEFAULT_TREATMENTS[(field, self.audience)] for field in PiiField}
        table.update(self._rules[0])
        return table

    @cached_property
    def forbidden_zones(self):
        """Customer zones whose data may not be handled unmasked in this viewer's zone."""
        if self.zone is None:
            return set()
        return self._rules[1]

    @cached_property
    def reveals(self):
        if self.user is None or not self.user.is_authenticated:
            return {}
        return self._rules[2]

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
