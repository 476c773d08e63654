from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from mittvaccin.eid import staff_provider_for
from mittvaccin.models import Unit, User
from mittvaccin.rights import Right


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Fel användarnamn eller lösenord. Du kan bara logga in hos den vårdgivare där du är anställd."
        ),
        "inactive": _("Kontot är inte aktivt. Kontakta din administratör."),
        "eid_only": _("Ditt konto loggar in med e-tjänstekort (SITHS). Använd knappen för e-tjänstekort."),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)

        # Where the caregiver has a provider, an account with an HSA-id signs in only with its card.
        if user.hsa_id and staff_provider_for(user.caregiver) is not None:
            raise forms.ValidationError(self.error_messages["eid_only"], code="eid_only")


class UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = [
            "name",
            "slug",
            "kind",
            "vaccination_main_activity",
            "timebook_enabled",
            "payment_solution_configured",
            "address",
            "postal_code",
            "city",
            "phone",
            "is_active",
        ]

    def clean(self):
        data = super().clean()
        if not data.get("vaccination_main_activity") and (
            data.get("timebook_enabled") or data.get("payment_solution_configured")
        ):
            # R5: the switches only mean something where vaccination is the main activity.
            raise forms.ValidationError(
                _("Tidbok och betallösning kan bara slås på där vaccination är huvudverksamhet.")
            )
        return data


class StaffForm(forms.ModelForm):
    rights = forms.MultipleChoiceField(
        label=_("Behörigheter"), choices=Right.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = User
        fields = [
            "first_name",
            "last_name",
            "email",
            "hsa_id",
            "profession",
            "default_unit",
            "rights",
            "is_active",
        ]
        help_texts = {
            "hsa_id": _(
                "Från personens e-tjänstekort, t.ex. SE2321000016-1234. Behövs för inloggning med kort."
            )
        }

    def __init__(self, *args, caregiver, **kwargs):
        self.caregiver = caregiver
        super().__init__(*args, **kwargs)
        self.fields["default_unit"].queryset = Unit.objects.for_caregiver(caregiver)
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True

    def clean_hsa_id(self):
        hsa_id = self.cleaned_data.get("hsa_id", "").strip().upper()
        taken = User.objects.filter(caregiver=self.caregiver, hsa_id=hsa_id).exclude(pk=self.instance.pk)
        if hsa_id and taken.exists():
            raise forms.ValidationError(_("HSA-id:t används redan av ett annat konto hos vårdgivaren."))
        return hsa_id


class StaffCreateForm(StaffForm):
    username = forms.CharField(label=_("Användarnamn"), max_length=150)
    password = forms.CharField(
        label=_("Lösenord"), widget=forms.PasswordInput, help_text=_("Minst 10 tecken, inte bara siffror.")
    )
    rights = forms.MultipleChoiceField(
        label=_("Behörigheter"),
        choices=Right.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Lämna tomt för yrkets standardbehörigheter."),
    )

    class Meta(StaffForm.Meta):
        fields = ["username", "password", *StaffForm.Meta.fields]

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("Användarnamnet är upptaget."))
        return username

    def clean_password(self):
        password = self.cleaned_data["password"]
        validate_password(password)
        return password


class StaffPasswordForm(forms.Form):
    """The administrator sets a new password for an account (forgotten password, first login)."""

    new_password = forms.CharField(
        label=_("Nytt lösenord"),
        widget=forms.PasswordInput,
        help_text=_("Minst 10 tecken, inte bara siffror."),
    )

    def __init__(self, *args, account, **kwargs):
        self.account = account
        super().__init__(*args, **kwargs)

    def clean_new_password(self):
        password = self.cleaned_data["new_password"]
        validate_password(password, user=self.account)
        return password


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Kod"),
        max_length=16,
        help_text=_("Sex siffror från appen, eller en av dina reservkoder."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).lower()
