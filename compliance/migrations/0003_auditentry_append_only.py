"""PostgreSQL refuses UPDATE and DELETE on the audit table, whatever the client.

One UPDATE is allowed: setting actor_id to NULL with every other column unchanged, which is what
deleting a user does (on_delete=SET_NULL); the entry keeps the username in actor_label.

TRUNCATE is not blocked: the test suite (and `manage.py flush`) empties tables with it, and it needs
the table owner's privilege, which the application's database role should not have in production.
Other databases (SQLite for development) rely on AuditEntry.save()/delete() refusing.
"""

from django.db import migrations

FUNCTION = "compliance_auditentry_append_only"
TRIGGER = "compliance_auditentry_append_only"


def _table(apps):
    return apps.get_model("compliance", "AuditEntry")._meta.db_table


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(_table(apps))
    schema_editor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL
               AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$
        """,
        params=None,  # the % above are PL/pgSQL placeholders, not query parameters
    )
    schema_editor.execute(
        f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
    )


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(_table(apps))
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0002_auditentry"),
    ]

    operations = [
        migrations.RunPython(create_trigger, drop_trigger, elidable=False),
    ]
