import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def _seed(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=err)
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
    first = list(
        get_user_model().objects.order_by("username").values_list("username", "first_name", "last_name")
    )
    get_user_model().objects.all().delete()
    _seed("--seed", "3")
    again = list(
        get_user_model().objects.order_by("username").values_list("username", "first_name", "last_name")
    )
    assert first == again


def test_if_empty_leaves_existing_data_alone():
    _seed()
    out, _ = _seed("--if-empty")
    assert "left it alone" in out
