"""schemathesis fuzzes every operation of the live OpenAPI schema with an admin token and an agent token.

No answer may be a server error and every answer must conform to the schema (status code, content type, headers,
body). Left out are schemathesis' two checks on how input is judged: schema-valid input may rightly get a 400 (a
valid body names a team that does not exist, or a tier that already has its rotation), and DRF accepts a number
where the schema says text, turning 0 into "0". The number of examples per operation is bounded so the suite
stays quick; raise FUZZ_EXAMPLES in the environment for a longer run.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis import checks

from tests.factories import (
    AgentFactory,
    CustomerFactory,
    RegionFactory,
    TeamFactory,
    UserFactory,
    shift_pattern,
    ticket,
)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))


@pytest.fixture(autouse=True)
def test_transaction_survives_requests():
    """Requests here go through the plain WSGI handler, whose end-of-request hook would close the database
    connection that holds the test's transaction; Django's own test client unhooks it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(db):
    team = TeamFactory(code="t1-dub", region=RegionFactory(code="dub", time_zone="UTC"), tier=1)
    shift_pattern(team, "00:00-00:00")
    agent = AgentFactory(team=team).user
    ticket(customer=CustomerFactory(email="fuzz@example.org"))
    return {
        "admin": Token.objects.create(user=UserFactory(role="admin")).key,
        "agent": Token.objects.create(user=agent).key,
    }


# Loaded at collection from the app itself (the schema view needs no database), so each operation is its own
# test and the operations spread over the xdist workers.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_and_never_fails(case, tokens):
    for token in tokens.values():
        case.call_and_validate(
            headers={"Authorization": f"Token {token}"},
            excluded_checks=[checks.positive_data_acceptance, checks.negative_data_rejection],
        )
