"""Conventions every screen keeps, checked over all templates at once."""

from pathlib import Path

from django.conf import settings

TEMPLATES = sorted(Path(settings.BASE_DIR, "templates").rglob("*.html"))


def test_protected_identity_marker_uses_the_lock_icon_that_needs_no_emoji_font():
    """The emoji lock draws as an empty box on clinic computers without an emoji font (R7 marker)."""
    offenders = [str(path) for path in TEMPLATES if "\N{LOCK}" in path.read_text(encoding="utf-8")]
    assert TEMPLATES
    assert offenders == []
