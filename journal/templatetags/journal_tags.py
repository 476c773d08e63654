from django import template
from django.utils import timezone

from journal import history_rows as rows
from journal import selectors
from journal.declaration_rows import declaration_answers as answers_html
from journal.note_rows import note_html as note_row
from journal.order_rows import order_html as order_row
from journal.selectors import next_dose_reminded_at

register = template.Library()


@register.simple_tag
def active_signals(patient):
    """The patient's active attention signals for the banner (one query per request, then cached)."""
    if patient is None or getattr(patient, "pk", None) is None:
        return []
    return selectors.active_signals(patient)


@register.filter
def local(value, fmt="%Y-%m-%d %H:%M"):
    if not value:
        return "–"
    return timezone.localtime(value).strftime(fmt)


@register.filter
def in_error(obj):
    try:
        return obj.entered_in_error is not None
    except obj.__class__.entered_in_error.RelatedObjectDoesNotExist:
        return False


@register.filter
def reminded_at(dose):
    """When the patient got the next-dose reminder of this dose (None when not yet)."""

    return next_dose_reminded_at(dose)


@register.simple_tag(takes_context=True)
def history_rows(context, history):
    """The rows of a vaccination history table (`journal.history_rows`), with the table's `actions`,
    `can_register` and `focus` from the context."""
    return rows.history_rows(
        history,
        actions=context.get("actions"),
        can_register=context.get("can_register"),
        focus=context.get("focus"),
    )


@register.simple_tag
def block_options(history):
    """The doses a patient can still block from other caregivers, as <option>s (`journal.history_rows`)."""
    return rows.block_options(history)


@register.simple_tag
def declaration_answers(declaration):
    """A health declaration's answers (`journal.declaration_rows`)."""
    return answers_html(declaration)


@register.simple_tag
def order_html(order, visit=None):
    """An order (`journal.order_rows`); `visit`: the vaccination screen's, to mark another unit's order."""
    return order_row(order, visit or None)


@register.simple_tag(takes_context=True)
def note_html(context, thread, next_url=None):
    """A note thread with its comment form (`journal.note_rows`), for the page's user; `next_url`: where
    the form returns (else the context's `next`)."""
    return note_row(
        thread,
        user=context["user"],
        csrf_token=context.get("csrf_token"),
        next_url=next_url if next_url is not None else context.get("next"),
    )
