"""A nurse's request for an order (R2, R6): "this patient needs an order I cannot make".

The request stands on the physicians' list (Väntar på bedömning) until an order for the patient is
made after it, or a physician answers it. Both the request and the answer are append-only rows.

Services: `journal.services.order_requests`.
"""

from __future__ import annotations

from django.conf import settings as django_settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from journal.models import Order, Patient, VaccineProduct, Visit, append_only
from mittvaccin.tenancy import CaregiverOwnedQuerySet

__all__ = ["OrderRequest", "OrderRequestAnswer"]


class OrderRequest(models.Model):
    """Asked by someone without the ordering right, at a visit or ahead of one."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="order_requests")
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    unit = models.ForeignKey("mittvaccin.Unit", on_delete=models.PROTECT, null=True, related_name="+")
    product = models.ForeignKey(
        VaccineProduct,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vaccin"),
    )
    text = models.TextField(_("vad behövs"))
    requested_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signature = models.CharField(max_length=200)
    requested_at = models.DateTimeField(default=timezone.now)

    caregiver_lookup = "patient__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["requested_at", "id"]
        triggers = [append_only("order_request_append_only")]

    def __str__(self) -> str:
        return f"Begärd ordination {self.requested_at:%Y-%m-%d}"


class OrderRequestAnswer(models.Model):
    """The physician's answer: the order made, or a reason why none is made."""

    request = models.OneToOneField(OrderRequest, on_delete=models.PROTECT, related_name="answer")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.TextField(_("svar"), blank=True)
    by = models.ForeignKey(django_settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signature = models.CharField(max_length=200)
    at = models.DateTimeField(default=timezone.now)

    caregiver_lookup = "request__patient__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(order__isnull=False) | ~models.Q(reason=""),
                name="order_request_answer_says_something",
            ),
        ]
        triggers = [append_only("order_request_answer_append_only")]

    def __str__(self) -> str:
        return f"Svar {self.at:%Y-%m-%d}"
