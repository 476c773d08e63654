"""Database roles: the tables belong to an owner role; web, worker and beat connect as an application role.

Why: the journal, the invoices and the access log are append-only by database triggers. A role that
owns a table (or is a superuser) can switch its triggers off, TRUNCATE it, or set
`session_replication_role = replica`, so the triggers bind the application only when the application
connects as a role that owns nothing. The owner role runs the migrations (`DATABASE_OWNER_URL`); the
application role (`DATABASE_URL`) gets what the product needs and nothing more:

- SELECT, INSERT, UPDATE, DELETE on the tables (no TRUNCATE, REFERENCES or TRIGGER); DELETE is taken
  back again on the append-only tables, whose triggers refuse UPDATE as well;
- USAGE and SELECT on the sequences, EXECUTE on the functions (for example a SECURITY DEFINER function
  that the owner provides for work the application may ask for but not do itself, such as creating
  the next partition of a table);
- the same on everything the owner creates later (default privileges), so a migration or a function
  run as the owner never leaves the application without access;
- no CREATE in the schema and no temporary tables (a temporary table could shadow a table that a
  trigger function reads).

django-pgtrigger lets any session switch a trigger off with `SET pgtrigger.ignore = …`; a custom
setting cannot be restricted, so `_pgtrigger_should_ignore` is replaced after every migration by one
that honours the setting only for the owner role (and superusers): migrations can still use it, the
application cannot.

This module imports nothing from Django, so the embedded development cluster (`embedded.py`) and the
one-shot `dbroles` service of docker-compose.yml use it before any settings exist:

    DATABASE_ADMIN_URL=postgres://postgres:…@postgres/postgres \\
    DATABASE_OWNER_URL=postgres://mittvaccin_owner:…@postgres/mittvaccin \\
    DATABASE_URL=postgres://mittvaccin_app:…@postgres/mittvaccin \\
    python -m mittvaccin.dbroles

creates (or updates) both roles with the passwords of the URLs, makes the owner own the database and
everything in it, and is safe to run at every start.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

# The privileges the application role has on tables; TRUNCATE, REFERENCES and TRIGGER never.
APP_TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
# Object kinds in pg_class that the owner adopts: tables, partitioned tables (and partitions), views.
ADOPTED_RELATION_KINDS = ("r", "p", "v")

HARDENED_IGNORE_FUNCTION = """
CREATE OR REPLACE FUNCTION public._pgtrigger_should_ignore(trigger_name NAME)
RETURNS BOOLEAN AS $$
    DECLARE
        _pgtrigger_ignore TEXT[];
        _result BOOLEAN;
    BEGIN
        BEGIN
            SELECT INTO _pgtrigger_ignore CURRENT_SETTING('pgtrigger.ignore');
            EXCEPTION WHEN OTHERS THEN
        END;
        IF _pgtrigger_ignore IS NULL THEN
            RETURN FALSE;
        END IF;
        -- Any session may set a custom setting: only the owner of the tables (migrations) may use it
        -- to pass a trigger, never the application role (mittvaccin/dbroles.py).
        IF NOT pg_has_role(session_user, {owner}, 'MEMBER') THEN
            RETURN FALSE;
        END IF;
        SELECT trigger_name = ANY(_pgtrigger_ignore) INTO _result;
        RETURN _result;
    END;
$$ LANGUAGE plpgsql;
"""


@dataclass(frozen=True)
class Role:
    name: str
    password: str | None = None


def _identifier(name: str):
    from psycopg import sql

    return sql.Identifier(name)


def _literal(value):
    from psycopg import sql

    return sql.Literal(value)


def role_ensure(conn, role: Role, *, create_databases: bool = False) -> None:
    """Create or update a login role that is no superuser and cannot create roles.

    `conn` is a superuser's autocommit connection. `create_databases` only for the development and test
    clusters, where the owner creates the test and benchmark databases.
    """
    from psycopg import sql

    attributes = sql.SQL(
        "LOGIN NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT "
        + ("CREATEDB" if create_databases else "NOCREATEDB")
    )
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role.name]).fetchone()
    verb = sql.SQL("ALTER ROLE") if exists else sql.SQL("CREATE ROLE")
    statement = sql.SQL("{} {} WITH {}").format(verb, _identifier(role.name), attributes)
    if role.password:
        statement = sql.SQL("{} PASSWORD {}").format(statement, _literal(role.password))
    conn.execute(statement)


def database_adopt(admin_params: dict, *, dbname: str, owner: str) -> None:
    """Make `owner` own the database `dbname` and every object in its public schema.

    An installation from before the role split has its tables owned by the superuser that ran the
    first migrations; they pass to the owner here, one object at a time (REASSIGN OWNED cannot take
    objects from the bootstrap superuser).
    """
    import psycopg
    from psycopg import sql

    with psycopg.connect(**{**admin_params, "dbname": "postgres"}, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
        if not exists:
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(_identifier(dbname), _identifier(owner))
            )
        else:
            conn.execute(
                sql.SQL("ALTER DATABASE {} OWNER TO {}").format(_identifier(dbname), _identifier(owner))
            )
    with psycopg.connect(**{**admin_params, "dbname": dbname}, autocommit=True) as conn:
        relations = conn.execute(
            """
            SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = ANY(%s) AND c.relowner <> %s::regrole
            """,
            [list(ADOPTED_RELATION_KINDS), owner],
        ).fetchall()
        for (relation,) in relations:
            # Indexes and identity sequences follow their table (ALTER TABLE also takes views).
            conn.execute(sql.SQL("ALTER TABLE {} OWNER TO {}").format(sql.SQL(relation), _identifier(owner)))
        sequences = conn.execute(
            """
            SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'S' AND c.relowner <> %s::regrole
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))
            """,
            [owner],
        ).fetchall()
        for (sequence,) in sequences:
            conn.execute(
                sql.SQL("ALTER SEQUENCE {} OWNER TO {}").format(sql.SQL(sequence), _identifier(owner))
            )
        functions = conn.execute(
            """
            SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'public' AND p.proowner <> %s::regrole
            """,
            [owner],
        ).fetchall()
        for (function,) in functions:
            conn.execute(
                sql.SQL("ALTER ROUTINE {} OWNER TO {}").format(sql.SQL(function), _identifier(owner))
            )
        # Before PostgreSQL 15 every role could create objects in the public schema.
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")


def privileges_apply(conn, *, app_role: str, append_only_tables=()) -> None:
    """Give `app_role` exactly what the application needs in the current database.

    `conn` is a psycopg connection of the owner (Django's after `migrate`, or one of its own). One
    transaction, so a running application never sees its privileges half-way through a change.
    """
    from psycopg import sql

    app = _identifier(app_role)
    with conn.transaction():
        database, owner = conn.execute("SELECT current_database(), current_user").fetchone()
        statements = [
            sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(_identifier(database)),
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(_identifier(database), app),
            sql.SQL("REVOKE CREATE ON SCHEMA public FROM PUBLIC"),
            sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(app),
            sql.SQL("REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {}").format(
                app
            ),
            sql.SQL("GRANT " + APP_TABLE_PRIVILEGES + " ON ALL TABLES IN SCHEMA public TO {}").format(app),
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(app),
            sql.SQL("GRANT EXECUTE ON ALL ROUTINES IN SCHEMA public TO {}").format(app),
        ]
        for what in (
            "GRANT " + APP_TABLE_PRIVILEGES + " ON TABLES",
            "GRANT USAGE, SELECT ON SEQUENCES",
            "GRANT EXECUTE ON ROUTINES",
        ):
            statements.append(
                sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public " + what + " TO {}").format(app)
            )
        statements += [
            sql.SQL("REVOKE DELETE ON {} FROM {}").format(_identifier(table), app)
            for table in append_only_tables
        ]
        for statement in statements:
            conn.execute(statement)
        installed = conn.execute(
            "SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public' AND p.proname = '_pgtrigger_should_ignore'"
        ).fetchone()
        if installed:
            conn.execute(sql.SQL(HARDENED_IGNORE_FUNCTION).format(owner=_literal(owner)))


def setup(*, admin_url: str, owner_url: str, app_url: str, create_databases: bool = False) -> None:
    """Both roles and the database, from three connection URLs (the one-shot of docker-compose.yml)."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    admin = conninfo_to_dict(admin_url)
    owner = conninfo_to_dict(owner_url)
    app = conninfo_to_dict(app_url)
    if owner.get("dbname") != app.get("dbname"):
        raise SystemExit("DATABASE_OWNER_URL and DATABASE_URL must name the same database.")
    if owner["user"] == app["user"]:
        raise SystemExit("DATABASE_OWNER_URL and DATABASE_URL must name two different roles.")
    with psycopg.connect(**{**admin, "dbname": admin.get("dbname") or "postgres"}, autocommit=True) as conn:
        role_ensure(conn, Role(owner["user"], owner.get("password")), create_databases=create_databases)
        role_ensure(conn, Role(app["user"], app.get("password")))
    database_adopt(admin, dbname=owner["dbname"], owner=owner["user"])
    # The application's privileges follow with `manage.py migrate`, which runs next as the owner.


def main() -> int:
    missing = [
        name
        for name in ("DATABASE_ADMIN_URL", "DATABASE_OWNER_URL", "DATABASE_URL")
        if not os.environ.get(name)
    ]
    if missing:
        print(f"Set {', '.join(missing)}.", file=sys.stderr)
        return 2
    setup(
        admin_url=os.environ["DATABASE_ADMIN_URL"],
        owner_url=os.environ["DATABASE_OWNER_URL"],
        app_url=os.environ["DATABASE_URL"],
    )
    print("Database roles ready.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
