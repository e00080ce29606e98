"""Login rate limiting (django-axes): 100 failed logins lock the account for an hour; audit and APIs unaffected."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from compliance.models import AuditAction, AuditEntry
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def fail(client, username="aoife", times=1):
    for _ in range(times):
        response = client.post(reverse("login"), {"username": username, "password": "not-her-password"})
    return response


def test_the_limit_is_100_failures_per_account_per_hour():
    assert settings.AXES_ENABLED is True
    assert settings.AXES_FAILURE_LIMIT == 100
    assert settings.AXES_COOLOFF_TIME == 1
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username"]
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_99_failures_still_let_the_right_password_in(client):
    # given an agent whose password was guessed wrong 99 times
    UserFactory(username="aoife", role="agent")
    assert fail(client, times=99).status_code == 200
    # when she types the right one
    response = client.post(reverse("login"), {"username": "aoife", "password": PASSWORD})
    # then she is in
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


@time_machine.travel(NOW, tick=False)
def test_100_failures_lock_the_account_for_an_hour_with_a_page_that_says_until_when(client):
    # given an agent
    UserFactory(username="aoife", role="agent")
    # when someone fails 100 times
    fail(client, times=99)
    locked = fail(client)
    # then the 100th answer is the lockout page, saying when to try again
    assert locked.status_code == 429
    assert locked["Retry-After"] == "3600"
    page = locked.content.decode()
    assert "Login locked for now" in page
    assert "10:30 UTC" in page and "in about 60 minutes" in page
    assert "the account “aoife”" in page
    # and even the right password is refused while locked, without moving the time
    with time_machine.travel(NOW + dt.timedelta(minutes=59), tick=False):
        right = client.post(reverse("login"), {"username": "aoife", "password": PASSWORD})
        assert right.status_code == 429
        assert "10:30 UTC" in right.content.decode() and "in about 1 minute" in right.content.decode()
        assert "_auth_user_id" not in client.session
    # and an hour after the last failure the right password works again
    with time_machine.travel(NOW + dt.timedelta(hours=1, seconds=1), tick=False):
        again = client.post(reverse("login"), {"username": "aoife", "password": PASSWORD})
        assert again.status_code == 302
        assert "_auth_user_id" in client.session


def test_the_lockout_is_per_account_not_per_address(client):
    # given two agents behind the same address (a vendor's floor), one of them locked out
    UserFactory(username="aoife", role="agent")
    UserFactory(username="bea", role="agent")
    assert fail(client, "aoife", times=100).status_code == 429
    # when the other logs in from the same address
    response = client.post(reverse("login"), {"username": "bea", "password": PASSWORD})
    # then she is not affected
    assert response.status_code == 302


def test_every_failure_is_still_audited_including_the_ones_refused_by_the_lockout(client):
    # given an agent locked out after 100 failures
    UserFactory(username="aoife", role="agent")
    fail(client, times=100)
    # when two more attempts come, one with the right password
    fail(client)
    client.post(reverse("login"), {"username": "aoife", "password": PASSWORD})
    # then all 102 are in the audit log, and no password in any form
    failed = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED)
    assert failed.count() == 102
    assert {tuple(e.details.items()) for e in failed} == {(("username", "aoife"),)}
    assert not AuditEntry.objects.filter(action=AuditAction.LOGIN).exists()


def test_api_token_and_session_auth_are_not_affected_by_a_lockout(client):
    # given an admin whose browser login is locked out, with an API token and a session from before
    admin = UserFactory(username="root", role="admin")
    token = Token.objects.create(user=admin)
    client.force_login(admin)
    fail(Client(), "root", times=100)
    # when the API is called with the token and with the session
    with_token = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    with_session = client.get("/api/v1/me/")
    # then both work: the lockout is about guessing passwords, not about existing credentials
    assert with_token.status_code == 200 and with_token.json()["username"] == "root"
    assert with_session.status_code == 200
    # and a wrong token is a plain 401, not a lockout
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION="Token nope").status_code == 401


def test_the_django_admin_login_leads_to_the_same_login_page(client):
    # Django admin's own login form would not show the lockout page or ask for a two-factor code.
    response = client.get("/admin/login/?next=/admin/auth/group/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Fadmin%2Fauth%2Fgroup%2F"
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_admin_login_page_for_signed_in_people(client):
    client.force_login(UserFactory(role="admin"))
    assert client.get("/admin/login/")["Location"] == "/admin/"
    client.force_login(UserFactory(role="agent"))
    assert client.get("/admin/login/").status_code == 404
