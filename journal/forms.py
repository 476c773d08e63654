from django import forms
from django.utils.translation import gettext_lazy as _

from journal.identity import IdentityError, IdentityKind, parse_identity, parse_reserve_number
from journal.models import Patient
from mittvaccin.models import User


class IdentityField(forms.CharField):
    """A personnummer or samordningsnummer in any accepted form; cleans to a ParsedIdentity."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Personnummer"))
        kwargs.setdefault("help_text", _("ÅÅÅÅMMDD-NNNN, ÅÅMMDD-NNNN eller samordningsnummer"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return parse_identity(value)
        except IdentityError as error:
            raise forms.ValidationError(error.message, code="identity") from None


class PatientCreateForm(forms.ModelForm):
    identity_kind = forms.ChoiceField(
        label=_("Identitetstyp"),
        choices=[
            ("auto", _("Personnummer eller samordningsnummer")),
            (IdentityKind.RESERVNUMMER, _("Reservnummer")),
        ],
        initial="auto",
    )
    identity = forms.CharField(label=_("Nummer"), max_length=20)

    class Meta:
        model = Patient
        fields = [
            "reserve_number_region",
            "family_name",
            "given_names",
            "sex",
            "birth_date",
            "protected_identity",
            "address",
            "postal_code",
            "city",
            "phone",
            "email",
        ]
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"})}
        help_texts = {
            "birth_date": _("Behövs bara för reservnummer; annars räknas det ut ur numret."),
            "protected_identity": _(
                "Adress, telefon och e-post sparas inte för en person med skyddad identitet."
            ),
        }

    def __init__(self, *args, caregiver, **kwargs):
        self.caregiver = caregiver
        super().__init__(*args, **kwargs)
        self.order_fields(["identity_kind", "identity", "reserve_number_region"])

    def clean(self):
        data = super().clean()
        raw = data.get("identity")
        if raw:
            try:
                if data.get("identity_kind") == IdentityKind.RESERVNUMMER:
                    parsed = parse_reserve_number(raw)
                    if not data.get("reserve_number_region"):
                        self.add_error(
                            "reserve_number_region", _("Ange vilken region som utfärdat reservnumret.")
                        )
                    if not data.get("birth_date"):
                        self.add_error("birth_date", _("Ange födelsedatum för en patient med reservnummer."))
                else:
                    parsed = parse_identity(raw)
                    data["birth_date"] = parsed.birth_date
                    data["sex"] = parsed.sex
                    data["reserve_number_region"] = ""
                data["parsed_identity"] = parsed
            except IdentityError as error:
                self.add_error("identity", error.message)
        if data.get("protected_identity"):
            for name in ("address", "postal_code", "city", "phone", "email"):
                data[name] = ""
        return data


class PatientContactForm(forms.ModelForm):
    class Meta:
        model = Patient
        fields = ["family_name", "given_names", "address", "postal_code", "city", "phone", "email"]


class AccessLogSearchForm(forms.Form):
    patient = IdentityField(required=False, label=_("Patientens personnummer"))
    user = forms.ModelChoiceField(label=_("Användare"), queryset=User.objects.none(), required=False)
    date_from = forms.DateField(
        label=_("Från och med"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Till och med"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, caregiver, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.for_caregiver(caregiver).order_by(
            "last_name", "first_name"
        )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("Från-datumet ligger efter till-datumet."))
        return data
