"""Conventions every screen keeps, checked over all templates at once."""

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = sorted(Path(settings.BASE_DIR, "templates").rglob("*.html"))


def test_protected_identity_marker_uses_the_lock_icon_that_needs_no_emoji_font():
    """The emoji lock draws as an empty box on clinic computers without an emoji font (R7 marker)."""
    offenders = [str(path) for path in TEMPLATES if "\N{LOCK}" in path.read_text(encoding="utf-8")]
    assert TEMPLATES
    assert offenders == []


def test_screens_never_show_the_briefs_rule_ids_to_users():
    """R1–R18 name rules for developers and tests; a clinic reading "(R11)" learns nothing from it."""
    translatable = re.compile(
        r'{% (?:translate|trans) "[^"]*" %}|{% blocktranslate[^%]*%}.*?{% endblocktranslate %}', re.S
    )
    rule_id = re.compile(r"(?<!FHIR )\bR(?:[1-9]|1[0-8])\b")
    offenders = [
        f"{path.name}: {text[:60]}"
        for path in TEMPLATES
        for text in translatable.findall(path.read_text(encoding="utf-8"))
        if rule_id.search(text)
    ]
    assert offenders == []


def test_templates_have_no_inline_scripts_or_event_handlers():
    """Behaviour lives in static/ (data-* attributes in templates), so a Content-Security-Policy without
    'unsafe-inline' can be set, and keyboard and screen-reader behaviour is written once in app.js."""
    handler = re.compile(r"\son[a-z]+\s*=", re.I)
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
    offenders = [
        str(path.relative_to(settings.BASE_DIR))
        for path in TEMPLATES
        if handler.search(path.read_text(encoding="utf-8"))
        or inline_script.search(path.read_text(encoding="utf-8"))
    ]
    assert TEMPLATES
    assert offenders == []
