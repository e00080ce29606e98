"""The masking functions and the reveal and policy services: what each audience sees of a customer."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from compliance.masking import Viewer, mask, mask_body, mask_customer, viewer_for
from compliance.models import (
    DEFAULT_TREATMENTS,
    Audience,
    AuditAction,
    AuditEntry,
    PiiField,
    PiiPolicy,
    PiiReveal,
    ResidencyRestriction,
    Treatment,
)
from compliance.services import pii_policy_set, pii_reveal
from tests.factories import AgentFactory, CustomerFactory, RegionFactory, TeamFactory, UserFactory, VendorFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)
CARD = "4111111111111111"


@pytest.fixture
def dublin():
    return RegionFactory(code="dub", name="Dublin", residency_zone="EU", country="IE")


@pytest.fixture
def vendor_t1(dublin):
    """A Tier-1 agent of an outsourcing partner."""
    team = TeamFactory(code="bpo-t1", region=dublin, tier=1, vendor=VendorFactory(name="Pacific Shore BPO", kind="bpo"))
    return AgentFactory(team=team, user=UserFactory(username="vendor1", role="agent")).user


@pytest.fixture
def inhouse_t1(dublin):
    team = TeamFactory(code="dub-t1", region=dublin, tier=1, vendor=VendorFactory(name="Meridian", kind="in_house"))
    return AgentFactory(team=team, user=UserFactory(username="inhouse1", role="agent")).user


@pytest.fixture
def ana():
    return CustomerFactory(
        name="Ana Ruiz",
        email="ana@example.com",
        phone="+353 1 555 0199",
        address="1 Main Street, Dublin",
        account_id="ACC-778899",
        payment_card=CARD,
        country="IE",
    )


def shown(user, customer, attribute):
    return mask_customer(viewer_for(user), customer, attribute)


# Defaults per audience


def test_vendor_tier1_sees_masked_email_card_and_no_address(vendor_t1, ana):
    # given the default policies, when a vendor Tier-1 agent looks at the customer
    email, card, address = (shown(vendor_t1, ana, a) for a in ("email", "payment_card", "address"))
    # then the email keeps its first letter and domain, the card its last four, the address is hidden
    assert (email.text, email.state) == ("a•••@example.com", "masked")
    assert (card.text, card.state) == ("•••• 1111", "masked")
    assert (address.text, address.state) == ("[hidden]", "hidden")
    assert email.is_masked and address.is_masked
    assert shown(vendor_t1, ana, "name").text == "Ana Ruiz"
    assert viewer_for(vendor_t1).audience == Audience.VENDOR_T1


def test_vendor_tier1_message_bodies_are_masked(vendor_t1, ana):
    body = "Write to ana@example.com or call +353 1 555 0199 about order 42."
    result = mask_body(viewer_for(vendor_t1), body, ana)
    assert result.state == "masked"
    assert "ana@example.com" not in result.text and "555 0199" not in result.text
    assert "a•••@example.com" in result.text and "•••• 0199" in result.text and "order 42" in result.text


def test_inhouse_agent_sees_everything_but_the_card_number(inhouse_t1, ana):
    viewer = viewer_for(inhouse_t1)
    assert viewer.audience == Audience.INHOUSE_T1
    for attribute, value in (("email", "ana@example.com"), ("address", "1 Main Street, Dublin"), ("phone", ana.phone)):
        assert (shown(inhouse_t1, ana, attribute).text, shown(inhouse_t1, ana, attribute).state) == (value, "full")
    assert shown(inhouse_t1, ana, "payment_card").text == "•••• 1111"
    assert mask_body(viewer, "mail ana@example.com", ana).text == "mail ana@example.com"


def test_admin_sees_the_full_email(ana):
    admin = UserFactory(role="admin")
    assert viewer_for(admin).audience == Audience.ADMIN
    assert (shown(admin, ana, "email").text, shown(admin, ana, "email").state) == ("ana@example.com", "full")


def test_nobody_signed_in_gets_the_strictest_treatment(ana):
    viewer = Viewer(None)
    assert viewer.audience == Audience.VENDOR_T1
    assert mask_customer(viewer, ana, "email").text == "a•••@example.com"


def test_masking_rules_per_field():
    viewer = Viewer(None)
    for field in PiiField:
        PiiPolicy.objects.create(field=field, audience=Audience.VENDOR_T1, treatment=Treatment.MASKED)
    assert mask(viewer, PiiField.NAME, "Ana María Ruiz").text == "A. M. R."
    assert mask(viewer, PiiField.ACCOUNT, "ACC-778899").text == "•••• 8899"
    assert mask(viewer, PiiField.EMAIL, "").text == ""


def test_residency_masks_eu_email_for_an_amer_agent(ana):
    # given an in-house agent in an AMER region, and EU data that may not be handled in AMER
    austin = RegionFactory(code="aus", name="Austin", time_zone="America/Chicago", country="US", residency_zone="AMER")
    user = AgentFactory(team=TeamFactory(code="aus-t1", region=austin, tier=1), user=UserFactory(role="agent")).user
    assert shown(user, ana, "email").state == "full"
    ResidencyRestriction.objects.create(data_zone="EU", handling_zone="AMER", note="GDPR art. 44")

    # when the agent looks again (a new request)
    user.__dict__.pop("_pii_viewer", None)

    # then the EU customer's email is masked, while an AMER customer's stays readable
    assert (shown(user, ana, "email").text, shown(user, ana, "email").state) == ("a•••@example.com", "masked")
    bob = CustomerFactory(email="bob@example.com", country="US")
    assert shown(user, bob, "email").text == "bob@example.com"


# Just-in-time reveal


def test_reveal_needs_a_reason_and_reveals_nothing_without_one(vendor_t1, ana):
    for reason in ("", "   ", None):
        with pytest.raises(ValidationError):
            pii_reveal(user=vendor_t1, customer_id=ana.pk, field=PiiField.EMAIL, reason=reason)
    assert not PiiReveal.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.PII_REVEAL).exists()


def test_reveal_is_audited_and_expires_after_15_minutes(vendor_t1, ana):
    with time_machine.travel(NOW, tick=False):
        # when the vendor agent reveals the email with a reason
        pii_reveal(user=vendor_t1, customer_id=ana.pk, field=PiiField.EMAIL, reason="Customer asks to verify")

        # then they see it, marked revealed, and the audit log says who, what and why
        email = shown(vendor_t1, ana, "email")
        assert (email.text, email.state) == ("ana@example.com", "revealed")
        assert viewer_for(vendor_t1).revealed_until(ana.pk, PiiField.EMAIL) == NOW + dt.timedelta(minutes=15)
        entry = AuditEntry.objects.get(action=AuditAction.PII_REVEAL)
        assert entry.actor == vendor_t1 and entry.object_id == str(ana.pk)
        assert entry.details["field"] == "customer_email" and entry.details["reason"] == "Customer asks to verify"
        # and only that field is revealed
        assert shown(vendor_t1, ana, "payment_card").state == "masked"

    with time_machine.travel(NOW + dt.timedelta(minutes=14, seconds=59), tick=False):
        vendor_t1.__dict__.pop("_pii_viewer", None)
        assert shown(vendor_t1, ana, "email").state == "revealed"
    with time_machine.travel(NOW + dt.timedelta(minutes=15), tick=False):
        vendor_t1.__dict__.pop("_pii_viewer", None)
        assert (shown(vendor_t1, ana, "email").text, shown(vendor_t1, ana, "email").state) == (
            "a•••@example.com",
            "masked",
        )


def test_hidden_fields_cannot_be_revealed(vendor_t1, ana):
    with pytest.raises(PermissionDenied):
        pii_reveal(user=vendor_t1, customer_id=ana.pk, field=PiiField.ADDRESS, reason="Shipping a replacement")
    assert not PiiReveal.objects.exists()
    assert shown(vendor_t1, ana, "address").text == "[hidden]"


def test_integrations_may_not_reveal(ana):
    integration = UserFactory(role="integration")
    with pytest.raises(PermissionDenied):
        pii_reveal(user=integration, customer_id=ana.pk, field=PiiField.CARD, reason="sync")


# Policies


def test_policy_override_changes_the_treatment_and_is_audited(vendor_t1, ana):
    admin = UserFactory(role="admin")
    # when an admin masks customer names for vendor Tier 1
    effect = pii_policy_set(field=PiiField.NAME, audience=Audience.VENDOR_T1, treatment="masked", actor=admin)

    # then the name is masked for them, and the change is in the audit log with before and after
    assert effect == Treatment.MASKED
    assert shown(vendor_t1, ana, "name").text == "A. R."
    entry = AuditEntry.objects.get(action=AuditAction.POLICY_CHANGE)
    assert entry.actor == admin and entry.object_type == "compliance.piipolicy"
    assert entry.details == {
        "field": "customer_name",
        "audience": "vendor_t1",
        "before": "default",
        "after": "masked",
        "effective_before": "full",
        "effective_after": "masked",
    }


def test_setting_the_same_treatment_again_writes_nothing():
    admin = UserFactory(role="admin")
    pii_policy_set(field=PiiField.PHONE, audience=Audience.LEAD, treatment="hidden", actor=admin)
    pii_policy_set(field=PiiField.PHONE, audience=Audience.LEAD, treatment="hidden", actor=admin)
    assert AuditEntry.objects.filter(action=AuditAction.POLICY_CHANGE).count() == 1
    assert PiiPolicy.objects.get().treatment == "hidden"


def test_back_to_default_removes_the_override():
    admin = UserFactory(role="admin")
    pii_policy_set(field=PiiField.CARD, audience=Audience.ADMIN, treatment="full", actor=admin)
    effect = pii_policy_set(field=PiiField.CARD, audience=Audience.ADMIN, treatment=None, actor=admin)
    assert effect == DEFAULT_TREATMENTS[(PiiField.CARD, Audience.ADMIN)] == Treatment.MASKED
    assert not PiiPolicy.objects.exists()
    last = AuditEntry.objects.filter(action=AuditAction.POLICY_CHANGE).first()
    assert (last.details["before"], last.details["after"]) == ("full", "default")


def test_the_reveal_service_itself_refuses_a_residency_mask():
    from django.core.exceptions import PermissionDenied

    from compliance.models import ResidencyRestriction
    from compliance.services import pii_reveal
    from tests.factories import AgentFactory, RegionFactory, TeamFactory

    ResidencyRestriction.objects.create(data_zone="EU", handling_zone="AMER")
    mexico = RegionFactory(code="mex", time_zone="UTC", country="MX", residency_zone="AMER")
    agent = AgentFactory(team=TeamFactory(code="t1-mex", region=mexico, tier=1)).user
    with pytest.raises(PermissionDenied, match="EU customer data may not be shown unmasked"):
        pii_reveal(user=agent, customer_id=1, field="customer_email", reason="need it", customer_zone="EU")
