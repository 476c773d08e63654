"""Set-based inserts for batch work: many rows in one `INSERT … SELECT … FROM unnest(…)`.

Django's bulk_create builds a model object per row and prepares every field of every row in Python,
which cost more than the database's own work in the invoicing jobs. Here each column travels as one
array parameter; columns that are the same for every row are single parameters.

A column the caller does not name gets the model field's default (or NULL), exactly as a model object
would: a field added to the model later with a default needs no change to the callers.

A column of numbers, dates or timestamps travels as one array literal made here (`_literal`): the driver
adapts a list element by element in Python, which was a third of a job chunk's Python time.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, connections, models


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
            array_params.append(_array(field, columns[key], connection))
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


# How each kind of value is written in an array literal: the text PostgreSQL reads back as the same
# value, as the driver itself writes it (str of a number, ISO 8601 of a date or an aware timestamp).
_TEXT = {
    int: str,
    Decimal: str,
    dt.date: dt.date.isoformat,
    dt.datetime: dt.datetime.isoformat,
    type(None): lambda _value: "NULL",
}


def _array(field, values: list, connection):
    """One column's values as its array parameter: prepared by the field, as Django would, then
    written as one literal where `_literal` can."""
    target = field.target_field if field.is_relation else field
    if isinstance(target, models.IntegerField) and all(
        type(value) is int or value is None for value in values
    ):
        prepared = values  # an integer field prepares an int as itself
    else:
        prepared = [field.get_db_prep_save(value, connection) for value in values]
    return array_param(prepared)


def array_param(values: list):
    """A list as the parameter of an array (`%s::bigint[]`): one literal where `_literal` can make
    it, else the list for the driver."""
    literal = _literal(values)
    return values if literal is None else literal


def _literal(values: list) -> str | None:
    """The values as one PostgreSQL array literal, when each is an int, a Decimal, a date, an aware
    datetime or None; None otherwise (text, booleans, naive timestamps: the driver adapts those)."""
    kinds = set(map(type, values))
    if not kinds <= _TEXT.keys():
        return None
    if dt.datetime in kinds and any(type(value) is dt.datetime and value.tzinfo is None for value in values):
        return None
    if len(kinds) == 1:
        return "{" + ",".join(map(_TEXT[kinds.pop()], values)) + "}"
    return "{" + ",".join([_TEXT[type(value)](value) for value in values]) + "}"
