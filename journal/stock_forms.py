"""Forms of the stock pages and the lot recall. The services say precisely why a valid form is refused."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from journal.models import VaccineProduct
from journal.stock_models import WasteReason
from mittvaccin.models import Unit


def _idempotency():
    return forms.UUIDField(widget=forms.HiddenInput)


class DeliveryForm(forms.Form):
    idempotency_key = _idempotency()
    product = forms.ModelChoiceField(
        label=_("Vaccin"), queryset=VaccineProduct.objects.none(), empty_label="–"
    )
    lot_number = forms.CharField(
        label=_("Batchnummer"),
        max_length=60,
        help_text=_("Som det står på förpackningen."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    expiry_date = forms.DateField(label=_("Utgångsdatum"), widget=forms.DateInput(attrs={"type": "date"}))
    quantity = forms.IntegerField(
        label=_("Antal doser"), min_value=1, max_value=100_000, help_text=_("Doser, inte förpackningar.")
    )
    supplier = forms.CharField(label=_("Leverantör"), max_length=120)
    delivery_note = forms.CharField(label=_("Följesedelsnummer"), max_length=60, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = VaccineProduct.objects.filter(is_active=True).order_by("name")


class WasteForm(forms.Form):
    idempotency_key = _idempotency()
    quantity = forms.IntegerField(label=_("Antal doser"), min_value=1, max_value=100_000)
    reason = forms.ChoiceField(label=_("Skäl"), choices=[("", "–"), *WasteReason.choices])
    text = forms.CharField(
        label=_("Beskrivning"), max_length=300, required=False, help_text=_("Krävs vid Annat.")
    )


class TransferForm(forms.Form):
    idempotency_key = _idempotency()
    to_unit = forms.ModelChoiceField(label=_("Till enhet"), queryset=Unit.objects.none(), empty_label="–")
    quantity = forms.IntegerField(label=_("Antal doser"), min_value=1, max_value=100_000)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = units


class StocktakeForm(forms.Form):
    expected = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    counted = forms.IntegerField(label=_("Räknat antal doser"), min_value=0, max_value=100_000)
    reason = forms.CharField(
        label=_("Skäl till differensen"),
        max_length=300,
        required=False,
        help_text=_("T.ex. dos given men inte registrerad, felräknad leverans."),
    )


class MinimumForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("Vaccin"), queryset=VaccineProduct.objects.none(), empty_label="–"
    )
    minimum = forms.IntegerField(
        label=_("Lägsta antal doser"), min_value=0, max_value=100_000, help_text=_("0 tar bort gränsen.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = VaccineProduct.objects.filter(is_active=True).order_by("name")


class AlertEmailForm(forms.Form):
    alert_email = forms.EmailField(
        label=_("E-post för dagliga lagervarningar"),
        required=False,
        help_text=_("Tomt: varningen visas bara i MittVaccin."),
    )


class RecallForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("Vaccin"), queryset=VaccineProduct.objects.none(), empty_label="–"
    )
    lot_number = forms.CharField(
        label=_("Batchnummer"), max_length=60, required=False, help_text=_("Eller enhet och period nedan.")
    )
    unit = forms.ModelChoiceField(
        label=_("Enhet"), queryset=Unit.objects.none(), required=False, empty_label="–"
    )
    period_from = forms.DateField(
        label=_("Från och med"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    period_to = forms.DateField(
        label=_("Till och med"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label=_("Skäl"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "T.ex. tillverkarens eller Läkemedelsverkets meddelande. Sparas med återkallelsen och i loggen."
        ),
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        # Retired products too: a recall often concerns a product no longer in use.
        self.fields["product"].queryset = VaccineProduct.objects.order_by("name")
        self.fields["unit"].queryset = units


class RecallMessageForm(forms.Form):
    idempotency_key = _idempotency()
    subject = forms.CharField(label=_("Rubrik (e-post)"), max_length=200)
    body = forms.CharField(
        label=_("Meddelande"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Skickas som SMS till dem som har mobilnummer, annars som e-post. Vårdgivarens namn läggs till."
        ),
    )
    confirm = forms.BooleanField(
        label=_("Skicka till alla patienter i listan"),
        error_messages={"required": _("Bekräfta att meddelandet ska skickas.")},
    )
