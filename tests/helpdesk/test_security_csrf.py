"""CSRF on every form: every route refuses a POST without a CSRF token, even from a signed-in admin.

The walk covers every URL pattern, so new routes are checked without anyone listing them. API calls with a DRF token
carry no ambient credential and are exempt by design; session-authenticated API calls are not.
"""

import re

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from rest_framework.authtoken.models import Token

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SAMPLES = {"format": "json", "app_label": "auth", "url": "nothing-here/"}
_ROUTE_PART = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def _sample(name, converter=None):
    if converter == "drf_format_suffix":
        return ".json"
    if name in SAMPLES:
        return SAMPLES[name]
    return "x" if converter in ("str", "slug") and not name.endswith(("id", "pk")) else "1"


def _regex_to_path(regex):
    """A concrete path matching a simple regex of Django's or DRF's patterns (named groups, \\., /?)."""
    out, i = [], 0
    regex = regex.removeprefix("^").removesuffix("\\Z").removesuffix("$")
    while i < len(regex):
        if regex.startswith("(?P<", i):
            name = regex[i + 4 : regex.index(">", i)]
            depth, j = 0, i
            while True:  # the group's closing parenthesis
                depth += {"(": 1, ")": -1}.get(regex[j], 0)
                if depth == 0:
                    break
                j += 1
            body = regex[regex.index(">", i) + 1 : j]
            value = _sample(name)
            if not re.fullmatch(body, value):
                value = next(v for v in body.split("|") if re.fullmatch(body, v))
            out.append(value)
            i = j + 1
        elif regex.startswith("/?", i):
            out.append("/")
            i += 2
        elif regex[i] == "\\":
            out.append(regex[i + 1])
            i += 2
        else:
            out.append(regex[i])
            i += 1
    return "".join(out)


def _pattern_to_path(pattern):
    if hasattr(pattern, "_route"):  # path()
        return _ROUTE_PART.sub(lambda m: _sample(m["name"], m["converter"] or "str"), pattern._route)
    return _regex_to_path(pattern.regex.pattern)  # re_path(), DRF routers


def all_routes(resolver=None, prefix=""):
    """(path, name) for every URL pattern of the project, with sample values for its parameters."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        here = prefix + _pattern_to_path(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from all_routes(entry, here)
        elif isinstance(entry, URLPattern):
            yield "/" + here, entry.name or "unnamed"


ROUTES = sorted(set(all_routes()))


def test_the_walk_finds_every_route():
    paths = [path for path, _ in ROUTES]
    assert len(ROUTES) > 80
    must = ["/login/", "/login/two-factor/", "/me/two-factor/", "/logout/", "/me/preferences/", "/api/v1/tickets/"]
    assert set(must) <= set(paths)
    for path in paths:
        resolve(path)  # raises Resolver404 if the sampler made a path that no route serves


@pytest.fixture
def admin_client():
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(username="root", role="admin"))
    return client


@pytest.mark.parametrize(("path", "name"), ROUTES, ids=[f"{name}:{path}" for path, name in ROUTES])
def test_post_without_csrf_token_is_refused(admin_client, path, name):
    response = admin_client.post(path, {"anything": "x"})
    if response.status_code == 405:
        # The route takes no POST at all; prove it is not a CSRF-exempt form by posting with a valid token.
        token = _get_new_csrf_string()
        admin_client.cookies["csrftoken"] = token
        with_token = admin_client.post(path, {"csrfmiddlewaretoken": token})
        assert with_token.status_code == 405, f"{path} accepts POST without a CSRF check"
        return
    assert response.status_code == 403, f"{path} ({name}) answered {response.status_code} to a POST without CSRF"


def test_session_authenticated_api_post_needs_the_csrf_token(admin_client):
    response = admin_client.post("/api/v1/regions/", {"code": "syd", "name": "Sydney"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]


def test_token_authenticated_api_post_needs_no_csrf_token():
    token = Token.objects.create(user=UserFactory(role="admin"))
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/regions/", {"code": "syd"}, content_type="application/json", HTTP_AUTHORIZATION=f"Token {token.key}"
    )
    # refused for its content (fields missing), never for CSRF
    assert response.status_code == 400
    assert "CSRF" not in response.content.decode()
