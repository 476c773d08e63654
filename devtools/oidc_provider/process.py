"""Start the development provider as its own process (for `make run` and the tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STAFF_CLIENT = "mittvaccin-personal"
RESIDENT_CLIENT = "mittvaccin-invanare"
# Development secrets of the development provider, never used anywhere else.
STAFF_SECRET = "dev-staff-secret-not-for-production"  # noqa: S105
RESIDENT_SECRET = "dev-resident-secret-not-for-production"  # noqa: S105


def config(identities: list[dict], app_base: str = "http://127.0.0.1") -> dict:
    """Clients for the application's two sign-ins (loopback redirects match on any port)."""
    return {
        "clients": [
            {
                "client_id": STAFF_CLIENT,
                "client_secret": STAFF_SECRET,
                "redirect_uris": [f"{app_base}/eid/personal/retur/", "http://localhost/eid/personal/retur/"],
                "post_logout_redirect_uris": [f"{app_base}/logga-in/", "http://localhost/logga-in/"],
            },
            {
                "client_id": RESIDENT_CLIENT,
                "client_secret": RESIDENT_SECRET,
                "redirect_uris": [f"{app_base}/eid/invanare/retur/", "http://localhost/eid/invanare/retur/"],
                "post_logout_redirect_uris": [
                    f"{app_base}/mina-vaccinationer/",
                    "http://localhost/mina-vaccinationer/",
                ],
            },
        ],
        "identities": identities,
    }


def start(
    *, port: int, database_url: str, data: dict, folder: Path, env: dict | None = None
) -> subprocess.Popen:
    folder.mkdir(parents=True, exist_ok=True)
    config_file = folder / f"idp-{port}.json"
    config_file.write_text(json.dumps(data))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devtools.oidc_provider",
            "--port",
            str(port),
            "--database-url",
            database_url,
            "--config",
            str(config_file),
            "--key-file",
            str(folder / "idp-key.pem"),
        ],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    deadline = time.monotonic() + 90
    url = f"http://127.0.0.1:{port}/o/.well-known/openid-configuration"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the development OpenID provider stopped (exit {process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("the development OpenID provider did not answer within 90 seconds")
