import pytest
from django.contrib.messages import get_messages

from regions.models import Region, RegionStatusChange, Rotation, ShiftPattern
from tests.factories import RegionFactory, TeamFactory, UserFactory, shift_pattern

pytestmark = pytest.mark.django_db


def _inline(prefix, rows, total=None):
    data = {
        f"{prefix}-TOTAL_FORMS": str(total if total is not None else len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


@pytest.fixture
def admin_client_(client):
    client.force_login(UserFactory(role="admin"))
    return client


def test_saving_a_pattern_that_opens_a_gap_warns_the_admin(admin_client_):
    team = TeamFactory(code="t1-dub", tier=1)
    shift_pattern(TeamFactory(code="t1-mnl", tier=1), "00:00-12:00", works_public_holidays=True)
    Rotation.objects.create(tier=1)
    days = _inline("days", [{"weekday": d, "start": "12:00", "end": "20:00"} for d in range(7)])
    response = admin_client_.post(
        "/admin/regions/shiftpattern/add/",
        {"team": team.id, "name": "Day", "valid_from": "2025-01-01", "works_public_holidays": "on", **days},
        follow=True,
    )
    assert response.status_code == 200
    assert ShiftPattern.objects.filter(team=team).count() == 1
    warnings = [m.message for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert any(w.startswith("Coverage: No Tier 1 team on shift") for w in warnings)
    assert any("overlaps 0 min (minimum 60)" in w for w in warnings)


def test_pattern_covering_the_day_gets_the_all_clear(admin_client_):
    team = TeamFactory(code="t1-dub", tier=1)
    shift_pattern(TeamFactory(code="t1-mnl", tier=1), "23:00-13:00", works_public_holidays=True)
    days = _inline("days", [{"weekday": d, "start": "12:00", "end": "00:00"} for d in range(7)])
    response = admin_client_.post(
        "/admin/regions/shiftpattern/add/",
        {"team": team.id, "name": "Late", "valid_from": "2025-01-01", "works_public_holidays": "on", **days},
        follow=True,
    )
    texts = [m.message for m in get_messages(response.wsgi_request)]
    assert "Tier 1 is covered for the next 14 days." in texts


def test_invalid_pattern_is_refused_with_a_form_error(admin_client_):
    team = TeamFactory()
    response = admin_client_.post(
        "/admin/regions/shiftpattern/add/",
        {
            "team": team.id,
            "name": "Bad",
            "valid_from": "2026-02-01",
            "valid_to": "2026-01-01",
            **_inline("days", []),
        },
    )
    assert response.status_code == 200
    assert "The pattern cannot end before it starts." in response.content.decode()
    assert not ShiftPattern.objects.exists()


def _region_form(region, **changes):
    data = {
        "code": region.code,
        "name": region.name,
        "time_zone": region.time_zone,
        "country": region.country,
        "residency_zone": region.residency_zone,
        "new_status": region.status,
        "status_change_reason": "",
        **_inline("holiday_overrides", []),
        **_inline("status_changes", []),
    }
    data.update(changes)
    return data


def test_region_status_switch_requires_a_reason(admin_client_):
    region = RegionFactory()
    url = f"/admin/regions/region/{region.id}/change/"
    response = admin_client_.post(url, _region_form(region, new_status="down"))
    assert response.status_code == 200
    assert "Say why the region&#x27;s status changes." in response.content.decode()
    assert Region.objects.get().status == "operational"

    response = admin_client_.post(url, _region_form(region, new_status="down", status_change_reason="Typhoon"))
    assert response.status_code == 302
    change = RegionStatusChange.objects.get()
    assert (change.to_status, change.reason, change.changed_by.role) == ("down", "Typhoon", "admin")


def test_lead_cannot_use_the_admin(client):
    client.force_login(UserFactory(role="lead"))
    assert client.get("/admin/regions/region/").status_code == 302
