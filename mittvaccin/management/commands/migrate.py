"""`migrate` as the owner role, then the application role's privileges (mittvaccin/dbroles.py).

Django's own command, with two additions: with DATABASE_OWNER_URL set it connects as that role (the
tables, sequences and functions it creates are the owner's), and after every run it grants the role of
DATABASE_URL what the application needs, takes DELETE back on the append-only tables and replaces
django-pgtrigger's switch-off function by one the application role cannot use.
"""

from __future__ import annotations

import contextlib

import pgtrigger
from django.apps import apps
from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import migrate
from django.db import DEFAULT_DB_ALIAS, connections

from mittvaccin import dbroles

CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")


@contextlib.contextmanager
def connected_as_owner(connection):
    owner = settings.DATABASE_OWNER
    if not owner or owner["USER"] == connection.settings_dict["USER"]:
        yield
        return
    if owner["NAME"] != connection.settings_dict["NAME"]:
        raise CommandError(
            f"DATABASE_OWNER_URL names the database {owner['NAME']!r}, DATABASE_URL {connection.settings_dict['NAME']!r}."
        )
    saved = {key: connection.settings_dict.get(key) for key in CREDENTIALS}
    connection.close()
    connection.settings_dict.update({key: owner.get(key) for key in CREDENTIALS})
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def append_only_tables() -> list[str]:
    """Tables whose django-pgtrigger triggers refuse every UPDATE and DELETE (the legal records)."""

    tables = []
    for model in apps.get_models():
        for trigger in getattr(model._meta, "triggers", []):
            operation = str(getattr(trigger, "operation", ""))
            if (
                isinstance(trigger, pgtrigger.Protect)
                and trigger.condition is None
                and "UPDATE" in operation
                and "DELETE" in operation
            ):
                tables.append(model._meta.db_table)
                break
    return sorted(tables)


class Command(migrate.Command):
    help = migrate.Command.help + " Connects as DATABASE_OWNER_URL's role and grants DATABASE_URL's role."

    def handle(self, *args, **options):
        if options["database"] != DEFAULT_DB_ALIAS:
            return super().handle(*args, **options)
        connection = connections[DEFAULT_DB_ALIAS]
        with connected_as_owner(connection):
            result = super().handle(*args, **options)
            if options.get("plan") or options.get("check_unapplied"):
                return result
            self.grant(connection)
        return result

    def grant(self, connection) -> None:
        app_role = settings.DATABASE_APP_ROLE
        if not app_role or app_role == connection.settings_dict["USER"]:
            # One role for everything (a developer's own database): nothing to grant to.
            return
        connection.ensure_connection()
        dbroles.privileges_apply(
            connection.connection, app_role=app_role, append_only_tables=append_only_tables()
        )
        if self.verbosity >= 1:
            self.stdout.write(f"  Privileges of the application role {app_role} applied.")
