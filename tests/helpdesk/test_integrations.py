"""Admins manage integration accounts and their API tokens in the app; everyone else finds nothing there."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from compliance.models import AuditAction, AuditEntry, Role
from helpdesk.services import integration_create
from tests.factories import PASSWORD, AgentFactory, UserFactory

URL = reverse("integrations")


def calls_me(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/me/").status_code


@pytest.fixture
def admin(client):
    user = UserFactory(username="root", role="admin")
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_admin_creates_an_account_and_sees_its_key_once(client, admin):
    # when
    response = client.post(URL, {"action": "create", "username": "integration-crm"})

    # then the key is on this answer, works on the API, and the account is API-only
    token = Token.objects.get(user__username="integration-crm")
    assert response.status_code == 200
    assert token.key in response.content.decode()
    assert calls_me(token.key) == 200
    assert token.user.role == Role.INTEGRATION
    assert not token.user.has_usable_password()
    assert token.key not in client.get(URL).content.decode()  # never shown again
    assert set(
        AuditEntry.objects.filter(action=AuditAction.PERMISSION_CHANGE, actor=admin).values_list("summary", flat=True)
    ) == {
        "Role Integration granted to integration-crm",
        "API token of integration-crm issued with the new integration account",
    }


@pytest.mark.django_db
def test_replacing_a_token_stops_the_old_one_and_revoking_stops_all(client, admin):
    # given
    old = integration_create(username="integration-bi", actor=admin)

    # when the admin replaces it
    response = client.post(URL, {"action": "issue", "account": old.user.pk})

    # then only the new key works
    new = Token.objects.get(user=old.user)
    assert new.key != old.key and new.key in response.content.decode()
    assert (calls_me(old.key), calls_me(new.key)) == (401, 200)

    # when the admin revokes it
    response = client.post(URL, {"action": "revoke", "account": old.user.pk})

    # then no key works, the account stays, and all three changes are audited
    assert response.status_code == 302
    assert calls_me(new.key) == 401
    assert not Token.objects.filter(user=old.user).exists()
    summaries = list(AuditEntry.objects.order_by("id").values_list("summary", flat=True))
    assert summaries[-2:] == ["API token of integration-bi replaced", "API token of integration-bi revoked"]


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["", "has space", "root", "ROOT", "x" * 151])
def test_a_bad_or_taken_name_is_a_form_error_and_creates_nothing(client, admin, username):
    response = client.post(URL, {"action": "create", "username": username})
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    assert not Token.objects.exists()


@pytest.mark.django_db
def test_a_person_account_is_not_managed_here(client, admin):
    # given an agent (not an integration account) and a junk id
    agent = AgentFactory().user
    for account in (agent.pk, "abc", ""):
        # when the admin posts a token action for it, then it is a 404 and no token is made
        assert client.post(URL, {"action": "issue", "account": account}).status_code == 404
    assert not Token.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["lead", "agent", "integration"])
def test_outsiders_get_404(client, role):
    # given a non-admin signed in, and an existing integration
    victim = integration_create(username="integration-crm", actor=None)
    client.force_login(UserFactory(username=f"not-admin-{role}", role=role))

    # when they look or try to replace the token, then 404 and the token is unchanged
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"action": "issue", "account": victim.user.pk}).status_code == 404
    assert Token.objects.get(user=victim.user).key == victim.key


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_issues_a_token_in_the_browser(live_server, page, check_page):
    # given an admin signed in
    UserFactory(username="root", role="admin", time_zone="Asia/Manila")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # when they open Integrations from the app's menu and create an account
    page.goto(f"{live_server.url}{reverse('audit-log')}")  # an admin lands in the Django admin; the app has the menu
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Integrations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Integrations")
    check_page(page)
    page.get_by_label("Account name").fill("integration-crm")
    page.get_by_role("button", name="Create account and token").click()

    # then the key is shown once, the account is listed with an active token, and the page passes axe
    key = Token.objects.get(user__username="integration-crm").key
    expect(page.get_by_label("Key")).to_have_value(key)
    row = page.get_by_role("row", name="integration-crm")
    expect(row).to_contain_text("Active")
    expect(row).to_contain_text("PST")  # issued time in the viewer's zone (Philippine Standard Time)
    check_page(page, screenshot="integrations")

    # when they revoke it, then the row says so
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status").first).to_contain_text("revoked")
    expect(page.get_by_role("row", name="integration-crm")).to_contain_text("No token")
