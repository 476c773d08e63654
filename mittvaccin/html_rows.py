"""What the pages that draw their long tables' rows in Python share (the timebook's day, a recall's list,
a patient's vaccinations), and a select whose options are drawn the same way (the statistics filter).

Drawing hundreds of rows with the template engine was most of those pages' time (issue 11); their rows
are strings made in Python with every text escaped by `escape`.
"""

from __future__ import annotations

from html import escape as _html_escape

from django import forms
from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe
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


def _attr_value(value) -> str:
    # As `{{ value|stringformat:'s' }}` in Django's widget templates: made text, escaped unless safe.
    return conditional_escape(value if isinstance(value, SafeData) else str(value))


def _attrs(attrs: dict) -> str:
    # As django/forms/widgets/attrs.html: False leaves the attribute out, True writes its name alone.
    return "".join(
        f" {conditional_escape(str(name))}" + ("" if value is True else f'="{_attr_value(value)}"')
        for name, value in attrs.items()
        if value is not False
    )


class PlainSelect(forms.Select):
    """Django's Select with its options drawn in Python, the same bytes as its templates.

    The templates include one template per option: a filter form's product list of forty vaccines cost
    a few milliseconds of a page that is itself about forty (issue 11, the statistics page). Option
    groups, and labels the template engine would localize (numbers, dates), are left to the templates.
    """

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        groups = widget["optgroups"]
        options = [option for _name, group, _index in groups for option in group]
        if any(group_name for group_name, _group, _index in groups) or not all(
            isinstance(option["label"], str | Promise) for option in options
        ):
            return super().render(name, value, attrs, renderer)
        drawn = "".join(
            f'\n  <option value="{_attr_value(option["value"])}"{_attrs(option["attrs"])}>'
            f"{conditional_escape(option['label'] if isinstance(option['label'], str) else str(option['label']))}"
            "</option>\n"
            for option in options
        )
        return mark_safe(  # noqa: S308  (every text above is escaped as the templates escape it)
            f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>{drawn}\n</select>'
        )
