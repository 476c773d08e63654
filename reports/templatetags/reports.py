"""Numbers the Swedish way in statistics: "1 234", "12,5 %", "1 250,00 kr" (non-breaking spaces)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from billing.money import NBSP, format_kr

register = template.Library()


def format_count(value) -> str:
    text = f"{int(value):,}".replace(",", NBSP)
    return text.replace("-", "−")


def format_percent(value) -> str:
    return f"{Decimal(value):.1f}".replace(".", ",") + f"{NBSP}%"


def format_value(value, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "money":
        return format_kr(value)
    if kind == "percent":
        return format_percent(value)
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}".replace(".", ",")
    return format_count(value)


@register.filter
def figure_value(value, kind):
    return format_value(value, kind)


@register.filter
def csv_value(value, kind):
    """The machine form the CSV carries: digits with a decimal comma, no thousands separator or unit."""
    if value is None:
        return ""
    if kind in ("money", "percent"):
        return str(value).replace(".", ",")
    return str(value)
