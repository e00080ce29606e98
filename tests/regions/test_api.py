import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from regions.models import Region, RegionStatusChange, Rotation, RotationStep, ShiftPattern
from tests.factories import AgentFactory, RegionFactory, TeamFactory, UserFactory, shift_pattern

pytestmark = pytest.mark.django_db


def api(role=None, token=False):
    client = APIClient()
    if role:
        user = UserFactory(role=role)
        if token:
            client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        else:
            client.force_authenticate(user)
    return client


def test_agent_reads_regions_teams_and_agents():
    agent = AgentFactory(team=TeamFactory(code="t1-dub"))
    client = api("agent")
    assert client.get("/api/v1/regions/").json()["results"][0]["code"] == "dub"
    teams = client.get("/api/v1/teams/").json()["results"]
    assert teams[0]["code"] == "t1-dub" and teams[0]["headcount"] == 1
    agents = client.get("/api/v1/agents/").json()["results"]
    assert agents[0]["username"] == agent.user.username


def test_integration_token_reads_but_cannot_write():
    RegionFactory()
    client = api("integration", token=True)
    assert client.get("/api/v1/regions/").status_code == 200
    response = client.post("/api/v1/regions/", {"code": "x"})
    assert response.status_code == 403


def test_anonymous_is_refused():
    assert APIClient().get("/api/v1/regions/").status_code == 401


def test_agent_cannot_change_configuration():
    RegionFactory()
    response = api("agent").patch("/api/v1/regions/dub/", {"name": "Cork"}, format="json")
    assert response.status_code == 403
    assert Region.objects.get().name == "Dublin"


def test_admin_creates_region_with_field_errors_for_bad_input():
    client = api("admin")
    bad = client.post(
        "/api/v1/regions/",
        {
            "code": "syd",
            "name": "Sydney",
            "time_zone": "Australia/Nowhere",
            "country": "XX",
            "residency_zone": "APAC",
        },
        format="json",
    )
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"time_zone", "country"}
    good = client.post(
        "/api/v1/regions/",
        {
            "code": "syd",
            "name": "Sydney",
            "time_zone": "Australia/Sydney",
            "country": "AU",
            "residency_zone": "APAC",
        },
        format="json",
    )
    assert good.status_code == 201 and good.json()["status"] == "operational"


def test_region_status_goes_through_the_service_with_a_reason():
    RegionFactory()
    client = api("admin")
    missing = client.post("/api/v1/regions/dub/status/", {"status": "down"}, format="json")
    assert missing.status_code == 400 and missing.json()["error"]["fields"] == {"reason": ["This field is required."]}
    done = client.post("/api/v1/regions/dub/status/", {"status": "down", "reason": "Storm"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "down"
    assert RegionStatusChange.objects.get().reason == "Storm"
    # status cannot be written directly
    client.patch("/api/v1/regions/dub/", {"status": "operational"}, format="json")
    assert Region.objects.get().status == "down"


def test_shift_pattern_validation_through_the_api():
    team = TeamFactory()
    client = api("admin")
    response = client.post(
        "/api/v1/shift-patterns/",
        {"team": team.id, "name": "x", "valid_from": "2026-02-01", "valid_to": "2026-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"valid_to": ["The pattern cannot end before it starts."]}
    assert not ShiftPattern.objects.exists()


def test_rotation_step_of_another_tier_is_refused():
    rotation = Rotation.objects.create(tier=1)
    response = api("admin").post(
        "/api/v1/rotation-steps/",
        {"rotation": rotation.id, "team": TeamFactory(tier=2).id, "position": 1},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"team": ["The team serves another tier than this rotation."]}
    assert not RotationStep.objects.exists()


def test_coverage_endpoint_lists_gaps_and_hours():
    shift_pattern(TeamFactory(code="t1-dub"), "08:00-16:00", works_public_holidays=True)
    response = api("lead").get("/api/v1/coverage/", {"tier": 1, "start": "2026-01-05T00:00:00Z", "days": 1})
    body = response.json()
    assert response.status_code == 200
    assert [(i["kind"], i["start"], i["end"]) for i in body["issues"]] == [
        ("gap", "2026-01-05T00:00:00Z", "2026-01-05T08:00:00Z"),
        ("gap", "2026-01-05T16:00:00Z", "2026-01-06T00:00:00Z"),
    ]
    assert len(body["hours"]) == 24
    assert body["hours"][8]["teams"] == ["t1-dub"] and body["hours"][7]["gap"]
    assert api("lead").get("/api/v1/coverage/", {"tier": 7}).status_code == 400


def test_staffing_endpoint():
    client = api("agent")
    response = client.get(
        "/api/v1/staffing/",
        {"volume": 100, "aht": 180, "interval": 1800, "target_sl": 0.8, "answer_time": 20},
    )
    assert response.status_code == 200
    assert response.json()["agents"] == 14
    bad = client.get(
        "/api/v1/staffing/", {"volume": 100, "aht": 0, "interval": 1800, "target_sl": 0.8, "answer_time": 20}
    )
    assert bad.status_code == 400 and bad.json()["error"]["fields"]["aht"][0].startswith("aht must be")
    missing = client.get("/api/v1/staffing/", {"volume": 100})
    assert missing.status_code == 400 and missing.json()["error"]["fields"]["aht"] == ["This field is required."]
