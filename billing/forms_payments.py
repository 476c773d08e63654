"""Forms of the payment follow-up: the BgMax upload, settling a payment by hand, the reminder fee."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import SettlementAction

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class PaymentFileForm(forms.Form):
    file = forms.FileField(
        label=_("BgMax-fil från Bankgirot"),
        help_text=_("Filen med inbetalningar (OCR) som banken levererar, oftast en .txt-fil."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("Filen är större än 20 MB; är det en BgMax-fil?"))
        return upload


class SettleForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Vad har gjorts?"), choices=SettlementAction.choices, widget=forms.RadioSelect
    )
    invoice_number = forms.IntegerField(
        label=_("Fakturanummer"),
        required=False,
        min_value=1,
        help_text=_("Bara när betalningen ska kopplas till en faktura."),
    )
    note = forms.CharField(
        label=_("Anteckning"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Till exempel ”Betalaren angav fakturanumret i stället för OCR” eller ”Återbetalt 2026-03-05”."
        ),
    )

    def clean(self):
        data = super().clean()
        if data.get("action") == SettlementAction.MATCHED and not data.get("invoice_number"):
            self.add_error("invoice_number", _("Ange fakturanumret som betalningen ska kopplas till."))
        return data
