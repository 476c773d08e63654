from django import forms
from django.utils.translation import gettext_lazy as _

from fhirapi.models import ApiClient, Scope


class ApiClientForm(forms.Form):
    name = forms.CharField(
        label=_("Mottagande system"),
        max_length=200,
        help_text=_("Till exempel ”Regionens huvudjournal”. Namnet står i åtkomstloggen vid varje läsning."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Får läsa"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Ge bara det systemet behöver."),
    )

    def __init__(self, *args, caregiver, **kwargs):
        super().__init__(*args, **kwargs)
        self.caregiver = caregiver

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if (
            ApiClient.objects.for_caregiver(self.caregiver)
            .filter(name__iexact=name, revoked_at__isnull=True)
            .exists()
        ):
            raise forms.ValidationError(_("Det finns redan en aktiv klient med det namnet."))
        return name
