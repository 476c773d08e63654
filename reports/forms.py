"""The statistics filter: period, unit, vaccine and week or month. Bad input gets a message, never a 500."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mittvaccin.html_rows import PlainSelect

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# A longer period is refused: weekly figures over more than three years no longer read at a glance,
# and the money figures look back from today.
MAX_DAYS = 3 * 366


class StatisticsFilter(forms.Form):
    date_from = forms.DateField(label=_("Från"), widget=DATE_WIDGET, required=False)
    date_to = forms.DateField(label=_("Till och med"), widget=DATE_WIDGET, required=False)
    unit = forms.ChoiceField(
        label=_("Enhet"),
        widget=PlainSelect,
        required=False,
        error_messages={"invalid_choice": _("Enheten finns inte bland de enheter du kan se statistik för.")},
    )
    product = forms.ChoiceField(
        label=_("Vaccin"),
        widget=PlainSelect,
        required=False,
        error_messages={"invalid_choice": _("Vaccinet finns inte i katalogen.")},
    )
    granularity = forms.ChoiceField(
        label=_("Doser per"),
        choices=[("month", _("månad")), ("week", _("vecka"))],
        widget=PlainSelect,
        required=False,
    )

    def __init__(self, data, *, units, products, whole_caregiver: bool):
        if data is not None:
            # A date left out is the default period's, and the form shows it as the figures use it.
            data = data.copy()
            defaults = dict(
                zip(("date_from", "date_to"), self.default_period(timezone.localdate()), strict=True)
            )
            for name, value in defaults.items():
                if not data.get(name):
                    data[name] = value.isoformat()
        super().__init__(data)
        unit_choices = [(str(unit.pk), unit.name) for unit in units]
        if whole_caregiver:
            unit_choices.insert(0, ("", _("Alla enheter")))
        self.fields["unit"].choices = unit_choices
        self.fields["product"].choices = [("", _("Alla vacciner"))] + [
            (str(pk), f"{name} ({disease})") for pk, name, disease in products
        ]

    @staticmethod
    def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
        """The last twelve whole months and this month so far."""
        first = today.replace(day=1)
        return first.replace(year=first.year - 1), today

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        default_from, default_to = self.default_period(today)
        date_from = data.get("date_from") or default_from
        date_to = data.get("date_to") or default_to
        if date_to < date_from:
            raise forms.ValidationError(
                _("Perioden slutar (%(to)s) innan den börjar (%(from)s).")
                % {"to": date_to.isoformat(), "from": date_from.isoformat()}
            )
        if (date_to - date_from).days > MAX_DAYS:
            raise forms.ValidationError(_("Välj en period på högst tre år."))
        data["date_from"], data["date_to"] = date_from, date_to
        data["granularity"] = data.get("granularity") or "month"
        return data
