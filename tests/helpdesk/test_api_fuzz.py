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
from django.core.wsgi import get_wsgi_application
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
