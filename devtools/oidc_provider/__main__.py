"""Start the development OpenID provider: create its database, migrate, load clients and identities, serve."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    dbname = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone():
            conn.execute(f'CREATE DATABASE "{dbname}"')


def ensure_key(path: Path) -> None:
    if path.exists():
        return
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.oidc_provider")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--config", required=True, help="JSON file with clients and test identities")
    parser.add_argument("--key-file", required=True, help="RSA key (PEM); made when missing")
    args = parser.parse_args(argv)

    ensure_database(args.database_url)
    ensure_key(Path(args.key_file))
    os.environ["IDP_DATABASE_URL"] = args.database_url
    os.environ["IDP_RSA_KEY_FILE"] = args.key_file
    os.environ["DJANGO_SETTINGS_MODULE"] = "devtools.oidc_provider.settings"

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", "--noinput", verbosity=0)
    call_command("idp_setup", args.config)

    import socketserver

    from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
    from django.core.wsgi import get_wsgi_application

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format, *args):
            pass

    class Server(socketserver.ThreadingMixIn, WSGIServer):
        daemon_threads = True

    httpd = Server(("127.0.0.1", args.port), QuietHandler)
    httpd.set_app(get_wsgi_application())
    print(f"Development OpenID provider on http://127.0.0.1:{args.port}/o", flush=True)
    httpd.serve_forever()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    sys.exit(main())
