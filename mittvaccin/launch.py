"""`make run`, `make test` and `make bench`: set up the services, then run what was asked.

    python -m mittvaccin.launch run     serve on http://127.0.0.1:8000 with a Celery worker and beat
    python -m mittvaccin.launch test    lint, then the whole test suite (extra args go to pytest)
    python -m mittvaccin.launch bench   the benchmark (extra args go to bench/run.py)

Without DATABASE_URL / REDIS_URL it starts the embedded PostgreSQL and Redis in `.data/` and stops
them again on exit, if it started them. Ctrl-C stops every process it started.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from mittvaccin import embedded

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def say(message: str) -> None:
    print(f"\033[1;34m==>\033[0m {message}", flush=True)


class Services:
    """The embedded database and Redis, started when the environment does not name real ones."""

    def __init__(self, pg_name: str, redis_name: str, dbname: str, fast_unsafe: bool = False):
        # fast_unsafe: a throw-away test setup (PostgreSQL without fsync, Redis without persistence).
        self.pg_name, self.redis_name, self.dbname, self.fast_unsafe = (
            pg_name,
            redis_name,
            dbname,
            fast_unsafe,
        )
        self.started_pg = self.started_redis = False

    def __enter__(self) -> dict:
        env = {}
        if os.environ.get("DATABASE_URL"):
            say("PostgreSQL: DATABASE_URL is set, using it")
        else:
            say(f"PostgreSQL 16 (embedded, data in .data/{self.pg_name}) …")
            database = embedded.ensure_postgres(self.pg_name, self.dbname, fast_unsafe=self.fast_unsafe)
            self.started_pg = database.started_here
            # Web, worker and beat connect as the application role; `migrate` uses the owner's URL.
            env["DATABASE_URL"] = database.url
            env["DATABASE_OWNER_URL"] = database.owner_url
        if os.environ.get("REDIS_URL"):
            say("Redis: REDIS_URL is set, using it")
        else:
            say(f"Redis (embedded, .data/{self.redis_name}) …")
            url, self.started_redis = embedded.ensure_redis(self.redis_name, persistent=not self.fast_unsafe)
            env["REDIS_URL"] = url
        return env

    def __exit__(self, *exc) -> None:
        if self.started_redis:
            embedded.stop_redis(self.redis_name)
        if self.started_pg:
            say("Stopping the embedded PostgreSQL …")
            embedded.stop_postgres(self.pg_name)


def manage(*args: str, env: dict) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def wait_for_http(url: str, processes: list, timeout: float = 180) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310  (our own localhost)
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def _celery(env: dict, *args: str) -> subprocess.Popen:
    """A Celery worker or beat of this project, started from the project folder."""
    return subprocess.Popen([PYTHON, "-m", "celery", "-A", "mittvaccin", *args], cwd=BASE_DIR, env=env)


def stop_all(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()


def port_is_free(port: int) -> bool:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def run_environment(environ, port: str) -> dict:
    """What web, worker and beat of `make run` get: links in e-mail, SMS and .ics follow the port
    served on, unless MITTVACCIN_PUBLIC_URL names another address."""
    env = {**environ, "DJANGO_DEBUG": environ.get("DJANGO_DEBUG", "1"), "PYTHONUNBUFFERED": "1"}
    if not environ.get("MITTVACCIN_PUBLIC_URL"):
        env["MITTVACCIN_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    return env


def run(args: list[str]) -> int:
    port = os.environ.get("PORT", "8000")
    if not port_is_free(int(port)):
        say(
            f"Port {port} is already in use (another `make run`?). Stop it, or choose another: PORT=8001 make run"
        )
        return 1
    base_env = run_environment(os.environ, port)
    if not system_packages_ready(PDF_PACKAGES):
        say("Starting without them: every page works; the PDFs (invoices, certificates) may fail or be slow.")
    with Services("pg", "redis", "mittvaccin") as service_env:
        env = {**base_env, **service_env}
        say("Migrating the database …")
        manage("migrate", "--noinput", "-v", "0", env=env)
        say("Demo data (loaded the first time, checked every time) …")
        manage("demo_data", env=env)
        processes: list[subprocess.Popen] = []
        if env.get("DJANGO_DEBUG") == "1" and not os.environ.get("MITTVACCIN_OIDC_STAFF_ISSUER"):
            processes.append(start_development_provider(env, port))
        stopping = []
        # Ctrl-C reaches the whole process group (web, worker and beat stop by themselves); SIGTERM
        # from outside reaches only us. Either way: note it, then stop whatever still runs.
        signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        try:
            say(f"Starting web (http://127.0.0.1:{port}), Celery worker and Celery beat …")
            processes.append(
                subprocess.Popen(
                    [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}"], cwd=BASE_DIR, env=env
                )
            )
            processes.append(_celery(env, "worker", "-l", "info", "--concurrency", "2"))
            schedule_file = embedded.DATA_DIR / "celerybeat-schedule"
            processes.append(_celery(env, "beat", "-l", "info", "-s", str(schedule_file)))
            if not wait_for_http(f"http://127.0.0.1:{port}/healthz", processes):
                if not stopping:
                    say("The web server did not come up; see the output above.")
                    return 1
            else:
                print_logins(port)
            while not stopping and all(p.poll() is None for p in processes):
                time.sleep(0.3)
            if stopping:
                print()
                say("Stopping web, worker and beat …")
                return 0
            say("A process stopped; stopping the others.")
            return 1
        finally:
            stop_all(processes)


def development_provider_port(port: str) -> int:
    return int(port) + 100


def start_development_provider(env: dict, port: str) -> subprocess.Popen:
    """`make run`'s OpenID provider of test identities (devtools/oidc_provider), on PORT+100.

    The application is told about it (and that it is a development provider) through the same
    variables a real installation sets; the settings refuse it when DJANGO_DEBUG is off.
    """
    import json

    from devtools.oidc_provider import process as idp

    idp_port = development_provider_port(port)
    folder = embedded.DATA_DIR / "idp"
    folder.mkdir(parents=True, exist_ok=True)
    identities_file = folder / "identities.json"
    manage("dev_identities", "--output", str(identities_file), env=env)
    say(f"Development OpenID provider (test identities) on http://127.0.0.1:{idp_port}/ …")
    # Its own database, made and migrated by the role that may create databases (the owner; the
    # application role may create nothing, mittvaccin/dbroles.py).
    server = env.get("DATABASE_OWNER_URL") or env["DATABASE_URL"]
    database_url = server.rsplit("/", 1)[0] + "/mittvaccin_idp"
    provider = idp.start(
        port=idp_port,
        database_url=database_url,
        data=idp.config(json.loads(identities_file.read_text())),
        folder=folder,
        env={"DJANGO_DEBUG": "1"},
    )
    issuer = f"http://127.0.0.1:{idp_port}/o"
    env.update(
        {
            "MITTVACCIN_OIDC_STAFF_ISSUER": issuer,
            "MITTVACCIN_OIDC_STAFF_CLIENT_ID": idp.STAFF_CLIENT,
            "MITTVACCIN_OIDC_STAFF_CLIENT_SECRET": idp.STAFF_SECRET,
            "MITTVACCIN_OIDC_RESIDENT_ISSUER": issuer,
            "MITTVACCIN_OIDC_RESIDENT_CLIENT_ID": idp.RESIDENT_CLIENT,
            "MITTVACCIN_OIDC_RESIDENT_CLIENT_SECRET": idp.RESIDENT_SECRET,
            "MITTVACCIN_OIDC_DEVELOPMENT": "1",
        }
    )
    return provider


def print_logins(port: str) -> None:
    from mittvaccin.demo import DEMO_LOGINS, DEMO_PASSWORD

    width = max(len(login.username) for login in DEMO_LOGINS)
    lines = [
        "",
        f"  MittVaccin is running on  http://127.0.0.1:{port}/",
        "",
        f"  Demo logins (password for all: {DEMO_PASSWORD})",
    ]
    for login in DEMO_LOGINS:
        lines.append(f"    {login.username:<{width}}  {login.description}")
    lines += [
        "",
        f"  Online booking (residents, no login): http://127.0.0.1:{port}/boka/",
        f"  Mina vaccinationer (residents, test BankID): http://127.0.0.1:{port}/mina-vaccinationer/",
        f"  Development OpenID provider (test identities, SITHS card for eva): "
        f"http://127.0.0.1:{development_provider_port(port)}/",
        "",
        "  Ctrl-C stops everything.",
        "",
    ]
    print("\n".join(lines), flush=True)


# What the PDFs (invoices, certificates) and the browser tests need from Debian, by the check that
# tells whether it is there. HarfBuzz's subsetter: without it WeasyPrint subsets each font with
# fontTools instead, about 250 ms more per invoice PDF and a warning per font in every render (a
# fresh machine without Chromium, which brings it along, rendered 4 invoices a second instead of 20).
PDF_PACKAGES = [
    # (package names, how to tell it is installed)
    (["libpango-1.0-0", "libpangoft2-1.0-0"], lambda: _library_present("libpango-1.0.so")),
    (["libharfbuzz-subset0"], lambda: _library_present("libharfbuzz-subset.so")),
    (["fonts-dejavu-core"], lambda: _font_present("dejavu")),
]
SYSTEM_PACKAGES = [
    (["chromium"], lambda: Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")).exists()),
    *PDF_PACKAGES,
]


def _library_present(name: str) -> bool:
    try:
        listing = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    except OSError:
        return False
    return name in listing


def _font_present(name: str) -> bool:
    try:
        listing = subprocess.run(["fc-list"], capture_output=True, text=True).stdout
    except OSError:
        # No fontconfig at all: look where Debian puts the font.
        return (
            any(Path("/usr/share/fonts").rglob(f"*{name.capitalize()}*"))
            if Path("/usr/share/fonts").exists()
            else False
        )
    return name in listing.lower()


def system_packages_ready(packages=SYSTEM_PACKAGES) -> bool:
    """Install what a bare Debian machine lacks for the browser tests and PDFs, or say exactly how.

    Runs before anything else, so a missing browser stops `make test` at once instead of failing
    every browser test after the rest of the suite. `make run` and `make bench` ask for the PDFs'
    part only (PDF_PACKAGES).
    """
    missing = [name for names, present in packages if not present() for name in names]
    if not missing:
        return True
    command = "apt-get update && apt-get install -y --no-install-recommends " + " ".join(missing)
    can_install = os.geteuid() == 0 and shutil.which("apt-get")
    if not can_install:
        say(f"Missing system packages ({', '.join(missing)}). Run as root:\n    {command}")
        return False
    say(f"Installing {' '.join(missing)} (once) …")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    update = subprocess.run(["apt-get", "update", "-qq"], env=env)
    install = subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=env
    )
    if update.returncode or install.returncode:
        say(f"Installing failed. Run as root:\n    {command}")
        return False
    return True


def test(args: list[str]) -> int:
    if not system_packages_ready():
        return 1
    env = {
        **os.environ,
        "MITTVACCIN_TESTING": "1",
        "MITTVACCIN_ALLOW_DEV_SECRET": "1",
        "MITTVACCIN_CACHE_PREFIX": "mvtest",
        "PYTHONUNBUFFERED": "1",
    }
    say("Lint: ruff check and ruff format --check …")
    lint = subprocess.run([PYTHON, "-m", "ruff", "check", "."], cwd=BASE_DIR)
    formatting = subprocess.run([PYTHON, "-m", "ruff", "format", "--check", "."], cwd=BASE_DIR)
    if lint.returncode or formatting.returncode:
        say("Lint failed: run `.venv/bin/ruff check --fix . && .venv/bin/ruff format .`")
        return 1
    # A separate cluster with fsync off: tests are fast and never touch the data of `make run`.
    with Services("pg-test", "redis-test", "postgres", fast_unsafe=True) as service_env:
        env.update(service_env)
        say("Running the test suite …")
        pytest_args = args or ["-n", os.environ.get("TEST_WORKERS", "2"), "--dist", "loadgroup"]
        return subprocess.run([PYTHON, "-m", "pytest", *pytest_args], cwd=BASE_DIR, env=env).returncode


def bench(args: list[str]) -> int:
    if not system_packages_ready(PDF_PACKAGES):  # the bench renders invoice PDFs
        say("Measuring without them: the invoice PDF figures (pdf_*) may be missing or too low.")
    env = {**os.environ, "MITTVACCIN_ALLOW_DEV_SECRET": "1", "PYTHONUNBUFFERED": "1"}
    with Services("pg", "redis", "mittvaccin") as service_env:
        env.update(service_env)
        if "DATABASE_OWNER_URL" in service_env:
            # The benchmark creates, loads and drops its own database: the owner's work, on one URL.
            env["DATABASE_URL"] = env.pop("DATABASE_OWNER_URL")
        return subprocess.run([PYTHON, "-m", "bench.run", *args], cwd=BASE_DIR, env=env).returncode


def main() -> int:
    command, *args = sys.argv[1:] or ["run"]
    os.chdir(BASE_DIR)
    commands = {"run": run, "test": test, "bench": bench}
    if command not in commands:
        print(__doc__)
        return 2
    return commands[command](args)


if __name__ == "__main__":
    sys.exit(main())
