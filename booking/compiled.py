"""A read whose SQL the ORM makes once per process rather than on every request.

Django builds and compiles a queryset anew each time it is evaluated: about a millisecond for each of
the day view's reads, a tenth of the view's own time (issue 11). A `Compiled` read is made by the ORM
from a queryset (so it keeps following the models), once, with placeholder values standing for the
request's; each call puts the request's values in their places. Every other parameter of the query (a
status, a flag) stays as compiled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import connection

# Placeholder values no real parameter of these reads takes (an id, a moment).
NO_ID = -917_231
MOMENTS = tuple(dt.datetime(1901, 1, day, tzinfo=dt.UTC) for day in (1, 2, 3))


class Compiled:
    def __init__(self, make: Callable, **placeholders):
        """`make(**placeholders)` returns the queryset (a `values_list`) whose rows the read returns."""
        self._make = make
        self._placeholders = placeholders
        self._statement = None

    def _compile(self):
        sql, params = self._make(**self._placeholders).query.sql_with_params()
        places = [(self._placeholder_of(param), param) for param in params]
        found = sorted(name for name, _param in places if name)
        if found != sorted(self._placeholders):
            raise ValueError(f"each placeholder must be one parameter of the query: {found}")
        return sql, places

    def _placeholder_of(self, param):
        for name, value in self._placeholders.items():
            if type(param) is type(value) and param == value:
                return name
        return None

    def rows(self, **values) -> list[tuple]:
        if self._statement is None:
            self._statement = self._compile()
        sql, places = self._statement
        with connection.cursor() as cursor:
            cursor.execute(sql, [values[name] if name else param for name, param in places])
            return cursor.fetchall()
