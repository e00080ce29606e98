import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_agent_logs_in_and_lands_on_the_queue(client):
    UserFactory(username="aoife", role="agent", time_zone="Europe/Dublin")
    response = client.post(reverse("login"), {"username": "aoife", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("queue")
    assert "<h1>Queue <span" in response.content.decode()
    assert b"Europe/Dublin" in response.content


def test_wrong_password_shows_error_and_does_not_log_in(client):
    UserFactory(username="aoife", role="agent")
    response = client.post(reverse("login"), {"username": "aoife", "password": "wrong"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert "_auth_user_id" not in client.session


def test_integration_account_cannot_use_the_browser(client):
    UserFactory(username="bot", role="integration")
    response = client.post(reverse("login"), {"username": "bot", "password": PASSWORD})
    assert b"This account is for the API only" in response.content
    assert "_auth_user_id" not in client.session


def test_admin_is_sent_to_django_admin(client):
    client.force_login(UserFactory(role="admin"))
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200


def test_agent_cannot_open_django_admin(client):
    client.force_login(UserFactory(role="agent"))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_lead_goes_to_the_queue_and_has_no_admin_link(client):
    client.force_login(UserFactory(role="lead"))
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("queue")
    assert b'href="/admin/"' not in response.content


def test_time_zone_is_selectable_and_applied(client):
    user = UserFactory(role="agent", time_zone="UTC")
    client.force_login(user)
    response = client.post(
        reverse("preferences"), {"time_zone": "Asia/Manila", "email_notifications": "on"}, follow=True
    )
    assert b"Saved. Times are now shown in Asia/Manila" in response.content
    user.refresh_from_db()
    assert (user.time_zone, user.email_notifications) == ("Asia/Manila", True)
    assert response.context["viewer_zone"] == "Asia/Manila"
    # the zone is released after the request
    assert timezone.get_current_timezone() == zoneinfo.ZoneInfo("UTC")


def test_bad_time_zone_is_a_form_error_and_changes_nothing(client):
    user = UserFactory(role="agent", time_zone="Europe/Dublin")
    client.force_login(user)
    response = client.post(reverse("preferences"), {"time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content
    user.refresh_from_db()
    assert user.time_zone == "Europe/Dublin"


def test_logout_needs_post_and_ends_session(client):
    client.force_login(UserFactory(role="agent"))
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


def test_me_api_with_token_and_without(client):
    from rest_framework.authtoken.models import Token

    bot = UserFactory(username="bot", role="integration")
    token = Token.objects.create(user=bot)
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.json() == {"username": "bot", "role": "integration", "time_zone": "UTC"}
    assert client.get("/api/v1/me/").status_code == 401
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token nope").status_code == 401


def test_openapi_schema_and_docs_are_served(client):
    client.force_login(UserFactory(role="agent"))
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/me/" in schema.json()["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert b"https://" not in docs.content  # nothing from a CDN
