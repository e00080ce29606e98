"""PostgreSQL itself refuses UPDATE and DELETE on the audit table, whatever the client does.

Plain django_db: each statement runs inside the test's transaction, under a savepoint (transaction.atomic)
so the refused one can be rolled back and the test continue. TRUNCATE is left allowed: pytest-django empties
tables with it between transactional tests.
"""

import pytest
from django.db import DatabaseError, connection, transaction

from compliance.audit import audit_record
from compliance.models import AuditAction, AuditEntry
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

TABLE = AuditEntry._meta.db_table


@pytest.fixture
def entry():
    return audit_record(action=AuditAction.EXPORT, actor=UserFactory(username="root"), summary="Exported tickets")


def refused(sql, params=()):
    """Run SQL expecting PostgreSQL to refuse it; return the error text."""
    with pytest.raises(DatabaseError) as error, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    return str(error.value)


def test_raw_update_is_refused(entry):
    # when a client updates an entry with raw SQL
    message = refused(f"UPDATE {TABLE} SET summary = 'Nothing happened' WHERE id = %s", [entry.pk])
    # then the trigger refuses it and the row is unchanged
    assert "append-only" in message and "UPDATE" in message
    assert AuditEntry.objects.get(pk=entry.pk).summary == "Exported tickets"


def test_raw_delete_is_refused(entry):
    # when a client deletes entries with raw SQL, one or all
    one = refused(f"DELETE FROM {TABLE} WHERE id = %s", [entry.pk])
    refused(f"DELETE FROM {TABLE}")
    # then both are refused and the row is still there
    assert "append-only" in one and "DELETE" in one
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_orm_paths_around_the_model_guard_are_refused_too(entry):
    # when code bypasses the model's own refusal with the base manager
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry._base_manager.filter(pk=entry.pk).update(summary="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry._base_manager.filter(pk=entry.pk)._raw_delete(connection.alias)
    # then the database kept the row as written
    assert AuditEntry.objects.get(pk=entry.pk).summary == "Exported tickets"


def test_hiding_the_actor_together_with_another_change_is_refused(entry):
    # the one UPDATE allowed is "actor_id -> NULL, nothing else" (a user being deleted); anything more is refused
    refused(f"UPDATE {TABLE} SET actor_id = NULL, actor_label = 'someone' WHERE id = %s", [entry.pk])
    refused(f"UPDATE {TABLE} SET actor_id = %s WHERE id = %s", [UserFactory(username="other").pk, entry.pk])
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert entry.actor.username == "root" and entry.actor_label == "root"


def test_deleting_a_user_detaches_their_entries(entry):
    # when the user behind an entry is deleted (Django sets actor_id to NULL)
    AuditEntry.objects.get(pk=entry.pk).actor.delete()
    # then the entry stays, keeping the username
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert (entry.actor_id, entry.actor_label, entry.summary) == (None, "root", "Exported tickets")


def test_insert_still_works():
    # when a row is inserted with raw SQL and through audit_record
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (at, actor_label, action, object_type, object_id, summary, details)"
            " VALUES (now(), 'system', 'export', '', '', 'Raw insert', '{}') RETURNING id"
        )
        raw_id = cursor.fetchone()[0]
    recorded = audit_record(action=AuditAction.LOGIN_FAILED, summary="Failed login as “x”")
    # then both are there
    assert set(AuditEntry.objects.values_list("pk", flat=True)) == {raw_id, recorded.pk}


def test_the_trigger_is_installed_on_the_table():
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [TABLE])
        assert [row[0] for row in cursor.fetchall()] == ["compliance_auditentry_append_only"]
