from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from journal.identity import IdentityError, IdentityKind, parse_identity, parse_reserve_number
from journal.models import (
    AssessmentOutcome,
    DoseAmount,
    NotGivenReason,
    Order,
    Patient,
    Route,
    Severity,
    SignalKind,
    Site,
    VaccineProduct,
)
from mittvaccin import validators
from mittvaccin.models import User
from mittvaccin.rights import Right


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


class PatientDetailsMixin:
    """Names without control characters, a Swedish postcode, a Swedish or +international phone."""

    def _checked(self, name, check):
        try:
            return check(self.cleaned_data.get(name))
        except ValidationError as error:
            raise forms.ValidationError(error.messages[0]) from None

    def clean_family_name(self):
        return self._checked("family_name", validators.clean_name)

    def clean_given_names(self):
        return self._checked("given_names", validators.clean_name)

    def clean_postal_code(self):
        return self._checked("postal_code", validators.clean_postal_code)

    def clean_phone(self):
        return self._checked("phone", validators.clean_phone)


class PatientCreateForm(PatientDetailsMixin, forms.ModelForm):
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


class PatientContactForm(PatientDetailsMixin, forms.ModelForm):
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


# --------------------------------------------------------------------------------------------------
# The journal's forms. Services do the refusing; forms parse, and say clearly what is missing.
# --------------------------------------------------------------------------------------------------

YES_NO = [("no", _("Nej")), ("yes", _("Ja"))]
# Questions where a "yes" is meaningless without saying what (R3: "allergies, and to what").
DETAIL_REQUIRED = {"allergy", "earlier_reaction", "immune", "bleeding", "recent_vaccination"}


class DeclarationForm(forms.Form):
    """The questionnaire's questions as fields; `supersedes` names the version a correction replaces."""

    supersedes = forms.CharField(required=False, widget=forms.HiddenInput)
    # The resident's answers from before the visit that this declaration starts from (A15).
    previsit = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, questionnaire, **kwargs):
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        self.rows = []
        for question in questionnaire.questions:
            key = question["key"]
            if question["kind"] == "yesno":
                self.fields[key] = forms.ChoiceField(
                    label=question["text"],
                    choices=YES_NO,
                    widget=forms.RadioSelect,
                    error_messages={"required": _("Svara ja eller nej.")},
                )
                self.fields[key + "_detail"] = forms.CharField(
                    label=question.get("detail") or _("Kommentar"),
                    required=False,
                    max_length=500,
                    # A blank placeholder lets the stylesheet show a filled-in detail even after a "no".
                    widget=forms.TextInput(attrs={"placeholder": " "}),
                )
                self.rows.append((key, True))
            else:
                self.fields[key] = forms.CharField(
                    label=question["text"],
                    required=False,
                    max_length=2000,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
                self.rows.append((key, False))

    def question_rows(self):
        for key, is_yesno in self.rows:
            yield {
                "field": self[key],
                "detail": self[key + "_detail"] if is_yesno else None,
                "flag": is_yesno,
            }

    def clean(self):
        data = super().clean()
        for key, is_yesno in self.rows:
            if (
                is_yesno
                and data.get(key) == "yes"
                and key in DETAIL_REQUIRED
                and not data.get(key + "_detail")
            ):
                self.add_error(key + "_detail", _("Beskriv vad svaret gäller."))
        return data

    def answers(self) -> dict:
        data = self.cleaned_data
        answers = {}
        for key, is_yesno in self.rows:
            answers[key] = data.get(key) or ""
            if is_yesno and data.get(key + "_detail"):
                answers[key + "_detail"] = data[key + "_detail"].strip()
        return answers


class ConfirmChecksForm(forms.Form):
    fingerprint = forms.CharField(widget=forms.HiddenInput, max_length=64)


def staff_choices(caregiver):
    return User.objects.for_caregiver(caregiver).filter(
        is_active=True, rights__contains=[Right.VACCINATION_REGISTER]
    )


class ListedChoices(forms.models.ModelChoiceIterator):
    """The choices read with one plain query, or none when the field lists its objects itself: the
    default reads them through a server-side cursor (DECLARE, FETCH and CLOSE, held past the commit),
    three round trips for a short list."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        listed = getattr(self.field, "listed", None)
        for obj in self.queryset if listed is None else listed.values():
            yield self.choice(obj)


def _as_pk(value) -> int | None:
    """A posted id as the database could hold it (a bigint), else None: an invalid choice."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if -(2**63) <= number < 2**63 else None


class KnownModelChoiceField(forms.ModelChoiceField):
    """A choice field that answers from objects read already instead of asking its queryset again:
    `known` (pk → object) for the posted value, `listed` (the same, in the queryset's order) for the
    choices shown. Without them it is the plain field."""

    iterator = ListedChoices
    known: dict | None = None
    listed: dict | None = None

    def to_python(self, value):
        if self.known is None or value in self.empty_values:
            return super().to_python(value)
        found = self.known.get(_as_pk(value))
        if found is None:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            )
        return found


class StaffChoiceField(KnownModelChoiceField):
    def label_from_instance(self, obj):
        return obj.signature


class OrderChoiceField(KnownModelChoiceField):
    def label_from_instance(self, obj):
        obj = getattr(self, "annotated", {}).get(obj.pk, obj)
        remaining = getattr(obj, "remaining", None)
        text = f"{obj.product.name} · {number_format(obj.dose_ml, 2)} ml"
        if remaining is not None:
            text += " · " + _("%(left)d av %(total)d doser kvar") % {
                "left": remaining,
                "total": obj.doses_total,
            }
        return text


STAFF_FIELDS = ("prepared_by", "given_by")


class DoseForm(forms.Form):
    """A dose given now, against an order. The batch is typed or scanned (lot number), as at the counter."""

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    order = OrderChoiceField(
        label=_("Ordination"),
        queryset=None,
        empty_label=None,
        error_messages={
            "invalid_choice": _("Ordinationen finns inte längre eller är förbrukad. Välj en annan.")
        },
    )
    lot = forms.CharField(
        label=_("Batch"),
        max_length=40,
        help_text=_("Skriv eller skanna batchnumret."),
        widget=forms.TextInput(attrs={"list": "batch-list", "autocomplete": "off", "spellcheck": "false"}),
    )
    site = forms.ChoiceField(label=_("Injektionsställe"), choices=[("", "–"), *Site.choices])
    route = forms.ChoiceField(label=_("Administrationssätt"), choices=Route.choices)
    dose_ml = forms.DecimalField(
        label=_("Mängd (ml)"),
        max_digits=4,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("5"),
    )
    dose_amount = forms.ChoiceField(
        label=_("Dos"), choices=DoseAmount.choices, initial=DoseAmount.FULL, widget=forms.RadioSelect
    )
    dose_number = forms.IntegerField(label=_("Dosnummer"), min_value=1, max_value=20)
    prepared_by = StaffChoiceField(label=_("Iordningställd av"), queryset=None)
    given_by = StaffChoiceField(label=_("Given av"), queryset=None)
    given_at = forms.DateTimeField(
        label=_("Tidpunkt"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    override_reason = forms.CharField(
        label=_("Skäl att ge dosen trots avvikelse från schema eller ålder"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    comment = forms.CharField(
        label=_("Kommentar"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    keep = forms.BooleanField(label=_("Behåll produkt och batch till nästa patient"), required=False)

    def __init__(self, *args, orders, caregiver, **kwargs):
        super().__init__(*args, **kwargs)
        self.orders = orders

        # Any order of the patient validates; the service says precisely why a used-up one is refused.
        # The orders were read with their product and counts: the field chooses among them, unread again.
        self.fields["order"].queryset = Order.objects.filter(pk__in=[o.pk for o in orders])
        listed = {o.pk: o for o in orders}
        self.fields["order"].known = self.fields["order"].listed = self.fields["order"].annotated = listed
        staff = staff_choices(caregiver)
        for name in STAFF_FIELDS:
            self.fields[name].queryset = staff
        if self.is_bound:
            # Who prepared and who gave the dose, read in one query (usually the same person).
            ids = {_as_pk(self.data.get(self.add_prefix(name))) for name in STAFF_FIELDS} - {None}
            known = {user.pk: user for user in staff.filter(pk__in=ids)} if ids else {}
            for name in STAFF_FIELDS:
                self.fields[name].known = known


class NotGivenForm(forms.Form):
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    order = OrderChoiceField(label=_("Ordination"), queryset=None, required=False, empty_label="–")
    product = forms.ModelChoiceField(
        label=_("Vaccin"), queryset=VaccineProduct.objects.none(), required=False
    )
    reason = forms.ChoiceField(label=_("Skäl"), choices=[("", "–"), *NotGivenReason.choices])
    comment = forms.CharField(
        label=_("Kommentar"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, orders, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["order"].queryset = Order.objects.filter(pk__in=[o.pk for o in orders]).select_related(
            "product"
        )
        self.fields["product"].queryset = VaccineProduct.objects.filter(is_active=True)

    def clean(self):
        data = super().clean()
        if not data.get("order") and not data.get("product") and not self.errors:
            raise forms.ValidationError(_("Välj ordinationen eller vaccinet som inte gavs."))
        return data


class ListedModelChoiceField(forms.ModelChoiceField):
    iterator = ListedChoices


class ElsewhereForm(forms.Form):
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    given_on = forms.DateField(label=_("Datum"), widget=forms.DateInput(attrs={"type": "date"}))
    product = ListedModelChoiceField(
        label=_("Vaccin"), queryset=VaccineProduct.objects.none(), required=False, empty_label="–"
    )
    product_text = forms.CharField(
        label=_("…eller vaccin i fritext"),
        required=False,
        max_length=200,
        help_text=_("Till exempel från ett utländskt intyg."),
    )
    place = forms.CharField(label=_("Var (vårdgivare, land)"), max_length=200)
    dose_number = forms.IntegerField(label=_("Dosnummer"), required=False, min_value=1, max_value=20)
    lot_number = forms.CharField(label=_("Batchnummer (om känt)"), required=False, max_length=40)
    comment = forms.CharField(
        label=_("Kommentar"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = VaccineProduct.objects.all()

    def clean(self):
        data = super().clean()
        if not data.get("product") and not (data.get("product_text") or "").strip() and not self.errors:
            self.add_error("product", _("Välj vaccin eller skriv vilket vaccin som gavs."))
        return data


class OrderForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Vaccin"), queryset=VaccineProduct.objects.none())
    dose_ml = forms.DecimalField(
        label=_("Dos (ml)"),
        max_digits=4,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("5"),
        required=False,
        help_text=_("Tomt: produktens standarddos."),
    )
    doses_total = forms.IntegerField(label=_("Antal doser"), min_value=1, max_value=10, initial=1)
    schedule_text = forms.CharField(
        label=_("Schema"), required=False, max_length=200, help_text=_("Till exempel 0, 1 och 6 månader.")
    )
    instructions = forms.CharField(
        label=_("Instruktioner"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    valid_until = forms.DateField(
        label=_("Gäller till och med"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = VaccineProduct.objects.filter(is_active=True)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Anteckning"), max_length=10000, widget=forms.Textarea(attrs={"rows": 5}))


class AssessmentForm(forms.Form):
    declaration = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label=_("Bedömning"), choices=AssessmentOutcome.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Bedömningens text"), max_length=10000, widget=forms.Textarea(attrs={"rows": 4})
    )


class NoteCorrectForm(forms.Form):
    text = forms.CharField(
        label=_("Ny version av texten"), max_length=10000, widget=forms.Textarea(attrs={"rows": 5})
    )
    reason = forms.CharField(label=_("Skäl till rättelsen"), max_length=300)
    outcome = forms.ChoiceField(
        label=_("Bedömning"), choices=AssessmentOutcome.choices, widget=forms.RadioSelect, required=False
    )


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Kommentar"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class SignalForm(forms.Form):
    kind = forms.ChoiceField(label=_("Typ"), choices=SignalKind.choices, widget=forms.RadioSelect)
    agent = forms.CharField(label=_("Överkänslig mot / vad signalen gäller"), max_length=200)
    reaction = forms.CharField(label=_("Reaktion"), required=False, max_length=200)
    severity = forms.ChoiceField(
        label=_("Allvarlighetsgrad"), required=False, choices=[("", "–"), *Severity.choices]
    )
    occurred_on = forms.CharField(label=_("När (år eller datum)"), required=False, max_length=20)
    text = forms.CharField(
        label=_("Beskrivning"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        data = super().clean()
        if data.get("kind") == SignalKind.HYPERSENSITIVITY and not data.get("severity"):
            self.add_error("severity", _("Ange allvarlighetsgrad för överkänsligheten."))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Skäl"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class EmergencyAccessForm(forms.Form):
    reason = forms.CharField(
        label=_("Skäl till nödåtkomst"),
        min_length=10,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Skälet sparas i loggen och granskas."),
    )
    confirm = forms.BooleanField(
        label=_("Jag förstår att åtkomsten loggas och granskas, och att patienten har spärrat uppgifterna."),
        error_messages={"required": _("Bekräfta att du förstår.")},
    )


class BlockForm(forms.Form):
    vaccination = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Kommentar"), required=False, max_length=300)
