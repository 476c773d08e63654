"""The database protects the legal records from the application itself (mittvaccin/dbroles.py).

The suite creates and migrates its database as the owner role; these tests connect as the application
role of DATABASE_URL, as web, worker and beat do, and try every way around the append-only triggers on
the access log, a signed dose and an issued invoice. Each one is refused, and the rows are unchanged.
Committed data (transactional database): the application role's connection is a connection of its own.
"""

from __future__ import annotations

import uuid

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction
from psycopg import errors, sql

from billing import services as billing_services
from journal.models import Vaccination
from mittvaccin import dbroles
from mittvaccin.embedded import SUPERUSER
from mittvaccin.models import AccessLogEntry
from tests.billing.factories import adult, approved, dose_charge, product_with_price, ready_caregiver
from tests.journal.factories import ready_visit, register

pytestmark = pytest.mark.django_db(transaction=True)

REFUSED = (errors.InsufficientPrivilege, errors.RaiseException)


def application_connection() -> psycopg.Connection:
    """A connection to the test database as the application role (the owner's URL with its user)."""
    app = settings.DATABASE_APP_ROLE
    params = {
        "dbname": connection.settings_dict["NAME"],
        "user": app,
        "host": connection.settings_dict["HOST"],
    }
    app_url_password = psycopg.conninfo.conninfo_to_dict(settings.DATABASE_URL).get("password")
    if app_url_password:
        params["password"] = app_url_password
    if connection.settings_dict.get("PORT"):
        params["port"] = connection.settings_dict["PORT"]
    return psycopg.connect(**params, autocommit=True)


@pytest.fixture
def records(cast, patient_a):
    """A signed dose, an issued invoice and an access-log row, committed."""
    dose = register(cast, ready_visit(cast, patient=patient_a))
    ready_caregiver(cast.caregiver_a)
    product = product_with_price(cast.caregiver_a, "345.00")
    approved(dose_charge(adult(cast.caregiver_a), cast.unit_a, product, user=cast.alice), cast.clinic_a)
    [invoice] = billing_services.invoices_issue(caregiver=cast.caregiver_a, user=cast.clinic_a).invoices
    entry = AccessLogEntry.objects.create(
        user=cast.alice,
        caregiver=cast.caregiver_a,
        unit=cast.unit_a,
        patient_id=patient_a.pk,
        patient_identity=patient_a.identity_number,
        action="journal.patient",
    )
    return {
        "mittvaccin_accesslogentry": entry.pk,
        "journal_vaccination": dose.pk,
        "billing_invoice": invoice.pk,
    }


def trigger_names(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [table]
        )
        return [row[0] for row in cursor.fetchall()]


def attacks(records) -> list[tuple[str, sql.Composable]]:
    """Every statement the application role must be refused, with a label."""
    found = []
    for table, pk in records.items():
        t = sql.Identifier(table)
        triggers = trigger_names(table)
        assert triggers, table
        ignore_all = sql.Literal("{" + ",".join(triggers) + "}")
        found += [
            (f"{table}: truncate", sql.SQL("TRUNCATE {}").format(t)),
            (f"{table}: truncate cascade", sql.SQL("TRUNCATE {} CASCADE").format(t)),
            (f"{table}: disable all triggers", sql.SQL("ALTER TABLE {} DISABLE TRIGGER ALL").format(t)),
            (
                f"{table}: disable trigger {triggers[0]}",
                sql.SQL("ALTER TABLE {} DISABLE TRIGGER {}").format(t, sql.Identifier(triggers[0])),
            ),
            (
                f"{table}: drop trigger",
                sql.SQL("DROP TRIGGER {} ON {}").format(sql.Identifier(triggers[0]), t),
            ),
            (f"{table}: update", sql.SQL("UPDATE {} SET id = id WHERE id = {}").format(t, sql.Literal(pk))),
            (f"{table}: delete", sql.SQL("DELETE FROM {} WHERE id = {}").format(t, sql.Literal(pk))),
            (
                f"{table}: update as replica",
                sql.SQL(
                    "SET LOCAL session_replication_role = replica; UPDATE {} SET id = id WHERE id = {}"
                ).format(t, sql.Literal(pk)),
            ),
            (
                f"{table}: update with pgtrigger.ignore",
                sql.SQL("SET LOCAL pgtrigger.ignore = {}; UPDATE {} SET id = id WHERE id = {}").format(
                    ignore_all, t, sql.Literal(pk)
                ),
            ),
            (
                f"{table}: delete with pgtrigger.ignore",
                sql.SQL("SET LOCAL pgtrigger.ignore = {}; DELETE FROM {} WHERE id = {}").format(
                    ignore_all, t, sql.Literal(pk)
                ),
            ),
        ]
    found += [
        ("SET session_replication_role = replica", sql.SQL("SET session_replication_role = replica")),
        (
            "replace the pgtrigger switch-off function",
            sql.SQL(
                "CREATE OR REPLACE FUNCTION public._pgtrigger_should_ignore(trigger_name NAME) "
                "RETURNS BOOLEAN AS $$ BEGIN RETURN TRUE; END; $$ LANGUAGE plpgsql"
            ),
        ),
        ("CREATE TABLE in public", sql.SQL("CREATE TABLE public.attacker (id int)")),
        ("CREATE TEMPORARY TABLE", sql.SQL("CREATE TEMPORARY TABLE journal_patient (id int)")),
        ("ALTER ROLE … SUPERUSER", sql.SQL("ALTER ROLE CURRENT_USER SUPERUSER")),
        ("ALTER ROLE … BYPASSRLS", sql.SQL("ALTER ROLE CURRENT_USER BYPASSRLS")),
    ]
    return found


def test_the_application_role_owns_nothing_and_is_no_superuser(records):
    with application_connection() as app:
        superuser, createdb, createrole = app.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        owned = app.execute(
            "SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)"
        ).fetchone()[0]
        functions = app.execute(
            "SELECT count(*) FROM pg_proc WHERE proowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)"
        ).fetchone()[0]
    assert (superuser, createdb, createrole, owned, functions) == (False, False, False, 0, 0)
    assert connection.settings_dict["USER"] != settings.DATABASE_APP_ROLE


def test_the_application_role_can_do_its_work(records, cast, patient_a):
    """The refusals below are the privileges, not a broken connection: the same role reads and appends."""
    with application_connection() as app:
        assert app.execute("SELECT count(*) FROM journal_vaccination").fetchone()[0] == 1
        app.execute(
            "INSERT INTO mittvaccin_accesslogentry (at, user_id, caregiver_id, unit_id, patient_id, "
            "patient_identity, patient_protected, action, params, path, reason, api_client_name, "
            "resident_identity) VALUES (now(), %s, %s, %s, %s, %s, false, 'legacy', "
            "'{\"text\": \"app role\"}', '', '', '', '')",
            [cast.alice.pk, cast.caregiver_a.pk, cast.unit_a.pk, patient_a.pk, patient_a.identity_number],
        )
        # An ordinary table may be changed by the application (the booking's status, a session).
        app.execute("UPDATE journal_patient SET phone = phone WHERE id = %s", [patient_a.pk])
    assert AccessLogEntry.objects.filter(action="legacy", params__text="app role").count() == 1


def test_every_way_around_the_append_only_triggers_is_refused_for_the_application_role(records):
    before = {table: _row(table, pk) for table, pk in records.items()}
    statements = attacks(records)
    succeeded = []
    with application_connection() as app:
        for label, statement in statements:
            try:
                with app.transaction():
                    app.execute(statement)
            except REFUSED:
                continue
            succeeded.append(label)
    assert not succeeded, "The application role was allowed: " + "; ".join(succeeded)
    assert len(statements) >= 36
    after = {table: _row(table, pk) for table, pk in records.items()}
    assert after == before
    assert Vaccination.objects.filter(pk=records["journal_vaccination"]).exists()
    with connection.cursor() as cursor:
        for table in records:
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND tgenabled = 'D'", [table]
            )
            assert cursor.fetchone()[0] == 0, table


def test_the_owner_can_still_pass_a_trigger_for_a_migration(records):
    """django-pgtrigger's switch stays usable by the owner (data migrations), only the application lost it."""
    table = "mittvaccin_accesslogentry"
    [trigger] = [name for name in trigger_names(table) if "append_only" in name]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL pgtrigger.ignore = '{{{trigger}}}'")
        cursor.execute(f"UPDATE {table} SET reason = 'migrated' WHERE id = %s", [records[table]])  # noqa: S608
        assert AccessLogEntry.objects.get(pk=records[table]).reason == "migrated"
        transaction.set_rollback(True)
    assert AccessLogEntry.objects.get(pk=records[table]).reason == ""


def test_migrate_grants_what_it_creates_later_to_the_application_role(records):
    """Default privileges: a table (or a partition) the owner makes at run time is usable at once."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE later_made (id bigint GENERATED BY DEFAULT AS IDENTITY, note text)")
    try:
        with application_connection() as app:
            app.execute("INSERT INTO later_made (note) VALUES ('x')")
            assert app.execute("SELECT count(*) FROM later_made").fetchone()[0] == 1
            with pytest.raises(errors.InsufficientPrivilege):
                app.execute("TRUNCATE later_made")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE later_made")


def _row(table: str, pk: int):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{table}" WHERE id = %s', [pk])  # noqa: S608
        return cursor.fetchone()


def test_dbroles_sets_up_both_roles_and_takes_over_an_installation_from_before_the_roles():
    """What docker-compose's one-shot `dbroles` does, on a fresh database of the test cluster whose
    table belongs to the superuser (as after the old single-role compose file)."""

    suffix = uuid.uuid4().hex[:8]
    dbname, owner, app = f"mv_roles_{suffix}", f"mv_owner_{suffix}", f"mv_app_{suffix}"
    host = connection.settings_dict["HOST"]
    admin = {"host": host, "user": SUPERUSER}
    with psycopg.connect(**admin, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    try:
        with psycopg.connect(**admin, dbname=dbname, autocommit=True) as conn:
            conn.execute("CREATE TABLE old_records (id bigint GENERATED BY DEFAULT AS IDENTITY, note text)")
            conn.execute("CREATE FUNCTION old_function() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql")
        url = f"postgres://{{user}}:secret-{suffix}@{host.replace('/', '%2F')}/{dbname}"
        for _ in range(2):  # safe to run again
            dbroles.setup(
                admin_url=f"postgres://{SUPERUSER}@{host.replace('/', '%2F')}/postgres",
                owner_url=url.format(user=owner),
                app_url=url.format(user=app),
            )
        with psycopg.connect(host=host, user=owner, dbname=dbname, autocommit=True) as conn:
            assert conn.execute(
                "SELECT relowner::regrole::text FROM pg_class WHERE relname = 'old_records'"
            ).fetchone() == (owner,)
            assert conn.execute(
                "SELECT proowner::regrole::text FROM pg_proc WHERE proname = 'old_function'"
            ).fetchone() == (owner,)
            dbroles.privileges_apply(conn, app_role=app, append_only_tables=["old_records"])
        with psycopg.connect(host=host, user=app, dbname=dbname, autocommit=True) as conn:
            conn.execute("INSERT INTO old_records (note) VALUES ('kept')")
            for statement in (
                "DELETE FROM old_records",
                "TRUNCATE old_records",
                "ALTER TABLE old_records ADD x int",
            ):
                with pytest.raises(errors.InsufficientPrivilege):
                    conn.execute(statement)
            assert conn.execute(
                "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user"
            ).fetchone() == (False, False, False)
    finally:
        with psycopg.connect(**admin, dbname="postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
            for role in (owner, app):
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
