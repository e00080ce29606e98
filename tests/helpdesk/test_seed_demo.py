import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def _seed(*args):
    """seed_demo without tickets: these tests are about people and configuration (tickets: tests/tickets)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("seed_demo", "--tickets", "0", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_seed_demo_prints_logins_and_gives_roles():
    out, err = _seed("--seed", "7")
    assert "agent1.dub" in out and "lead.mnl" in out and "api.bot" in out
    assert "[##############################]" in err
    User = get_user_model()
    assert User.objects.get(username="agent1.dub").role == "agent"
    assert User.objects.get(username="lead.krk").role == "lead"
    assert User.objects.get(username="admin").is_staff
    assert User.objects.get(username="agent1.mex").time_zone == "America/Mexico_City"
    assert User.objects.get(username="agent1.mnl").check_password("meridian-demo")


def test_same_seed_same_data():
    _seed("--seed", "3")
    first = list(get_user_model().objects.order_by("username").values_list("username", "first_name", "last_name"))
    get_user_model().objects.all().delete()
    _seed("--seed", "3")
    again = list(get_user_model().objects.order_by("username").values_list("username", "first_name", "last_name"))
    assert first == again


def test_if_empty_leaves_existing_data_alone():
    _seed()
    out, _ = _seed("--if-empty")
    assert "left it alone" in out


def test_demo_configuration_covers_tiers_1_and_2_around_the_clock_but_one_gap():
    import datetime as dt

    from regions.coverage import coverage_check
    from regions.models import Agent, Team

    _seed()
    assert Agent.objects.count() >= 40
    assert Team.objects.get(code="t1-mnl").vendor.kind == "bpo"
    for start in (
        dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
        dt.datetime(2027, 7, 1, tzinfo=dt.UTC),
    ):  # GMT and IST
        assert coverage_check(tier=1, start=start, days=7) == []
        issues = coverage_check(tier=2, start=start, days=7)
        assert [(i.kind, i.start.strftime("%a")) for i in issues] == [("gap", "Sun")]
        assert coverage_check(tier=3, start=start, days=7) == []  # business hours: closed, not gaps
