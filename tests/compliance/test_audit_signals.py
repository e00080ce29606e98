"""What is audited without anyone calling audit_record(): sign-ins, role changes, policy and region changes."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from compliance.audit import audit_request
from compliance.models import AuditAction, AuditEntry, ResidencyRestriction, Role
from compliance.services import role_grant
from regions.services import region_set_status
from tests.factories import PASSWORD, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("at", "id"))


@time_machine.travel(NOW, tick=False)
def test_login_through_the_login_page_is_audited(client):
    # given an agent
    user = UserFactory(username="aoife", role="agent")
    # when she logs in on the login page
    client.post(reverse("login"), {"username": "aoife", "password": PASSWORD})
    # then one login entry names her, her address and the instant
    [entry] = entries(AuditAction.LOGIN)
    assert entry.actor == user and entry.actor_label == "aoife"
    assert entry.ip == "127.0.0.1"
    assert entry.at == NOW
    assert (entry.object_type, entry.object_id) == ("helpdesk.user", str(user.pk))
    assert entry.summary == "aoife logged in"


def test_failed_login_is_audited_with_the_username_and_never_the_password(client):
    # given an agent
    UserFactory(username="aoife", role="agent")
    # when someone tries her account with a wrong password, and a name that does not exist
    client.post(reverse("login"), {"username": "aoife", "password": "Tr0ub4dor&3-not-hers"})
    client.post(reverse("login"), {"username": "nobody", "password": "Tr0ub4dor&3-not-hers"})
    # then both attempts are recorded as anonymous, with the username tried
    failed = entries(AuditAction.LOGIN_FAILED)
    assert [e.details for e in failed] == [{"username": "aoife"}, {"username": "nobody"}]
    assert {(e.actor_id, e.actor_label, e.ip) for e in failed} == {(None, "anonymous", "127.0.0.1")}
    assert failed[0].summary == "Failed login as “aoife”"
    # and nothing of the password is stored anywhere in the log, not even Django's mask
    for row in AuditEntry.objects.values():
        stored = repr(row)
        assert "Tr0ub4dor" not in stored and "password" not in stored and "****" not in stored
    assert "_auth_user_id" not in client.session


def test_logout_is_audited(client):
    # given an agent who logged in
    user = UserFactory(username="aoife", role="agent")
    client.post(reverse("login"), {"username": "aoife", "password": PASSWORD})
    # when she logs out
    client.post(reverse("logout"))
    # then a logout entry follows the login
    [entry] = entries(AuditAction.LOGOUT)
    assert entry.actor == user and entry.summary == "aoife logged out" and entry.ip == "127.0.0.1"


def test_logout_without_a_session_records_nothing(client):
    # when an anonymous visitor posts to the logout page
    client.post(reverse("logout"))
    # then there was nothing to log out of
    assert not entries(AuditAction.LOGOUT)


def test_role_grant_and_removal_are_audited():
    # given a user
    user = UserFactory(username="bea")
    lead = Group.objects.get(name=Role.LEAD.label)
    # when a role is granted and removed again
    role_grant(user=user, role=Role.LEAD)
    user.groups.remove(lead)
    # then both changes are permission changes about her; a task or command has no actor: "system"
    granted, removed = entries(AuditAction.PERMISSION_CHANGE)
    assert granted.summary == "Role Team lead granted to bea"
    assert granted.details == {"change": "granted", "groups": ["Team lead"], "username": "bea"}
    assert removed.summary == "Role Team lead removed from bea"
    assert (removed.object_type, removed.object_id) == ("helpdesk.user", str(user.pk))
    assert {(e.actor_id, e.actor_label) for e in (granted, removed)} == {(None, "system")}


def test_group_changes_from_either_side_and_clear_are_audited():
    # given a user with two roles
    user = UserFactory(username="bea")
    agent, lead = Group.objects.get(name="Agent"), Group.objects.get(name="Team lead")
    user.groups.add(agent, lead)
    # when a role is given from the group's side, and all roles are then cleared
    admins = Group.objects.get(name="Admin")
    admins.user_set.add(user)
    user.groups.clear()
    # then every change is one entry about the user, naming the roles
    summaries = [e.summary for e in entries(AuditAction.PERMISSION_CHANGE)]
    assert summaries == [
        "Roles Agent, Team lead granted to bea",
        "Role Admin granted to bea",
        "Roles Admin, Agent, Team lead removed from bea",
    ]


def test_adding_a_role_the_user_already_has_records_nothing():
    # given an agent
    user = UserFactory(username="bea", role="agent")
    before = AuditEntry.objects.count()
    # when the same role is added again
    user.groups.add(Group.objects.get(name="Agent"))
    # then nothing changed, so nothing is recorded
    assert AuditEntry.objects.count() == before


def test_role_change_in_a_request_is_attributed_to_the_signed_in_admin(client):
    # given an admin editing an agent in the Django admin
    admin = UserFactory(username="root", role="admin")
    agent = UserFactory(username="bea", role="agent")
    client.force_login(admin)
    lead = Group.objects.get(name="Team lead")
    # when she gives the agent the lead role through the user form
    response = client.post(
        reverse("admin:helpdesk_user_change", args=[agent.pk]),
        {
            "username": "bea",
            "first_name": agent.first_name,
            "last_name": agent.last_name,
            "email": agent.email,
            "is_active": "on",
            "groups": [Group.objects.get(name="Agent").pk, lead.pk],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00",
            "time_zone": "UTC",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    # then the grant names the admin as the actor, with her address
    entry = AuditEntry.objects.filter(action=AuditAction.PERMISSION_CHANGE, object_id=str(agent.pk)).latest("id")
    assert entry.summary == "Role Team lead granted to bea"
    assert (entry.actor, entry.actor_label, entry.ip) == (admin, "root", "127.0.0.1")


def test_audit_request_attributes_entries_outside_the_middleware(rf):
    # given a request by an admin, outside the middleware (a management shell, a test)
    admin = UserFactory(username="root", role="admin")
    request = rf.get("/", REMOTE_ADDR="2001:db8::1")
    request.user = admin
    # when a role is granted inside audit_request()
    with audit_request(request):
        role_grant(user=UserFactory(username="bea"), role=Role.AGENT)
    # then the entry is by the admin, from her address; outside the block it is "system" again
    entry = AuditEntry.objects.filter(action=AuditAction.PERMISSION_CHANGE).latest("id")
    assert (entry.actor_label, entry.ip) == ("root", "2001:db8::1")
    role_grant(user=UserFactory(username="cai"), role=Role.AGENT)
    assert AuditEntry.objects.filter(action=AuditAction.PERMISSION_CHANGE).latest("id").actor_label == "system"


def test_residency_restriction_changes_are_policy_changes():
    # given no restriction
    # when one is added, its note changed, and then removed
    restriction = ResidencyRestriction.objects.create(data_zone="EU", handling_zone="AMER", note="GDPR")
    restriction.note = "GDPR art. 44"
    restriction.save()
    pk = restriction.pk
    restriction.delete()
    # then each step is a policy change, with the values before and after
    added, changed, removed = entries(AuditAction.POLICY_CHANGE)
    assert added.summary == "Residency restriction added: EU data not handled in AMER"
    assert added.details == {"after": {"data_zone": "EU", "handling_zone": "AMER", "note": "GDPR"}}
    assert changed.summary == "Residency restriction changed: EU data not handled in AMER"
    assert changed.details["before"]["note"] == "GDPR" and changed.details["after"]["note"] == "GDPR art. 44"
    assert removed.summary == "Residency restriction removed: EU data not handled in AMER"
    assert removed.details == {"before": {"data_zone": "EU", "handling_zone": "AMER", "note": "GDPR art. 44"}}
    assert {(e.object_type, e.object_id) for e in (added, changed, removed)} == {
        ("compliance.residencyrestriction", str(pk))
    }


def test_residency_restriction_added_in_the_admin_is_attributed(client):
    # given an admin in the Django admin
    admin = UserFactory(username="root", role="admin")
    client.force_login(admin)
    # when she adds a restriction there
    response = client.post(
        reverse("admin:compliance_residencyrestriction_add"),
        {"data_zone": "EU", "handling_zone": "APAC", "note": "Contract"},
    )
    assert response.status_code == 302
    # then the policy change is hers
    [entry] = entries(AuditAction.POLICY_CHANGE)
    assert (entry.actor, entry.summary) == (admin, "Residency restriction added: EU data not handled in APAC")


def test_region_status_change_is_audited_with_its_reason():
    # given a region and an admin
    region = RegionFactory(code="dub")
    admin = UserFactory(username="root", role="admin")
    # when the admin marks it down
    region_set_status(region=region, status="down", reason="Power cut", actor=admin)
    # then the audit log has it, by the admin
    [entry] = entries(AuditAction.REGION_STATUS)
    assert entry.actor == admin
    assert entry.summary == "Region dub operational → down: Power cut"
    assert entry.details == {"from": "operational", "to": "down", "reason": "Power cut"}
