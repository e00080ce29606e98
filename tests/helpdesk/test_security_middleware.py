"""Security middleware: denied accesses audited, no-store for signed-in responses, session expiry, CSP header."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from compliance.models import AuditAction, AuditEntry
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def denials():
    return list(AuditEntry.objects.filter(action=AuditAction.ACCESS_DENIED).order_by("at", "id"))


# ---- Denied accesses ----------------------------------------------------------------------------------------------


def test_a_404_to_a_signed_in_user_is_audited_without_the_query_string(client):
    # given a signed-in agent
    agent = UserFactory(username="aoife", role="agent")
    client.force_login(agent)
    # when she opens a ticket that is not hers to see (or does not exist: the answer is the same 404)
    response = client.get("/tickets/987654/", {"q": "jane.doe@example.com"})
    # then she gets a 404, and the log has who, what and from where, but not the search term
    assert response.status_code == 404
    [entry] = denials()
    assert entry.actor == agent and entry.ip == "127.0.0.1"
    assert entry.summary == "aoife was refused GET /tickets/987654/ (404)"
    assert entry.details == {"method": "GET", "path": "/tickets/987654/", "status": 404}
    assert "jane.doe" not in repr(list(AuditEntry.objects.values()))


def test_a_403_is_audited_for_pages_and_for_token_api_calls(client):
    # given an integration account, which may not use the browser workspace, and an agent with a token
    bot = UserFactory(username="bot", role="integration")
    client.force_login(bot)
    agent = UserFactory(username="aoife", role="agent")
    token = Token.objects.create(user=agent)
    # when the integration opens the queue, and the agent tries to change a region through the API
    assert client.get(reverse("queue")).status_code == 403
    api = Client().post("/api/v1/regions/", {}, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.status_code == 403
    # then both refusals are audited, with the token's user as the actor
    assert [(e.actor, e.summary) for e in denials()] == [
        (bot, "bot was refused GET /queue/ (403)"),
        (agent, "aoife was refused POST /api/v1/regions/ (403)"),
    ]


def test_a_csrf_failure_is_a_403_and_audited():
    agent = UserFactory(username="aoife", role="agent")
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.post(reverse("preferences"), {"time_zone": "UTC"}).status_code == 403
    assert [e.summary for e in denials()] == ["aoife was refused POST /me/preferences/ (403)"]


def test_a_view_that_audits_its_own_refusal_is_not_recorded_twice(client):
    # the audit log page records its own refusals (compliance); the middleware must not add a second entry
    client.force_login(UserFactory(username="nosy", role="agent"))
    assert client.get(reverse("audit-log")).status_code == 404
    assert [e.summary for e in denials()] == ["nosy was refused /audit/"]


def test_the_same_refusal_repeated_is_recorded_once_per_ten_minutes(client):
    # an open page polling a ticket that left the agent's scope must not flood the log
    client.force_login(UserFactory(username="aoife", role="agent"))
    with time_machine.travel(NOW, tick=False) as clock:
        for _ in range(5):
            client.get("/tickets/987654/live/")
        client.get("/tickets/987655/live/")
        clock.shift(dt.timedelta(minutes=10, seconds=1))
        client.get("/tickets/987654/live/")
    assert [e.summary for e in denials()] == [
        "aoife was refused GET /tickets/987654/live/ (404)",
        "aoife was refused GET /tickets/987655/live/ (404)",
        "aoife was refused GET /tickets/987654/live/ (404)",
    ]


def test_anonymous_visitors_and_static_files_are_not_audited(client):
    assert client.get("/no-such-page/").status_code == 404
    client.force_login(UserFactory(role="agent"))
    assert client.get("/static/helpdesk/no-such-file.css").status_code == 404
    assert client.get("/favicon.ico").status_code == 404
    assert denials() == []


# ---- Cache-Control ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/queue/", "/me/preferences/", "/api/v1/me/", "/api/docs/", "/no-such-page/"])
def test_every_response_to_a_signed_in_user_is_no_store(client, url):
    client.force_login(UserFactory(role="lead"))
    response = client.get(url)
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= directives


def test_token_api_responses_are_no_store():
    token = Token.objects.create(user=UserFactory(role="integration"))
    response = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_static_files_and_anonymous_pages_keep_their_own_caching(settings):
    settings.WHITENOISE_USE_FINDERS = True  # tests run without collectstatic
    client = Client()
    static = client.get("/static/helpdesk/meridian.css")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")
    client.force_login(UserFactory(role="agent"))
    static = client.get("/static/helpdesk/meridian.css")
    assert "no-store" not in static.get("Cache-Control", "")
    assert "Cache-Control" not in Client().get("/no-such-page/")


# ---- Session expiry -----------------------------------------------------------------------------------------------


def test_session_settings():
    from django.conf import settings

    assert settings.SESSION_COOKIE_AGE == 12 * 3600
    assert settings.SESSION_IDLE_TIMEOUT == 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is False
    assert settings.SESSION_SAVE_EVERY_REQUEST is False
    assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE == settings.CSRF_COOKIE_SAMESITE == "Lax"


def test_login_cookies_are_http_only_and_same_site_lax(client):
    UserFactory(username="aoife", role="agent")
    client.get(reverse("login"))
    response = client.post(reverse("login"), {"username": "aoife", "password": PASSWORD})
    session = response.cookies["sessionid"]
    assert session["httponly"] and session["samesite"] == "Lax"
    assert session["max-age"] == 12 * 3600
    csrf = client.cookies["csrftoken"]
    assert csrf["httponly"] and csrf["samesite"] == "Lax"


def log_in(client, username="aoife"):
    client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert "_auth_user_id" in client.session


def test_eight_hours_without_activity_sign_out(client):
    UserFactory(username="aoife", role="agent")
    with time_machine.travel(NOW, tick=False) as clock:
        log_in(client)
        # activity within eight hours keeps the session
        clock.shift(dt.timedelta(hours=3))
        assert client.get(reverse("preferences")).status_code == 200
        clock.shift(dt.timedelta(hours=7, minutes=59))
        assert client.get(reverse("preferences")).status_code == 200
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False) as clock:
        log_in(client)
        # eight hours and a second of nothing does not
        clock.shift(dt.timedelta(hours=8, seconds=1))
        response = client.get(reverse("preferences"))
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next=/me/preferences/"
        assert "_auth_user_id" not in client.session
        page = client.get(response["Location"])
        assert b"You were signed out after 8 hours without activity" in page.content
    assert AuditEntry.objects.filter(action=AuditAction.LOGOUT).count() == 1


def test_background_htmx_requests_do_not_count_as_activity(client):
    UserFactory(username="aoife", role="agent")
    with time_machine.travel(NOW, tick=False) as clock:
        log_in(client)
        # the queue page keeps refreshing its rows while nobody is there
        for _ in range(9):
            clock.shift(dt.timedelta(hours=1))
            response = client.get(reverse("queue-rows"), HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="/queue/")
        # then after eight idle hours the refresh sends the whole page to the login
        assert response.status_code == 200
        assert response["HX-Redirect"] == f"{reverse('login')}?next=/queue/"
        assert "_auth_user_id" not in client.session


def test_twelve_hours_after_login_the_session_ends_however_active(client):
    UserFactory(username="aoife", role="agent")
    with time_machine.travel(NOW, tick=False) as clock:
        log_in(client)
        for _ in range(11):
            clock.shift(dt.timedelta(hours=1))
            assert client.get(reverse("preferences")).status_code == 200
        clock.shift(dt.timedelta(hours=1, seconds=1))
        response = client.get(reverse("preferences"))
        assert response.status_code == 302
        assert b"Your session ended 12 hours after you logged in" in client.get(response["Location"]).content


def test_an_idle_api_call_with_the_session_gets_401_not_a_redirect(client):
    UserFactory(username="aoife", role="agent")
    with time_machine.travel(NOW, tick=False) as clock:
        log_in(client)
        clock.shift(dt.timedelta(hours=9))
        assert client.get("/api/v1/me/").status_code in (401, 403)


# ---- Content Security Policy --------------------------------------------------------------------------------------

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'self'; object-src 'none'"
)


def directives(header):
    return {d.split()[0]: d.split()[1:] for d in header.split(";") if d.strip()}


def test_every_page_has_the_strict_policy(client):
    expected = directives(POLICY)
    assert directives(client.get(reverse("login"))["Content-Security-Policy"]) == expected
    client.force_login(UserFactory(role="admin"))
    assert directives(client.get("/admin/")["Content-Security-Policy"]) == expected
    assert directives(client.get("/api/v1/me/")["Content-Security-Policy"]) == expected


def test_api_docs_allow_inline_styles_only_there_and_no_inline_script(client):
    client.force_login(UserFactory(role="agent"))
    docs = client.get("/api/docs/")
    policy = directives(docs["Content-Security-Policy"])
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["script-src"] == ["'self'"]
    html = docs.content.decode()
    assert "<script>" not in html and 'src="/api/docs/?script=' in html
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_the_browsable_api_allows_inline_styles_and_json_keeps_the_strict_policy(client):
    client.force_login(UserFactory(role="admin"))
    html = client.get("/api/v1/tickets/", HTTP_ACCEPT="text/html")
    assert html["Content-Type"].startswith("text/html")
    assert directives(html["Content-Security-Policy"])["style-src"] == ["'self'", "'unsafe-inline'"]
    assert directives(html["Content-Security-Policy"])["script-src"] == ["'self'"]
    json = client.get("/api/v1/tickets/", HTTP_ACCEPT="application/json")
    assert directives(json["Content-Security-Policy"]) == directives(POLICY)
    # and nowhere else
    assert directives(client.get("/admin/")["Content-Security-Policy"]) == directives(POLICY)


def test_base_template_turns_off_htmx_inline_indicator_styles(client):
    page = client.get(reverse("login")).content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false, "allowEval": false}\'>' in page
    assert "<script>" not in page and "style=" not in page
