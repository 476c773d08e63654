"""What the pages that draw their long tables' rows in Python share (the timebook's day, a recall's list,
a patient's vaccinations).

Drawing hundreds of rows with the template engine was most of those pages' time (issue 11); their rows
are strings made in Python with every text escaped by `escape`.
"""

from __future__ import annotations

from html import escape as _html_escape

from django.template.loader import render_to_string
from django.utils.text import normalize_newlines
from django.utils.translation import gettext as _


def escape(value) -> str:
    """Django's `escape` without its lazy-string wrapper (called thousands of times a page): the same
    characters escaped the same way, as `django.utils.html.escape` does with the standard library."""
    return _html_escape(str(value))


def linebreaksbr(text: str) -> str:
    """As the `linebreaksbr` filter shows a text: escaped, each line break a <br>."""
    return escape(normalize_newlines(text)).replace("\n", "<br>")


def protected_badge() -> str:
    """The "protected identity" badge beside a patient's name (the lock icon and the translated word)."""
    return f'<span class="badge danger">{render_to_string("_icon_lock.html")} {escape(_("Skyddad identitet"))}</span>'
