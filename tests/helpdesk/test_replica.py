"""With a read replica configured, report pages read from it; everything else, and every write, uses the primary."""

import pytest
from django.test import RequestFactory
from django.urls import resolve

from helpdesk.replica import REPORT_URL_NAMES, ReplicaReadsMiddleware, ReplicaRouter
from tickets.models import Ticket


def read_alias_during(path, method="get"):
    """The database a read would use inside the view of PATH, as the middleware runs it."""
    request = getattr(RequestFactory(), method)(path)
    request.resolver_match = resolve(path)
    seen = []
    middleware = ReplicaReadsMiddleware(lambda r: None)
    middleware.process_view(request, lambda r, *a, **k: seen.append(ReplicaRouter().db_for_read(Ticket)), (), {})
    return seen[0] if seen else "not run by the middleware"


@pytest.fixture
def with_replica(settings):
    settings.DATABASES = {**settings.DATABASES, "replica": {**settings.DATABASES["default"]}}


def test_report_pages_read_from_the_replica(with_replica):
    assert {"qa-metrics", "audit-export", "coverage"} <= REPORT_URL_NAMES
    assert read_alias_during("/qa/metrics/") == "replica"
    assert read_alias_during("/audit/export.csv") == "replica"


def test_other_pages_posts_and_writes_use_the_primary(with_replica):
    assert read_alias_during("/queue/") == "not run by the middleware"
    assert read_alias_during("/qa/metrics/", method="post") == "not run by the middleware"
    assert ReplicaRouter().db_for_read(Ticket) is None  # outside a report page
    assert ReplicaRouter().db_for_write(Ticket) is None
    assert ReplicaRouter().allow_migrate("replica", "tickets") is False


def test_without_a_replica_reports_use_the_primary():
    assert read_alias_during("/qa/metrics/") is None
