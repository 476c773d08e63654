"""Template filters for money: {{ amount|kr }} → "1 250,00 kr"."""

from django import template

from billing.money import format_kr, format_number
from billing.services.invoices import address_missing as missing

register = template.Library()


@register.filter
def kr(value):
    """An amount the Swedish way, with non-breaking spaces: "1 250,00 kr"."""
    if value is None or value == "":
        return "–"
    return format_kr(value)


@register.filter
def amount(value):
    """The number without the currency, for table columns headed "kr"."""
    if value is None or value == "":
        return "–"
    return format_number(value)


@register.filter
def address_missing(patient):
    """The patient has no address to send an invoice to (and is not protected: R7's forwarding route)."""

    return missing(patient)
