"""Vendor restrictions: outsourced Tier-1 agents may not bulk-export or download attachments (configurable)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from helpdesk.security import VENDOR_ACTIONS, vendor_may
from tests.factories import AgentFactory, TeamFactory, UserFactory, VendorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bpo():
    return VendorFactory(name="Callfirst BPO", kind="bpo")


def agent(vendor, tier):
    return AgentFactory(team=TeamFactory(tier=tier, vendor=vendor)).user


@pytest.mark.parametrize("action", VENDOR_ACTIONS)
def test_vendor_tier1_agents_are_refused_by_default(bpo, action):
    assert vendor_may(agent(bpo, 1), action) is False


@pytest.mark.parametrize("action", VENDOR_ACTIONS)
def test_everyone_else_is_not_concerned(bpo, action):
    in_house = VendorFactory(name="Meridian", kind="in_house")
    assert vendor_may(agent(bpo, 2), action) is True
    assert vendor_may(agent(bpo, 3), action) is True
    assert vendor_may(agent(in_house, 1), action) is True
    for role in ("lead", "admin", "integration"):
        assert vendor_may(UserFactory(role=role), action) is True


def test_the_rule_is_a_setting(bpo, settings):
    tier1, tier2 = agent(bpo, 1), agent(bpo, 2)
    settings.VENDOR_RESTRICTIONS = {"tier1_bulk_export": True, "tier2_attachment_download": False}
    assert vendor_may(tier1, "bulk_export") is True
    assert vendor_may(tier1, "attachment_download") is True  # not named: allowed
    assert vendor_may(tier2, "attachment_download") is False
    assert vendor_may(tier2, "bulk_export") is True


def test_unknown_people_get_the_strictest_answer():
    # an account with the agent role but no agent record counts as vendor Tier 1, as in PII masking
    assert vendor_may(UserFactory(role="agent"), "bulk_export") is False
    assert vendor_may(AnonymousUser(), "bulk_export") is False
    assert vendor_may(None, "attachment_download") is False


def test_a_misspelt_action_is_an_error_not_a_silent_yes(bpo):
    with pytest.raises(ValueError, match="Unknown vendor action 'bulk_exports'"):
        vendor_may(agent(bpo, 1), "bulk_exports")
