"""Every route of the site, page and API, walked by outsiders: nothing of another region's ticket leaks.

The routes are read from the URL configuration, so a new page or endpoint is covered the day it is added.
"""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import (
    AgentFactory,
    CustomerFactory,
    RegionFactory,
    TeamFactory,
    VendorFactory,
    shift_pattern,
    ticket,
)
from tickets.models import Ticket
from tickets.services import ticket_move_to_team, ticket_set_next_action

pytestmark = pytest.mark.django_db

SECRET_SUBJECT = "Secret merger refund 7731"
SECRET_EMAIL = "ceo.secret@bigcorp.example"
SECRET_NOTE = "Wire the refund to the new account"


def _routes(resolver=None, prefix=""):
    """Every (route pattern as text, name) of the site, flattened."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        text = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry, text)
        elif isinstance(entry, URLPattern):
            yield text, entry.name


def _path(pattern, pk):
    """A concrete path for PATTERN with every parameter set to PK (or a plausible word), or None to skip."""
    if "format" in pattern:
        return None  # DRF's format-suffix twins of routes already walked
    path = re.sub(r"<(?:int|path|str|slug):[^>]+>", str(pk), pattern)
    path = re.sub(r"\(\?P<[^>]+>[^)]*\)", str(pk), path)
    path = path.replace("^", "").replace("$", "").replace("\\.", ".").replace("\\", "")
    if any(ch in path for ch in "()[]*+?|"):
        return None
    return "/" + path.lstrip("/")


# Configuration every member of staff may read (regions issue: "read for agents"); nothing personal in it.
STAFF_READABLE = tuple(
    f"/api/v1/{name}/"
    for name in (
        "regions",
        "vendors",
        "teams",
        "agents",
        "agent-languages",
        "shift-patterns",
        "shift-days",
        "rotations",
        "rotation-steps",
        "sourcing-rules",
    )
)

ALL_PATHS = sorted({p for pattern, _ in _routes() if (p := _path(pattern, "{pk}"))})


@pytest.fixture
def secret_ticket():
    dublin = RegionFactory(code="dub", name="Dublin", time_zone="UTC", country="IE")
    team = TeamFactory(code="t1-dub", region=dublin, tier=1)
    shift_pattern(team, "00:00-00:00")
    owner = AgentFactory(team=team).user
    t = ticket(subject=SECRET_SUBJECT, customer=CustomerFactory(email=SECRET_EMAIL, country="IE"))
    t = ticket_move_to_team(ticket=t, team=team, actor=None, reason="setup")
    return ticket_set_next_action(ticket=t, text=SECRET_NOTE, actor=owner)


@pytest.fixture(params=["other_region_agent", "vendor_agent", "anonymous"])
def outsider(request):
    manila = RegionFactory(code="mnl", name="Manila", time_zone="UTC", country="PH", residency_zone="APAC")
    client = Client()
    if request.param == "other_region_agent":
        client.force_login(AgentFactory(team=TeamFactory(code="t1-mnl", region=manila, tier=1)).user)
    elif request.param == "vendor_agent":
        bpo = VendorFactory(name="Pacific Shore BPO", kind="bpo")
        client.force_login(AgentFactory(team=TeamFactory(code="t1-mnl-bpo", region=manila, tier=1, vendor=bpo)).user)
    return client


def test_the_walk_covers_pages_and_api():
    assert len(ALL_PATHS) > 40
    assert "/tickets/{pk}/" in ALL_PATHS and "/api/v1/tickets/{pk}/" in ALL_PATHS


def test_outsiders_see_nothing_and_change_nothing(secret_ticket, outsider):
    events_before = secret_ticket.events.count()
    leaks = []
    for template in ALL_PATHS:
        path = template.replace("{pk}", str(secret_ticket.pk))
        for method in ("get", "post"):
            response = getattr(outsider, method)(path)
            body = response.content.decode(errors="replace") if not response.streaming else ""
            if SECRET_SUBJECT in body or SECRET_EMAIL in body or SECRET_NOTE in body:
                leaks.append(f"{method.upper()} {path} -> {response.status_code} shows the secret")
            scoped = "{pk}" in template and not template.startswith(STAFF_READABLE)
            if scoped and response.status_code in (200, 201, 204):
                leaks.append(f"{method.upper()} {path} -> {response.status_code} for an out-of-scope object")
    assert not leaks, "\n".join(leaks)
    t = Ticket.objects.get(pk=secret_ticket.pk)
    assert t.events.count() == events_before and t.next_action == SECRET_NOTE


def test_the_owner_does_see_the_ticket(secret_ticket):
    client = Client()
    owner = secret_ticket.next_action_set_by
    client.force_login(owner)
    assert SECRET_SUBJECT in client.get(f"/tickets/{secret_ticket.pk}/").content.decode()
