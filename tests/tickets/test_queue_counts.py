"""Queue tab counts stop at a cap (tickets.selectors.QUEUE_COUNT_CAP) so a tab costs the same at any data size."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import AgentFactory, CustomerFactory, RegionFactory, TeamFactory, UserFactory, shift_pattern
from tickets import selectors, views
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    region = RegionFactory(code="dub", name="Dublin", time_zone="Europe/Dublin", country="IE")
    team = TeamFactory(code="t1-dub", name="Dublin Tier 1", region=region, tier=1)
    manila = RegionFactory(code="mnl", name="Manila", time_zone="Asia/Manila", country="PH")
    other = TeamFactory(code="t1-mnl", name="Manila Tier 1", region=manila, tier=1)
    shift_pattern(team, "00:00-00:00")
    agent = UserFactory(username="aoife", role="agent")
    AgentFactory(user=agent, team=team)
    customer, now = CustomerFactory(), timezone.now()
    for i in range(7):
        Ticket.objects.create(
            customer=customer, subject=f"Open {i}", team=team, status="open", created_at=now, updated_at=now
        )
    Ticket.objects.create(
        customer=customer, subject="Closed", team=team, status="closed", created_at=now, updated_at=now
    )
    Ticket.objects.create(
        customer=customer, subject="Not mine to see", team=other, status="open", created_at=now, updated_at=now
    )
    return agent


def test_counts_are_exact_below_the_cap_and_stop_just_past_it(desk, monkeypatch):
    # given the agent's team holds 7 open tickets and 1 closed one, and another region's team 1 more
    assert selectors.queue_counts(desk) == {
        "mine": 0,
        "mentioned": 0,
        "team": 7,
        "unassigned": 7,
        "region": 7,
        "all": 8,
    }
    # when the cap is 5
    monkeypatch.setattr(selectors, "QUEUE_COUNT_CAP", 5)
    # then every count stops at cap + 1, which the page shows as "5+"
    assert selectors.queue_counts(desk) == {
        "mine": 0,
        "mentioned": 0,
        "team": 6,
        "unassigned": 6,
        "region": 6,
        "all": 6,
    }


def test_the_page_shows_capped_tabs_and_pages_through_the_first_cap_tickets(client, desk, monkeypatch):
    monkeypatch.setattr(selectors, "QUEUE_COUNT_CAP", 4)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client.force_login(desk)
    response = client.get(reverse("queue"), {"view": "team"})
    html = response.content.decode()
    assert '<span class="count" id="count-team">4+</span>' in html
    assert '<span class="count" id="count-mine">0</span>' in html
    assert "Page 1 of 2 · 4+ tickets (filter to narrow)" in html
    # a filtered list is capped the same way, and its own count is what pages
    response = client.get(reverse("queue"), {"view": "team", "status": "open", "page": 2})
    assert "Page 2 of 2 · 4+ tickets" in response.content.decode()
    assert len(response.context["page_obj"].object_list) == 2


def test_a_view_that_can_match_nothing_counts_zero(desk):
    lead = UserFactory(username="lead", role="lead")  # no agent row: the team and region views match nothing
    assert selectors.queue_counts(lead) == {
        "mine": 0,
        "mentioned": 0,
        "team": 0,
        "unassigned": 0,
        "region": 0,
        "all": 0,
    }
