from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import (
    REMINDER_FEE_MAX,
    Article,
    BillingSettings,
    Campaign,
    ChargeStatus,
    JobKind,
    Qualification,
)
from billing.money import AmountError, format_number, parse_amount
from billing.references import normalise_bankgiro
from billing.services.campaigns import campaign_errors
from journal.models import VaccineProduct
from mittvaccin.models import Unit

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MoneyField(forms.CharField):
    """An amount in kronor as people type it ("1 250,50"); cleans to a Decimal, refuses the absurd."""

    def __init__(self, *, allow_zero=True, **kwargs):
        self.allow_zero = allow_zero
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if value is None or isinstance(value, str):
            return value
        return format_number(value).replace("\xa0", " ")

    def clean(self, value):
        value = super().clean(value)
        if value in (None, "") and not self.required:
            return None
        try:
            return parse_amount(value, allow_zero=self.allow_zero)
        except AmountError as error:
            raise forms.ValidationError(error.message, code="amount") from None


class PriceForm(forms.Form):
    amount = MoneyField(label=_("Pris (kr)"), help_text=_("0 kr om varan är kostnadsfri för alla."))
    valid_from = forms.DateField(label=_("Gäller från"), widget=DATE_WIDGET)
    valid_until = forms.DateField(
        label=_("Gäller till och med"),
        widget=DATE_WIDGET,
        required=False,
        help_text=_("Lämna tomt: gäller tills vidare. Det nuvarande priset slutar dagen före det nya."),
    )

    def clean_valid_from(self):
        value = self.cleaned_data["valid_from"]
        if value < timezone.localdate():
            raise forms.ValidationError(
                _("Ett nytt pris gäller från i dag eller senare; redan givna doser behåller sitt pris.")
            )
        return value

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("Slutdatumet ligger före startdatumet."))
        return data


class ArticleForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = ["name", "code", "is_active"]


class CampaignForm(forms.ModelForm):
    products = forms.ModelMultipleChoiceField(
        label=_("Vacciner"),
        queryset=VaccineProduct.objects.filter(is_active=True).order_by("disease", "name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    articles = forms.ModelMultipleChoiceField(
        label=_("Artiklar"),
        queryset=Article.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    campaign_price = MoneyField(label=_("Pris i kampanjen (kr)"), help_text=_("0 = kostnadsfritt."))
    qualification = forms.ChoiceField(
        label=_("Vem omfattas"), choices=Qualification.choices, widget=forms.RadioSelect
    )

    class Meta:
        model = Campaign
        fields = [
            "name",
            "description",
            "products",
            "articles",
            "campaign_price",
            "qualification",
            "min_age",
            "max_age",
            "birth_year_from",
            "birth_year_to",
            "risk_group",
            "starts_on",
            "ends_on",
        ]
        widgets = {
            "starts_on": DATE_WIDGET,
            "ends_on": DATE_WIDGET,
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "min_age": _("Ålder i hela år på besöksdagen; gränserna räknas med."),
            "risk_group": _("Sjuksköterskan bekräftar vid dosen att patienten tillhör gruppen."),
            "ends_on": _("Lämna tomt: tills vidare."),
        }

    def __init__(self, *args, caregiver, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["articles"].queryset = Article.objects.filter(caregiver=caregiver)
        for name in ("min_age", "max_age", "birth_year_from", "birth_year_to"):
            # Negative numbers get the same clear message as an impossible range, not a browser hint.
            self.fields[name] = forms.IntegerField(
                label=self.fields[name].label, required=False, help_text=self.fields[name].help_text
            )

    def clean(self):
        data = super().clean()
        for field, message in campaign_errors(data).items():
            if field in self.fields and field not in self.errors:
                self.add_error(field, message)
        if not data.get("products") and not data.get("articles"):
            self.add_error("products", _("Välj minst ett vaccin eller en artikel som kampanjen gäller."))
        return data


class BillingSettingsForm(forms.ModelForm):
    reminder_fee = MoneyField(
        label=BillingSettings._meta.get_field("reminder_fee").verbose_name,
        help_text=BillingSettings._meta.get_field("reminder_fee").help_text,
        required=False,
    )

    class Meta:
        model = BillingSettings
        fields = [
            "invoice_sender_name",
            "invoice_address",
            "invoice_postal_code",
            "invoice_city",
            "invoice_phone",
            "invoice_email",
            "bankgiro",
            "payment_terms_days",
            "first_invoice_number",
            "forwarding_name",
            "forwarding_address",
            "forwarding_postal_code",
            "forwarding_city",
            "invoice_no_shows",
            "invoice_late_cancellations",
            "exempt_short_notice_bookings",
            "short_notice_hours",
            "reminder_fee",
            "reminder_after_days",
            "reminder_terms_days",
        ]

    def __init__(self, *args, numbers_used=False, **kwargs):
        super().__init__(*args, **kwargs)
        # Left empty, the reminder delays keep what they were (the form shows them filled in).
        self.fields["reminder_after_days"].required = False
        self.fields["reminder_terms_days"].required = False
        if numbers_used:
            self.fields["first_invoice_number"].disabled = True
            self.fields["first_invoice_number"].help_text = _("Nummerserien har börjat och kan inte ändras.")

    def clean_bankgiro(self):
        value = self.cleaned_data["bankgiro"]
        if not value:
            return ""
        normalised = normalise_bankgiro(value)
        if normalised is None:
            raise forms.ValidationError(
                _("Ogiltigt bankgironummer (7–8 siffror med kontrollsiffra, t.ex. 5050-1055).")
            )
        return normalised

    def clean_payment_terms_days(self):
        value = self.cleaned_data["payment_terms_days"]
        if value is not None and not 1 <= value <= 365:
            raise forms.ValidationError(_("Betalningsvillkoret är 1–365 dagar."))
        return value

    def clean_reminder_fee(self):
        value = self.cleaned_data["reminder_fee"]
        if value is None:
            return Decimal("0.00")
        if value > REMINDER_FEE_MAX:
            raise forms.ValidationError(_("En påminnelseavgift får vara högst 60 kr."))
        return value

    def clean_reminder_after_days(self):
        value = self.cleaned_data["reminder_after_days"]
        if value is None:
            return self.instance.reminder_after_days
        if not 1 <= value <= 90:
            raise forms.ValidationError(_("Ange 1–90 dagar."))
        return value

    def clean_reminder_terms_days(self):
        value = self.cleaned_data["reminder_terms_days"]
        if value is None:
            return self.instance.reminder_terms_days
        if not 1 <= value <= 60:
            raise forms.ValidationError(_("Ange 1–60 dagar."))
        return value

    def clean_short_notice_hours(self):
        value = self.cleaned_data["short_notice_hours"]
        if not 1 <= value <= 24 * 14:
            raise forms.ValidationError(_("Gränsen är 1–336 timmar."))
        return value

    def clean(self):
        data = super().clean()
        forwarding = [
            data.get(f)
            for f in ("forwarding_name", "forwarding_address", "forwarding_postal_code", "forwarding_city")
        ]
        if not all(forwarding):
            self.add_error(
                "forwarding_address",
                _("Förmedlingsadressen behövs för fakturor till patienter med skyddad identitet."),
            )
        return data


REVIEW_STATUS_CHOICES = [
    ("pending", _("Att granska och godkända")),
    (ChargeStatus.OPEN, _("Att granska")),
    (ChargeStatus.APPROVED, _("Godkända")),
    ("done", _("Fakturerade och avslutade")),
    ("all", _("Alla")),
]


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=_("Från"), widget=DATE_WIDGET, required=False)
    date_to = forms.DateField(label=_("Till och med"), widget=DATE_WIDGET, required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("Perioden slutar före den börjar."))
        return data

    # How far past today the default period reaches (0 for invoices: nothing is dated ahead).
    days_ahead = 0

    def period(self):
        today = timezone.localdate()
        default_to = today + dt.timedelta(days=self.days_ahead)
        if self.is_bound and self.is_valid():
            return (
                self.cleaned_data.get("date_from") or month_start(today),
                self.cleaned_data.get("date_to") or default_to,
            )
        return month_start(today), default_to


class ReviewFilterForm(PeriodForm):
    # A late cancellation (R9) is charged on the day of the booked visit, up to 24 hours ahead.
    days_ahead = 1

    unit = forms.ModelChoiceField(
        label=_("Enhet"), queryset=Unit.objects.none(), required=False, empty_label=_("Alla enheter")
    )
    status = forms.ChoiceField(label=_("Visa"), choices=REVIEW_STATUS_CHOICES, required=False)

    field_order = ["unit", "date_from", "date_to", "status"]

    def __init__(self, *args, caregiver, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(caregiver=caregiver).order_by("name")


REASON_REQUIRED = _("Skriv varför; varje ändring ska gå att följa.")


def reason_field():
    return forms.CharField(
        label=_("Skäl"),
        max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": REASON_REQUIRED},
    )


class AdjustForm(forms.Form):
    amount = MoneyField(label=_("Nytt belopp (kr)"), error_messages={"required": _("Ange det nya beloppet.")})
    reason = reason_field()


class RemoveForm(forms.Form):
    reason = reason_field()


class CreditForm(forms.Form):
    reason = forms.CharField(
        label=_("Orsak till krediteringen"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Skriv varför fakturan krediteras.")},
    )
    reopen = forms.BooleanField(
        label=_("Lägg tillbaka debiteringarna för granskning, så att en rättad faktura kan skapas"),
        required=False,
    )


class JobStartForm(forms.Form):
    kind = forms.ChoiceField(choices=JobKind.choices)
