"""The catalogue product form: the maintainer's screen and every row of a catalogue file pass through it.

One validation for both ways in, so a file row is refused for exactly the reasons the screen gives,
and the file's column names are the form's field names (docs/catalogue.md).
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from journal.models import Disease, NationalProgramme, Route, VaccineProduct

ATC_RE = re.compile(r"^[A-Z]\d{2}[A-Z]{0,2}\d{0,2}$")
NPL_RE = re.compile(r"^\d{14}$")
INTERVAL_RE = re.compile(r"^(\d{1,5})(?:\s*-\s*(\d{1,5}))?$")

STATUS_ACTIVE = "active"
STATUS_RETIRED = "retired"


def parse_intervals(text: str) -> list[tuple[int, int]]:
    """'14-30, 150-180' → [(14, 30), (150, 180)]: dose 2 and on, earliest and recommended days after the previous."""
    intervals = []
    for part in [p.strip() for p in (text or "").split(",") if p.strip()]:
        match = INTERVAL_RE.match(part)
        if not match:
            raise forms.ValidationError(
                _("Skriv intervallen som dagar, till exempel 14-30, 150-180 (tidigast-rekommenderat)."),
                code="intervals",
            )
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if high < low:
            raise forms.ValidationError(
                _("Rekommenderat intervall (%(high)d) är kortare än det tidigaste (%(low)d).")
                % {"high": high, "low": low},
                code="intervals",
            )
        intervals.append((low, high))
    return intervals


def format_intervals(pairs) -> str:
    return ", ".join(f"{low}-{high}" if low != high else f"{low}" for low, high in pairs)


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Produktnamn"), max_length=120)
    npl_id = forms.CharField(
        label=_("NPL-id"),
        max_length=20,
        required=False,
        help_text=_("Läkemedelsverkets produkt-id, 14 siffror (valfritt)."),
    )
    atc_code = forms.CharField(
        label=_("ATC-kod"), max_length=10, required=False, help_text=_("T.ex. J07BA01.")
    )
    diseases = forms.MultipleChoiceField(
        label=_("Skyddar mot"), choices=Disease.choices, widget=forms.CheckboxSelectMultiple
    )
    disease = forms.CharField(
        label=_("Visningstext för skyddet"),
        max_length=120,
        required=False,
        help_text=_("Visas i journalen och grupperar en serie, t.ex. Hepatit A+B. Tomt: sjukdomarnas namn."),
    )
    manufacturer = forms.CharField(label=_("Tillverkare"), max_length=120)
    dose_ml = forms.DecimalField(
        label=_("Standarddos (ml)"),
        max_digits=4,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("5"),
    )
    route = forms.ChoiceField(label=_("Administrationssätt"), choices=Route.choices)
    doses_per_vial = forms.IntegerField(
        label=_("Doser per förpackning"), min_value=1, max_value=100, initial=1
    )
    hours_after_opening = forms.IntegerField(
        label=_("Hållbar efter öppning (timmar)"),
        min_value=1,
        max_value=720,
        required=False,
        help_text=_("Krävs för flerdosförpackningar."),
    )
    min_age_days = forms.IntegerField(
        label=_("Lägsta godkända ålder (dagar)"), min_value=0, max_value=150 * 365, required=False
    )
    max_age_years = forms.IntegerField(
        label=_("Högsta godkända ålder (år)"), min_value=0, max_value=150, required=False
    )
    series_doses = forms.IntegerField(label=_("Doser i grundserien"), min_value=1, max_value=10, initial=1)
    intervals = forms.CharField(
        label=_("Intervall i grundserien (dagar)"),
        max_length=200,
        required=False,
        help_text=_("Från dos 2: tidigast-rekommenderat efter föregående dos, t.ex. 14-30, 150-180."),
    )
    booster_min_days = forms.IntegerField(
        label=_("Påfyllnad tidigast (dagar)"), min_value=1, max_value=20000, required=False
    )
    booster_days = forms.IntegerField(
        label=_("Påfyllnad rekommenderas efter (dagar)"), min_value=1, max_value=20000, required=False
    )
    national_programmes = forms.MultipleChoiceField(
        label=_("Nationella program"),
        choices=NationalProgramme.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Doser av produkten i ett nationellt program rapporteras till det nationella vaccinationsregistret."
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (STATUS_ACTIVE, _("I sortimentet")),
            (STATUS_RETIRED, _("Utgått (kan inte ordineras eller levereras)")),
        ],
        initial=STATUS_ACTIVE,
    )
    comment = forms.CharField(
        label=_("Kommentar till ändringen"),
        max_length=300,
        required=False,
        help_text=_("Sparas i produktens historik."),
    )

    def __init__(self, *args, product: VaccineProduct | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        clash = VaccineProduct.objects.filter(name__iexact=name)
        if self.product is not None:
            clash = clash.exclude(pk=self.product.pk)
        if clash.exists():
            raise forms.ValidationError(_("Det finns redan en produkt med namnet %(name)s.") % {"name": name})
        return name

    def clean_npl_id(self):
        value = self.cleaned_data["npl_id"].strip()
        if value and not NPL_RE.match(value):
            raise forms.ValidationError(_("NPL-id består av 14 siffror."))
        if value:
            clash = VaccineProduct.objects.filter(npl_id=value)
            if self.product is not None:
                clash = clash.exclude(pk=self.product.pk)
            other = clash.first()
            if other is not None:
                raise forms.ValidationError(
                    _("NPL-id %(npl)s används redan av %(name)s.") % {"npl": value, "name": other.name}
                )
        return value

    def clean_atc_code(self):
        value = self.cleaned_data["atc_code"].strip().upper()
        if value and not ATC_RE.match(value):
            raise forms.ValidationError(_("Ogiltig ATC-kod (t.ex. J07BA01)."))
        return value

    def clean_intervals(self):
        return parse_intervals(self.cleaned_data["intervals"])

    def clean(self):
        data = super().clean()
        series = data.get("series_doses")
        intervals = data.get("intervals")
        if series is not None and intervals is not None and len(intervals) != series - 1:
            self.add_error(
                "intervals",
                _("Grundserien har %(n)d doser: ange %(m)d intervall (ett per dos från dos 2).")
                % {"n": series, "m": series - 1},
            )
        if (data.get("doses_per_vial") or 1) > 1 and not data.get("hours_after_opening"):
            self.add_error(
                "hours_after_opening", _("Ange hur många timmar en öppnad flerdosförpackning håller.")
            )
        low, high = data.get("booster_min_days"), data.get("booster_days")
        if (low is None) != (high is None):
            self.add_error(
                "booster_days", _("Ange både tidigaste och rekommenderad påfyllnad, eller ingen av dem.")
            )
        elif low is not None and high < low:
            self.add_error("booster_days", _("Rekommenderad påfyllnad kan inte komma före den tidigaste."))
        min_days, max_years = data.get("min_age_days"), data.get("max_age_years")
        if min_days is not None and max_years is not None and min_days > max_years * 366:
            self.add_error("max_age_years", _("Högsta ålder ligger under lägsta ålder."))
        return data

    @staticmethod
    def initial_for(product: VaccineProduct) -> dict:
        """The form's values for an existing product (the screen's initial data and a file row's base)."""
        steps = [(s.min_days, s.recommended_days) for s in product.schedule_steps.order_by("dose_number")]
        return {
            "name": product.name,
            "npl_id": product.npl_id,
            "atc_code": product.atc_code,
            "diseases": list(product.diseases),
            "disease": product.disease,
            "manufacturer": product.manufacturer,
            "dose_ml": product.default_dose_ml,
            "route": product.default_route,
            "doses_per_vial": product.doses_per_vial,
            "hours_after_opening": product.hours_usable_after_opening,
            "min_age_days": product.min_age_days,
            "max_age_years": product.max_age_years,
            "series_doses": product.series_doses,
            "intervals": format_intervals(steps),
            "booster_min_days": product.booster_min_days,
            "booster_days": product.booster_days,
            "national_programmes": list(product.national_programmes),
            "status": STATUS_ACTIVE if product.is_active else STATUS_RETIRED,
        }


class CatalogueUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Katalogfil (CSV)"),
        help_text=_(
            "UTF-8, semikolon mellan kolumnerna, en rubrikrad. Formatet beskrivs i docs/catalogue.md."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError(_("Filen är större än 2 MB."))
        raw = upload.read()
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                _("Filen är inte UTF-8. Spara den som CSV UTF-8 och försök igen.")
            ) from None


class CatalogueApplyForm(forms.Form):
    content = forms.CharField(widget=forms.HiddenInput, max_length=2 * 1024 * 1024, strip=False)
    digest = forms.CharField(widget=forms.HiddenInput, max_length=64)


class MaintainerGrantForm(forms.Form):
    username = forms.CharField(label=_("Användarnamn"), max_length=150)
    reason = forms.CharField(label=_("Skäl"), max_length=300)
