"""No input makes the API answer 500: every route, with junk query strings and junk bodies, as an admin and an agent."""

import json

import pytest
from rest_framework.test import APIClient

from tests.compliance.test_outsiders import ALL_PATHS
from tests.factories import AgentFactory, RegionFactory, TeamFactory, UserFactory, shift_pattern, ticket

pytestmark = pytest.mark.django_db

API_PATHS = [p for p in ALL_PATHS if p.startswith("/api/v1/")]
assert len(API_PATHS) > 30, API_PATHS  # the walk reads the URL configuration; an empty walk proves nothing
JUNK_QUERIES = [
    {"cursor": "%%%not-a-cursor", "page_size": "-1"},
    {"since": "yesterday", "until": "2026-13-45", "since_updated_at": "x", "since_id": "-5", "limit": "999999"},
    {"tier": "abc", "status": "nope", "priority": "🔥", "sla_due_within": "1e309", "missing_next_action": "maybe"},
    {"team": "'; DROP TABLE tickets_ticket; --", "email": "not-an-email", "ticket": "NaN", "days": "0"},
    {"volume": "-1", "aht": "0", "interval": "inf", "target_sl": "2", "answer_time": "nan"},
]
JUNK_BODIES = [
    {},
    {"status": None, "priority": 42, "tags": "not-a-list", "assignee": {"x": 1}},
    {"customer": "x", "subject": "", "body": None, "tier": 9, "channel": "fax"},
    {"url": "ftp://x", "events": ["nope"], "text": "x" * 5000, "due_at": "soon"},
    ["a", "list", "instead", "of", "an", "object"],
]


@pytest.fixture
def callers():
    team = TeamFactory(code="t1-dub", region=RegionFactory(code="dub", time_zone="UTC"), tier=1)
    shift_pattern(team, "00:00-00:00")
    agent = AgentFactory(team=team).user
    t = ticket()
    clients = []
    for user in (UserFactory(role="admin"), agent):
        client = APIClient()
        client.force_authenticate(user)
        clients.append(client)
    return clients, t.pk


def test_no_route_answers_500_to_junk(callers):
    clients, pk = callers
    errors = []
    for template in API_PATHS:
        path = template.replace("{pk}", str(pk))
        for client in clients:
            for query in JUNK_QUERIES:
                response = client.get(path, query)
                if response.status_code >= 500:
                    errors.append(f"GET {path} {query} -> {response.status_code}")
            for body in JUNK_BODIES:
                for method in ("post", "patch", "put"):
                    response = getattr(client, method)(path, data=json.dumps(body), content_type="application/json")
                    if response.status_code >= 500:
                        errors.append(f"{method.upper()} {path} {body!r:.60} -> {response.status_code}")
    assert not errors, "\n".join(errors)
