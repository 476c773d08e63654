"""Content-Security-Policy without 'unsafe-inline', Permissions-Policy, Referrer-Policy and HSTS on
every kind of answer: a staff page, a public booking page and a PDF (issue 13)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def assert_hardened(response):
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_headers_on_a_staff_page(cast, alice_client, patient_a):
    response = alice_client.get(reverse("journal:patient", args=[patient_a.pk]))
    assert response.status_code == 200
    assert_hardened(response)


def test_headers_on_a_public_booking_page(cast):
    response = Client().get(reverse("booking:public_unit", args=[cast.unit_a.slug]))
    assert response.status_code == 200
    assert_hardened(response)


def test_headers_on_a_pdf(cast, alice_client, patient_a):
    response = alice_client.get(reverse("journal:certificate", args=[patient_a.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert_hardened(response)


@override_settings(SECURE_HSTS_SECONDS=31_536_000, SECURE_SSL_REDIRECT=False)
def test_hsts_is_sent_over_https_when_secure_cookies_are_on(cast):
    response = Client().get(reverse("login"), secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_hsts_follows_secure_cookies_in_the_settings():

    script = "from django.conf import settings; print(settings.SECURE_HSTS_SECONDS)"

    def hsts(secure_cookies: str) -> int:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "mittvaccin.settings",
            "DJANGO_SECRET_KEY": "k" * 60,
            "DJANGO_DEBUG": "0",
            "MITTVACCIN_TESTING": "0",
            "DJANGO_SECURE_COOKIES": secure_cookies,
        }
        result = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        )
        return int(result.stdout.strip().splitlines()[-1])

    assert hsts("1") == 31_536_000
    assert hsts("0") == 0


def test_no_template_has_inline_script_style_or_handlers():
    """What the policy would block must not be there in the first place (PDF templates are rendered
    by WeasyPrint on the server and never reach a browser)."""
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        if "pdf" in path.name or path.name == "certificate.html":
            continue
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+=\"", text):
            offenders.append(path.name)
        if re.search(r"\sstyle=\"", text) or "<style" in text:
            offenders.append(path.name)
    assert offenders == []
