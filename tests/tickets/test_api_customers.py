import pytest
from rest_framework.test import APIClient

from tests.factories import (
    AgentFactory,
    CustomerFactory,
    RegionFactory,
    TeamFactory,
    UserFactory,
    VendorFactory,
    shift_pattern,
    ticket,
)
from tickets.services import ticket_assign

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def dublin_team():
    team = TeamFactory(code="t1-dub", region=RegionFactory(code="dub", time_zone="UTC"), tier=1)
    shift_pattern(team, "00:00-00:00")
    return team


def test_agent_reads_customers_of_tickets_in_scope_only(dublin_team):
    agent = AgentFactory(team=dublin_team).user
    mine = CustomerFactory(email="ana@example.org", phone="+353 1 555 0101")
    ticket_assign(ticket=ticket(customer=mine), assignee=agent, actor=agent)
    stranger = CustomerFactory(email="bob@example.org")  # no ticket the agent may see
    api = client_for(agent)
    body = api.get("/api/v1/customers/").json()
    assert [c["email"] for c in body["results"]] == ["ana@example.org"]
    assert body["results"][0]["phone"] == "+353 1 555 0101"
    assert api.get(f"/api/v1/customers/{stranger.pk}/").status_code == 404
    assert api.get("/api/v1/customers/", {"email": "ANA@example.org"}).json()["results"][0]["id"] == mine.pk


def test_vendor_agent_gets_masked_personal_fields_and_finds_by_full_email():
    bpo = VendorFactory(name="Pacific Shore BPO", kind="bpo")
    team = TeamFactory(
        code="t1-mnl", region=RegionFactory(code="mnl", time_zone="UTC", country="PH"), tier=1, vendor=bpo
    )
    shift_pattern(team, "00:00-00:00")
    vendor = AgentFactory(team=team).user
    customer = CustomerFactory(email="ana@example.org", payment_card="4111111111111111", address="1 Main St")
    ticket_assign(ticket=ticket(customer=customer), assignee=vendor, actor=vendor)
    [card] = client_for(vendor).get("/api/v1/customers/", {"email": "ana@example.org"}).json()["results"]
    assert card["email"] == "a•••@example.org" and card["payment_card"] == "•••• 1111"
    assert card["address"] == "[hidden]"
    assert {"email", "payment_card", "address"} <= set(card["masked_fields"])
    assert "4111111111111111" not in str(card) and "ana@example.org" not in str(card)


def test_outsiders():
    assert APIClient().get("/api/v1/customers/").status_code == 401
    assert client_for(UserFactory()).get("/api/v1/customers/").status_code == 403
    admin = client_for(UserFactory(role="admin"))
    CustomerFactory()
    assert admin.get("/api/v1/customers/").json()["results"] == []  # no ticket, no reason to see them
