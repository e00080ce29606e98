"""The audit log only grows: the one write path, and every way of changing or deleting a row refused."""

import datetime as dt

import pytest
import time_machine
from django.db import DatabaseError, transaction

from compliance.audit import audit_record
from compliance.models import AuditAction, AuditEntry, AuditLogIsAppendOnly
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def an_entry(**kwargs):
    kwargs.setdefault("action", AuditAction.EXPORT)
    kwargs.setdefault("summary", "Exported tickets")
    return audit_record(**kwargs)


@time_machine.travel(NOW, tick=False)
def test_audit_record_takes_actor_ip_and_time(rf):
    # given an admin's request from an IPv6 address
    admin = UserFactory(username="root")
    request = rf.get("/", REMOTE_ADDR="2001:db8::7")
    # when something is recorded for it
    entry = an_entry(actor=admin, request=request, object_type="tickets.ticket", object_id=42, details={"n": 3})
    # then the row has who, from where, when and about what
    entry.refresh_from_db()
    assert (entry.actor, entry.actor_label, entry.ip, entry.at) == (admin, "root", "2001:db8::7", NOW)
    assert (entry.object_type, entry.object_id, entry.details) == ("tickets.ticket", "42", {"n": 3})


def test_without_actor_and_request_the_entry_is_by_the_system(rf):
    # when a task records something, and an anonymous request does
    by_task = an_entry()
    anonymous = rf.get("/", REMOTE_ADDR="not an address")
    anonymous.user = None
    by_visitor = an_entry(request=anonymous)
    # then the labels say so, and a malformed address is not stored
    assert (by_task.actor_label, by_task.ip) == ("system", None)
    assert (by_visitor.actor_label, by_visitor.ip) == ("anonymous", None)


def test_summary_is_one_line_and_fits():
    # when a summary with line breaks and too much text is recorded
    entry = an_entry(summary="first line\nsecond\tline " + "x" * 400)
    # then it is kept as one line within the column
    assert "\n" not in entry.summary and entry.summary.startswith("first line second line x")
    assert len(entry.summary) == 300 and entry.summary.endswith("…")


def test_unknown_action_is_refused():
    with pytest.raises(ValueError):
        an_entry(action="coffee_break")


def test_an_entry_cannot_be_changed_or_deleted_through_the_model():
    # given an entry
    entry = an_entry()
    # when code tries to change it, save it again, or delete it
    entry.summary = "Nothing happened"
    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.get(pk=entry.pk).save(update_fields=["summary"])
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()
    # then the row is as it was written
    assert AuditEntry.objects.get(pk=entry.pk).summary == "Exported tickets"


def test_querysets_refuse_bulk_changes():
    # given entries
    entry = an_entry()
    an_entry()
    # when code tries bulk updates and deletes
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(summary="x")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.all().delete()
    entry.summary = "x"
    with pytest.raises(AuditLogIsAppendOnly), transaction.atomic():
        AuditEntry.objects.bulk_update([entry], ["summary"])
    # then nothing changed
    assert AuditEntry.objects.count() == 2 and not AuditEntry.objects.filter(summary="x").exists()


def test_a_new_entry_with_a_chosen_pk_is_inserted_never_updated():
    # given an entry
    entry = an_entry()
    # when a new instance carrying the same pk is saved
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry(pk=entry.pk, action=AuditAction.EXPORT, actor_label="x", summary="Overwrite").save()
    # then the existing row is untouched (the save was an INSERT, refused by the primary key)
    assert AuditEntry.objects.get(pk=entry.pk).summary == "Exported tickets"


def test_deleting_a_user_keeps_their_entries_and_username():
    # given a user with audit history
    user = UserFactory(username="leaver")
    entry = an_entry(actor=user)
    # when the user is deleted
    user.delete()
    # then the entry remains, detached, still saying who it was
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert (entry.actor_id, entry.actor_label) == (None, "leaver")


def test_admin_role_has_only_the_view_permission_on_entries():
    # given an admin (every permission there is)
    admin = UserFactory(role="admin")
    # then she may view entries, and no permission to add, change or delete them exists
    assert admin.has_perm("compliance.view_auditentry")
    assert not any(admin.has_perm(f"compliance.{verb}_auditentry") for verb in ("add", "change", "delete"))


def test_django_admin_lists_entries_read_only(client):
    # given an admin and an entry
    admin = UserFactory(username="root", role="admin")
    entry = an_entry(actor=admin)
    client.force_login(admin)
    # when she opens the entry list, filters it and opens the entry
    listing = client.get("/admin/compliance/auditentry/", {"action__exact": "export", "q": "root"})
    detail = client.get(f"/admin/compliance/auditentry/{entry.pk}/change/")
    # then she reads it, with no way to add, change or delete
    assert listing.status_code == 200 and b"Exported tickets" in listing.content
    assert b"/admin/compliance/auditentry/add/" not in listing.content
    assert b'name="action"' not in listing.content  # no bulk actions (delete selected)
    assert detail.status_code == 200 and b'type="submit"' not in detail.content.split(b'id="content"')[1]
    assert client.get("/admin/compliance/auditentry/add/").status_code == 403
    assert client.post(f"/admin/compliance/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/compliance/auditentry/{entry.pk}/change/", {"summary": "x"}).status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).summary == "Exported tickets"
