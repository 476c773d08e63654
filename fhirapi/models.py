"""The receiving systems that read the journal through the FHIR API (A8).

An ApiClient is django-oauth-toolkit's Application (swapped in by OAUTH2_PROVIDER_APPLICATION_MODEL):
one per receiving system, owned by one caregiver, allowed the client-credentials grant only, with the
scopes its administrator granted. Revoked, never deleted: the access log names it for ever.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AbstractApplication

from mittvaccin.tenancy import CaregiverOwnedQuerySet


class Scope(models.TextChoices):
    """One read scope per resource type (SMART's `system/<Type>.read`)."""

    PATIENT = "system/Patient.read", "Patient"
    IMMUNIZATION = "system/Immunization.read", "Immunization"
    RECOMMENDATION = "system/ImmunizationRecommendation.read", "ImmunizationRecommendation"
    ALLERGY = "system/AllergyIntolerance.read", "AllergyIntolerance"
    FLAG = "system/Flag.read", "Flag"


class ApiClient(AbstractApplication):
    caregiver = models.ForeignKey(
        "mittvaccin.Caregiver", on_delete=models.PROTECT, related_name="+", verbose_name=_("vårdgivare")
    )
    scopes = ArrayField(
        models.CharField(max_length=60, choices=Scope.choices), default=list, verbose_name=_("behörigheter")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("återkallad"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        verbose_name = _("API-klient")
        verbose_name_plural = _("API-klienter")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scopes__contained_by=list(Scope.values)), name="api_client_scopes_known"
            ),
            models.CheckConstraint(
                # Only the machine-to-machine grant: no user ever signs in through a receiving system.
                condition=models.Q(authorization_grant_type="client-credentials", client_type="confidential"),
                name="api_client_credentials_only",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_usable(self, request) -> bool:
        # django-oauth-toolkit asks this both when issuing a token and when checking one.
        return self.revoked_at is None

    def revoke(self, *, by, at=None) -> None:
        self.revoked_at = at or timezone.now()
        self.revoked_by = by
