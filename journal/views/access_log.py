"""Loggkontroll: the administrator's review of the access log and the patient's extract."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.core.paginator import Paginator
from django.db.models import Count, Max, Min
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from journal import access
from journal.access import patient_view
from journal.access_log_rows import LOG_ROW_FIELDS, log_rows
from journal.forms import AccessLogSearchForm
from journal.models import Patient
from mittvaccin.access_log import access_log_record
from mittvaccin.decorators import require_right
from mittvaccin.models import AccessLogEntry
from mittvaccin.rights import Right
from mittvaccin.tenancy import owned


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@require_right(Right.CAREGIVER_ADMINISTER)
@require_GET
def access_log(request):
    """Loggkontroll: the administrator reviews who read which patient's data, and when."""
    form = AccessLogSearchForm(request.GET or None, caregiver=request.user.caregiver)
    page = None
    rows = None
    patient = None
    if request.GET and form.is_valid():
        entries = owned(AccessLogEntry, request)
        data = form.cleaned_data
        if data["patient"]:
            entries = entries.filter(patient_identity=data["patient"].value)
            patient = owned(Patient, request).filter(identity_number=data["patient"].value).first()
        if data["user"]:
            entries = entries.filter(user=data["user"])
        # As moments, not `at__date`: the database then reads only the months asked for (the log is
        # partitioned by month) and the index, instead of converting every row's time.
        if data["date_from"]:
            entries = entries.filter(at__gte=_start_of(data["date_from"]))
        if data["date_to"]:
            entries = entries.filter(at__lt=_start_of(data["date_to"] + dt.timedelta(days=1)))
        page = Paginator(entries.values_list(*LOG_ROW_FIELDS, named=True), 100).get_page(
            request.GET.get("sida")
        )
        _log_review_read(request, page)
        rows = log_rows(page)
    return render(
        request, "journal/access_log.html", {"form": form, "page": page, "rows": rows, "patient": patient}
    )


def _log_review_read(request, page) -> None:
    """The review shows personnummer: reading it is a read of each patient on the page, logged too."""
    shown = {}
    for entry in page:
        shown.setdefault(
            entry.patient_id,
            SimpleNamespace(
                pk=entry.patient_id,
                id=entry.patient_id,
                identity_number=entry.patient_identity,
                protected_identity=entry.patient_protected,
            ),
        )
    access_log_record(request=request, patients=shown.values(), action=access.LOG_REVIEW)


@require_GET
@patient_view(access.LOG_EXTRACT, right=Right.CAREGIVER_ADMINISTER)
def access_log_extract(request, patient):
    """Printable extract for the patient: which units of the caregiver looked at their data, and when."""
    entries = owned(AccessLogEntry, request).filter(patient_id=patient.pk)
    by_unit = (
        entries.values("unit__name", "api_client_name", "at__date")
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
