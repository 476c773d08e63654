from __future__ import annotations

import itertools

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking.models import ActorKind, Schedule, ScheduleException, VisitType, Weekday
from journal.forms import IdentityField
from journal.models import VaccineProduct
from mittvaccin import validators


def clean_phone(value: str) -> str:
    try:
        return validators.clean_phone(value)
    except ValidationError as error:
        raise forms.ValidationError(error.messages[0], code="phone") from None


def clean_name(value: str) -> str:
    try:
        return validators.clean_name(value)
    except ValidationError as error:
        raise forms.ValidationError(error.messages[0], code="name") from None


class ResidentBookingForm(forms.Form):
    """Step 3 of the public booking: who is coming and how we reach them."""

    identity = IdentityField(
        label=_("Personnummer"),
        help_text=_("12 siffror, t.ex. 19121212-1212. Bokar du åt ett barn, skriv barnets personnummer."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "ÅÅÅÅMMDD-NNNN"}
        ),
    )
    given_names = forms.CharField(
        label=_("Förnamn"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    family_name = forms.CharField(
        label=_("Efternamn"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    phone = forms.CharField(
        label=_("Mobiltelefon"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("E-post"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    accept_rule = forms.BooleanField(
        label=_("Jag har läst avbokningsreglerna."),
        error_messages={"required": _("Bekräfta att du har läst avbokningsreglerna.")},
    )

    def clean_phone(self):
        return clean_phone(self.cleaned_data.get("phone"))

    def clean_given_names(self):
        return clean_name(self.cleaned_data.get("given_names"))

    def clean_family_name(self):
        return clean_name(self.cleaned_data.get("family_name"))

    def clean(self):
        data = super().clean()
        if (
            not data.get("phone")
            and not data.get("email")
            and "phone" not in self.errors
            and "email" not in self.errors
        ):
            raise forms.ValidationError(
                _("Ange mobiltelefon eller e-post, så att vi kan skicka bekräftelsen och en påminnelse.")
            )
        return data


class StaffBookingForm(forms.Form):
    visit_type = forms.ModelChoiceField(label=_("Besökstyp"), queryset=VisitType.objects.none())
    slot = forms.IntegerField(widget=forms.HiddenInput)
    contact_phone = forms.CharField(
        label=_("Mobiltelefon för bekräftelse och påminnelse"), required=False, max_length=40
    )
    contact_email = forms.EmailField(label=_("E-post för bekräftelse och påminnelse"), required=False)

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visit_type"].queryset = VisitType.objects.filter(unit=unit, is_active=True)

    def clean_contact_phone(self):
        return clean_phone(self.cleaned_data.get("contact_phone"))


class StaffCancelForm(forms.Form):
    by_kind = forms.ChoiceField(
        label=_("Vem avbokar?"),
        choices=[
            (ActorKind.STAFF, _("Patienten (via telefon eller på plats): sen avbokning räknas")),
            (ActorKind.CLINIC, _("Mottagningen (t.ex. sjukdom, stängt): ingen avgift")),
        ],
        widget=forms.RadioSelect,
        initial=ActorKind.STAFF,
    )
    reason = forms.CharField(label=_("Anledning (valfritt)"), required=False, max_length=300)


class UndoNoShowForm(forms.Form):
    reason = forms.CharField(
        label=_("Varför ångras uteblivet?"),
        min_length=3,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("T.ex. ”Patienten kom 15 minuter sent och vaccinerades.” Skälet sparas."),
    )


class VisitTypeForm(forms.ModelForm):
    vaccines = forms.ModelMultipleChoiceField(
        label=_("Vaccin som ingår"),
        queryset=VaccineProduct.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = VisitType
        fields = [
            "name",
            "description",
            "duration_minutes",
            "vaccines",
            "minimum_age_years",
            "price_text",
            "online_bookable",
            "is_active",
            "position",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        others = VisitType.objects.filter(unit=self.unit, name__iexact=name).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("Det finns redan en besökstyp med det namnet på enheten."))
        return name


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = Schedule
        fields = ["name", "visit_types", "slot_minutes", "capacity", "valid_from", "valid_until", "is_active"]
        widgets = {
            "visit_types": forms.CheckboxSelectMultiple,
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_until": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.fields["visit_types"].queryset = VisitType.objects.filter(unit=unit)
        self.day_fields = []
        existing = {}
        if self.instance.pk:
            for hours in self.instance.hours.all():
                existing.setdefault(hours.weekday, []).append(hours)
        for weekday, label in Weekday.choices:
            periods = existing.get(weekday, [])
            names = []
            for index in range(2):
                period = periods[index] if index < len(periods) else None
                start_name, end_name = f"d{weekday}_{index}_start", f"d{weekday}_{index}_end"
                self.fields[start_name] = forms.TimeField(
                    label=f"{label} {_('från')}",
                    required=False,
                    initial=period.start_time if period else None,
                    widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                )
                self.fields[end_name] = forms.TimeField(
                    label=f"{label} {_('till')}",
                    required=False,
                    initial=period.end_time if period else None,
                    widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                )
                names.append((start_name, end_name))
            self.day_fields.append((label, names))

    def clean(self):
        data = super().clean()
        hours = []
        for weekday, _label in Weekday.choices:
            for index in range(2):
                start = data.get(f"d{weekday}_{index}_start")
                end = data.get(f"d{weekday}_{index}_end")
                if start is None and end is None:
                    continue
                if start is None or end is None or end <= start:
                    self.add_error(
                        f"d{weekday}_{index}_start", _("Ange både från och till, med till efter från.")
                    )
                    continue
                hours.append((weekday, start, end))
        ordered = sorted(hours)
        for (w1, _s1, e1), (w2, s2, _e2) in itertools.pairwise(ordered):
            if w1 == w2 and s2 < e1:
                self.add_error(None, _("Två öppettider samma dag överlappar varandra."))
        slot_minutes = data.get("slot_minutes")
        for visit_type in data.get("visit_types") or []:
            if slot_minutes and visit_type.duration_minutes > slot_minutes:
                self.add_error(
                    "visit_types",
                    _("%(type)s tar %(d)s minuter och ryms inte i tider på %(s)s minuter.")
                    % {"type": visit_type.name, "d": visit_type.duration_minutes, "s": slot_minutes},
                )
        if not hours and data.get("is_active"):
            self.add_error(None, _("Ange minst en öppettid."))
        data["hours"] = hours
        return data


class ScheduleExceptionForm(forms.ModelForm):
    class Meta:
        model = ScheduleException
        fields = ["day", "kind", "schedule", "start_time", "end_time", "reason"]
        widgets = {
            "day": forms.DateInput(attrs={"type": "date"}),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schedule"].queryset = Schedule.objects.filter(unit=unit)
        # Opening a public holiday has its own button in the list of holidays.
        self.fields["kind"].choices = [
            c for c in self.fields["kind"].choices if c[0] != ScheduleException.Kind.OPEN
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if (start is None) != (end is None):
            self.add_error("start_time", _("Ange både från och till, eller ingen tid för hela dagen."))
        elif start and end and end <= start:
            self.add_error("end_time", _("Till-tiden ska vara efter från-tiden."))
        if data.get("kind") == ScheduleException.Kind.EXTRA:
            if not data.get("schedule"):
                self.add_error("schedule", _("Välj vilket schema de extra tiderna följer."))
            if not start:
                self.add_error("start_time", _("Ange tiderna för det extra öppethållandet."))
        day = data.get("day")
        if day and day < timezone.localdate():
            self.add_error("day", _("Datumet har redan varit."))
        return data
