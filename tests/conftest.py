"""Shared fixtures, and the rule for tests that need a real service.

A test marked postgres / redis / browser runs when that service is present.
Without it the test is skipped on a laptop, but with CI set (true, 1 or yes) it fails: CI
must never pass by skipping what it is there to prove.
"""

import os
import shutil
import socket
from urllib.parse import urlsplit

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in the test thread; Django refuses
# ORM calls from such a thread unless told it is safe (it is: one thread).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _answers(host, port):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _missing_service(marker):
    """Why the service behind MARKER is unavailable, or None when it is there."""
    if marker == "postgres":
        db = settings.DATABASES["default"]
        if db["ENGINE"] != "django.db.backends.postgresql":
            return "DATABASE_URL is not a postgres:// URL"
        if not _answers(db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432)):
            return "PostgreSQL does not answer"
    elif marker == "redis":
        if not settings.REDIS_URL:
            return "REDIS_URL is not set"
        url = urlsplit(settings.REDIS_URL)
        if not _answers(url.hostname or "127.0.0.1", url.port or 6379):
            return "Redis does not answer"
    elif marker == "browser" and not shutil.which(CHROMIUM):
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    return None


def pytest_runtest_setup(item):
    for marker in ("postgres", "redis", "browser"):
        if item.get_closest_marker(marker) is None:
            continue
        why = _missing_service(marker)
        if why is None:
            continue
        if os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}:
            pytest.fail(f"CI is set and a required service is missing: {why}", pytrace=False)
        pytest.skip(f"needs {marker}: {why}")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache and are keyed by user id, which a rolled-back database hands out again."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _same_fake_data(request):
    """Factories draw names from Faker: seed it per test, so a test sees the same people whichever worker runs it,
    in whatever order."""
    import factory.random

    factory.random.reseed_random(request.node.nodeid)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture
def page(page):
    page.set_default_timeout(10_000)
    return page


SCREENSHOTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "screenshots")


@pytest.fixture
def check_page():
    """Assert the page has no serious or critical axe-core violations; optionally save a screenshot."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page, screenshot=None):
        results = axe.run(page)
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']}"
            for v in results.response["violations"]
            if v["impact"] in {"serious", "critical"}
        ]
        assert not bad, f"accessibility violations on {page.url}: {bad}"
        if screenshot:
            os.makedirs(SCREENSHOTS, exist_ok=True)
            page.screenshot(path=os.path.join(SCREENSHOTS, f"{screenshot}.png"))

    return check
