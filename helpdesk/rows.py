"""Single-row writes for the rows every ticket change writes: its timeline events, SLA segments and notifications
(INSERT), and the ticket itself (UPDATE of the changed fields).

Model.save() compiles the same statement anew for every row, which costs three to four times the statement itself;
a simulated month writes over a million of these rows (docs/simulator.md, Performance). Here each statement is built
once per model (and set of fields) and every value still goes through its field's own conversion to the database.
Neither calls the model's save() or sends pre_save/post_save signals, so a model with its own save() or with
receivers is refused rather than silently skipped.
"""

import functools

from django.db import DatabaseError, connection, models
from django.db.models.signals import post_save, pre_save


def _plain(model):
    if model.save is not models.Model.save or pre_save.has_listeners(model) or post_save.has_listeners(model):
        raise TypeError(f"{model._meta.label} has its own save() or save signal receivers; save it with the ORM")


def _names(model):
    quote = connection.ops.quote_name
    return quote(model._meta.db_table), quote(model._meta.pk.column)


@functools.cache
def _insert(model):
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    table, pk = _names(model)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    return fields, f"INSERT INTO {table} ({columns}) VALUES ({values}) RETURNING {pk}"  # noqa: S608


@functools.cache
def _update(model, names):
    fields = [model._meta.get_field(name) for name in names]
    table, pk = _names(model)
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    return fields, f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608


def row_insert(instance):
    """Insert INSTANCE as a new row and set its primary key; returns it."""
    _plain(type(instance))
    fields, sql = _insert(type(instance))
    values = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance


def row_update(instance, fields):
    """Write INSTANCE's FIELDS (names, as save(update_fields=...) takes them) to its row; returns it."""
    _plain(type(instance))
    fields, sql = _update(type(instance), tuple(dict.fromkeys(fields)))
    values = [f.get_db_prep_save(f.pre_save(instance, False), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, instance.pk])
        if cursor.rowcount != 1:
            raise DatabaseError(f"{type(instance)._meta.label} {instance.pk}: no row to update")
    return instance
