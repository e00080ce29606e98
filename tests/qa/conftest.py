import datetime as dt

import pytest

from qa.demo import seed_rubrics
from tests.factories import (
    AgentFactory,
    CustomerFactory,
    RegionFactory,
    TeamFactory,
    UserFactory,
    VendorFactory,
    ticket,
)
from tickets.services import ticket_assign, ticket_move_to_team, ticket_reply, ticket_set_status

T0 = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)  # a Monday


@pytest.fixture
def rubrics(db):
    return seed_rubrics(now=T0)


@pytest.fixture
def world(rubrics):
    """Manila (a BPO vendor's team, with a lead) and Dublin (in-house, with a lead); an agent in each."""
    mnl = RegionFactory(code="mnl", name="Manila", time_zone="Asia/Manila", country="PH", residency_zone="APAC")
    dub = RegionFactory(code="dub", name="Dublin", time_zone="Europe/Dublin", country="IE", residency_zone="EU")
    bpo = VendorFactory(name="Lumen BPO", kind="bpo")
    teams = {
        "mnl": TeamFactory(code="t1-mnl", name="Manila T1", region=mnl, vendor=bpo),
        "dub": TeamFactory(code="t1-dub", name="Dublin T1", region=dub, vendor=VendorFactory()),
    }
    people = {
        "lead.mnl": UserFactory(username="lead.mnl", role="lead"),
        "lead.dub": UserFactory(username="lead.dub", role="lead"),
        "agent.mnl": AgentFactory(team=teams["mnl"], user__username="agent.mnl").user,
        "agent.dub": AgentFactory(team=teams["dub"], user__username="agent.dub").user,
        "admin": UserFactory(username="admin", role="admin"),
    }
    teams["mnl"].leads.add(people["lead.mnl"])
    teams["dub"].leads.add(people["lead.dub"])
    return {"teams": teams, "rubrics": rubrics, **people}


def conversation(*, agent, team, country="DE", language="de", at=T0, replies=1, solve=True, subject=None, email=None):
    """A ticket of a customer in COUNTRY worked by AGENT of TEAM: REPLIES public replies, then solved."""
    customer = CustomerFactory(country=country, language=language, **({"email": email} if email else {}))
    t = ticket(customer=customer, at=at, **({"subject": subject} if subject else {}))
    t = ticket_move_to_team(ticket=t, team=team, actor=None, reason="test", at=at)
    t = ticket_assign(ticket=t, assignee=agent, actor=agent, at=at)
    for i in range(replies):
        t = ticket_reply(ticket=t, body=f"Reply {i + 1}", actor=agent, at=at + dt.timedelta(minutes=5 * (i + 1)))
    if solve:
        t = ticket_set_status(ticket=t, status="solved", actor=agent, at=at + dt.timedelta(minutes=5 * replies + 1))
    return t


def points(rubric, value=None, comment=""):
    """{criterion id: (point, comment)}: every criterion at VALUE (default: its top point)."""
    return {c.pk: (min(value, c.scale) if value else c.scale, comment) for c in rubric.criteria.all()}
