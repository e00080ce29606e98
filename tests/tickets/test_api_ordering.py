"""The ticket list pages by cursor in the order asked for; the configuration lists filter by django-filter."""

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from tests.factories import AgentFactory, RegionFactory, TeamFactory, UserFactory, ticket
from tickets.models import Ticket
from tickets.services import ticket_set_priority

pytestmark = pytest.mark.django_db


def admin_client():
    client = APIClient()
    client.force_authenticate(UserFactory(username="root", role="admin"))
    return client


def walk(client, url):
    """Every ticket id over all cursor pages of URL, in order."""
    ids = []
    while url:
        body = client.get(url).json()
        ids += [row["id"] for row in body["results"]]
        url = body["next"]
    return ids


def test_tickets_page_in_each_ordering():
    # given five tickets made a minute apart, then the oldest changed last
    start = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
    made = []
    for minute in range(5):
        with time_machine.travel(start + dt.timedelta(minutes=minute), tick=False):
            made.append(ticket(subject=f"Ticket {minute}").pk)
    with time_machine.travel(start + dt.timedelta(minutes=10), tick=False):
        ticket_set_priority(ticket=Ticket.objects.get(pk=made[0]), priority="high", actor=None)
    client = admin_client()
    every = client.get("/api/v1/tickets/?page_size=200").json()["results"]
    newest_change = [row["id"] for row in sorted(every, key=lambda r: (r["updated_at"], r["id"]), reverse=True)]

    # when / then: two per page, in every order, nothing skipped or repeated
    assert walk(client, "/api/v1/tickets/?page_size=2") == sorted(newest_change, reverse=True)
    assert walk(client, "/api/v1/tickets/?page_size=2&ordering=id") == sorted(newest_change)
    assert walk(client, "/api/v1/tickets/?page_size=2&ordering=-updated_at") == newest_change
    assert walk(client, "/api/v1/tickets/?page_size=2&ordering=updated_at") == newest_change[::-1]
    assert newest_change[0] == made[0]


@pytest.mark.parametrize("query", ["ordering=subject", "ordering=-sla_due_at", "page_size=0", "page_size=x"])
def test_an_unknown_ordering_or_page_size_is_a_400(query):
    response = admin_client().get(f"/api/v1/tickets/?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["fields"].keys() == {query.split("=")[0]}


def test_configuration_lists_filter_by_their_fields():
    # given two regions, teams of two tiers, and agents in them
    dub, mnl = (
        RegionFactory(code="dub"),
        RegionFactory(code="mnl", name="Manila", time_zone="Asia/Manila", country="PH"),
    )
    t1_dub = TeamFactory(code="t1-dub", region=dub, tier=1)
    TeamFactory(code="t2-dub", region=dub, tier=2)
    t1_mnl = TeamFactory(code="t1-mnl", region=mnl, tier=1)
    AgentFactory(team=t1_dub)
    AgentFactory(team=t1_mnl)
    client = admin_client()

    def codes(url):
        return sorted(row["code"] for row in client.get(url).json()["results"])

    # when / then
    assert codes(f"/api/v1/teams/?region={dub.pk}") == ["t1-dub", "t2-dub"]
    assert codes(f"/api/v1/teams/?region={dub.pk}&tier=1") == ["t1-dub"]
    assert [a["team"] for a in client.get(f"/api/v1/agents/?team={t1_mnl.pk}").json()["results"]] == [t1_mnl.pk]
    response = client.get("/api/v1/teams/?tier=banana")
    assert response.status_code == 400 and "tier" in response.json()["error"]["fields"]


def test_configuration_lists_are_cursor_pages():
    # given three regions
    for code in ("dub", "mnl", "mex"):
        RegionFactory(code=code, name=code, time_zone="UTC", country="IE")
    client = admin_client()

    # when they are read two at a time, then the cursor walks them all, once each
    first = client.get("/api/v1/regions/?page_size=2").json()
    second = client.get(first["next"]).json()
    assert [r["code"] for r in first["results"] + second["results"]] == ["dub", "mnl", "mex"]
    assert second["next"] is None
