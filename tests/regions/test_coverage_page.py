import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from regions.models import Rotation
from tests.factories import RegionFactory, TeamFactory, UserFactory, shift_pattern

pytestmark = pytest.mark.django_db


@pytest.fixture
def tier_one():
    dublin = RegionFactory(code="dub", name="Dublin", time_zone="Europe/Dublin", country="IE")
    team = TeamFactory(code="t1-dub", name="Dublin Tier 1", region=dublin, tier=1)
    shift_pattern(team, "07:00-17:00", works_public_holidays=True)
    Rotation.objects.create(tier=1)
    return team


@time_machine.travel(dt.datetime(2026, 1, 5, 10, 30, tzinfo=dt.UTC), tick=False)
def test_lead_sees_the_week_grid_with_gaps_and_now(client, tier_one):
    client.force_login(UserFactory(role="lead", time_zone="Europe/Dublin"))
    response = client.get(reverse("coverage"), {"tier": 1})
    assert response.status_code == 200
    rows = response.context["rows"]
    assert len(rows) == 7 and rows[0].date == dt.date(2026, 1, 5)
    assert rows[0].cells[10].now and [t.code for t in rows[0].cells[10].teams] == ["t1-dub"]
    assert rows[0].cells[20].gap
    page = response.content.decode()
    assert "hours in Europe/Dublin" in page
    assert "No Tier 1 team on shift" in page


def test_zone_is_switchable_and_bad_parameters_fall_back(client, tier_one):
    client.force_login(UserFactory(role="lead"))
    response = client.get(reverse("coverage"), {"tier": 1, "tz": "Asia/Manila", "start": "2026-01-05"})
    assert response.context["zone_name"] == "Asia/Manila"
    # 07:00-17:00 in Dublin (winter) is 15:00-01:00 in Manila
    cells = response.context["rows"][0].cells
    assert cells[15].teams and not cells[14].teams
    response = client.get(reverse("coverage"), {"tier": 9, "tz": "Nowhere/Land", "start": "tuesday"})
    assert response.status_code == 200
    assert response.context["tier"] == 1


def test_admin_sees_coverage_page(client, tier_one):
    client.force_login(UserFactory(role="admin"))
    assert client.get(reverse("coverage")).status_code == 200


@pytest.mark.parametrize("role", ["agent", "integration", None])
def test_outsiders_get_404_or_login(client, tier_one, role):
    if role:
        client.force_login(UserFactory(role=role))
        assert client.get(reverse("coverage")).status_code == 404
    else:
        assert client.get(reverse("coverage"))["Location"].startswith(reverse("login"))


def test_query_count_does_not_grow_with_teams(client, django_assert_max_num_queries, tier_one):
    client.force_login(UserFactory(role="lead"))
    for n in range(5):
        shift_pattern(TeamFactory(code=f"extra{n}", tier=1), "00:00-08:00")
    with django_assert_max_num_queries(20):
        client.get(reverse("coverage"), {"tier": 1})
