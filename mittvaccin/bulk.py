"""Set-based inserts for batch work: many rows in one `INSERT … SELECT … FROM unnest(…)`.

Django's bulk_create builds a model object per row and prepares every field of every row in Python,
which cost more than the database's own work in the invoicing jobs. Here each column travels as one
array parameter; columns that are the same for every row are single parameters.

A column the caller does not name gets the model field's default (or NULL), exactly as a model object
would: a field added to the model later with a default needs no change to the callers.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections


def insert_rows(
    model,
    *,
    columns: dict[str, list],
    constants: dict | None = None,
    conflict: str = "",
    returning: tuple[str, ...] = (),
) -> list[tuple]:
    """Insert one row per position of the `columns` lists (keyed by field name or attname).

    `constants` are values for every row. `conflict` is an ON CONFLICT clause (e.g. "DO NOTHING",
    or "(booking_id, kind) DO NOTHING"). Returns the `returning` columns of the inserted rows.
    """
    # The connection itself, not the `django.db.connection` proxy: every attribute read through the
    # proxy is a thread-local lookup, and the values below are prepared one by one (a fifth of a
    # job chunk's Python time went to those lookups).
    connection = connections[DEFAULT_DB_ALIAS]
    constants = dict(constants or {})
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"columns of different lengths: {lengths}")
    if not columns or not lengths.pop():
        return []
    fields = {}
    for field in model._meta.concrete_fields:
        fields[field.name] = field
        fields[field.attname] = field
    names, selects, params, arrays, array_params = [], [], [], [], []
    given = {fields[key].attname: key for key in (*columns, *constants)}
    for field in model._meta.concrete_fields:
        if field.attname in given:
            key = given[field.attname]
        elif field.primary_key:
            continue  # the sequence numbers it
        else:
            key = None
        db_type = field.db_type(connection)
        names.append(connection.ops.quote_name(field.column))
        if key in columns:
            arrays.append(f"%s::{db_type}[]")
            array_params.append([field.get_db_prep_save(value, connection) for value in columns[key]])
            selects.append(f"t.c{len(arrays)}")
            continue
        # Without a default Django's own: "" for text that may not be NULL, else None.
        value = constants[key] if key in constants else field.get_default()
        selects.append(f"%s::{db_type}")
        params.append(field.get_db_prep_save(value, connection))
    aliases = ", ".join(f"c{i}" for i in range(1, len(arrays) + 1))
    # Identifiers from the model's own metadata; every value is a parameter.
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({', '.join(names)}) "  # noqa: S608
        f"SELECT {', '.join(selects)} FROM unnest({', '.join(arrays)}) AS t({aliases})"
    )
    if conflict:
        sql += f" ON CONFLICT {conflict}"
    if returning:
        sql += " RETURNING " + ", ".join(connection.ops.quote_name(fields[name].column) for name in returning)
    with connection.cursor() as cursor:
        # The SELECT list's parameters come first in the statement, then the arrays of FROM.
        cursor.execute(sql, [*params, *array_params])
        return cursor.fetchall() if returning else [()] * cursor.rowcount
