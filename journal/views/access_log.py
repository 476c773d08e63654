"""Loggkontroll: the administrator's review of the access log and the patient's extract."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, Max, Min
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from journal import access
from journal.access import patient_view
from journal.forms import AccessLogSearchForm
from journal.models import Patient
from mittvaccin.decorators import require_right
from mittvaccin.models import AccessLogEntry
from mittvaccin.rights import Right
from mittvaccin.tenancy import owned


@require_right(Right.CAREGIVER_ADMINISTER)
@require_GET
def access_log(request):
    """Loggkontroll: the administrator reviews who read which patient's data, and when."""
    form = AccessLogSearchForm(request.GET or None, caregiver=request.user.caregiver)
    page = None
    patient = None
    if request.GET and form.is_valid():
        entries = owned(AccessLogEntry, request).select_related("user", "unit")
        data = form.cleaned_data
        if data["patient"]:
            entries = entries.filter(patient_identity=data["patient"].value)
            patient = owned(Patient, request).filter(identity_number=data["patient"].value).first()
        if data["user"]:
            entries = entries.filter(user=data["user"])
        if data["date_from"]:
            entries = entries.filter(at__date__gte=data["date_from"])
        if data["date_to"]:
            entries = entries.filter(at__date__lte=data["date_to"])
        page = Paginator(entries, 100).get_page(request.GET.get("sida"))
    return render(request, "journal/access_log.html", {"form": form, "page": page, "patient": patient})


@require_GET
@patient_view(access.LOG_EXTRACT, right=Right.CAREGIVER_ADMINISTER)
def access_log_extract(request, patient):
    """Printable extract for the patient: which units of the caregiver looked at their data, and when."""
    entries = owned(AccessLogEntry, request).filter(patient_id=patient.pk)
    by_unit = (
        entries.values("unit__name", "at__date")
        .annotate(first=Min("at"), last=Max("at"), reads=Count("id"))
        .order_by("-at__date", "unit__name")
    )
    return render(
        request,
        "journal/access_log_extract.html",
        {
            "patient": patient,
            "rows": by_unit,
            "printed_at": timezone.now(),
            "back": reverse("journal:access_log"),
        },
    )
