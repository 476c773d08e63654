from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Max, Min
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from journal import selectors, services
from journal.access import patient_for_request, patient_view
from journal.forms import AccessLogSearchForm, PatientContactForm, PatientCreateForm
from journal.models import Patient
from mittvaccin.decorators import require_right
from mittvaccin.models import AccessLogEntry
from mittvaccin.rights import Right
from mittvaccin.services import access_log_record_many
from mittvaccin.tenancy import owned


@require_GET
def patient_search(request):
    """Search from every page. An exact number goes straight to the patient; names list the hits."""
    result = selectors.patient_search(who=request, query=request.GET.get("q", ""))
    if result.identity and len(result.patients) == 1:
        return redirect("journal:patient", patient_id=result.patients[0].pk)
    # A hit list shows identities, so each patient shown is logged like any other read.
    access_log_record_many(request=request, patients=result.patients, what=_("Sökträff"))
    template = "journal/patient_search.html#results" if request.htmx else "journal/patient_search.html"
    return render(request, template, {"result": result})


def patient_create(request):
    initial = {"identity": request.GET.get("pnr", "")}
    form = PatientCreateForm(request.POST or None, initial=initial, caregiver=request.user.caregiver)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        identity = data.pop("parsed_identity")
        data.pop("identity", None)
        data.pop("identity_kind", None)
        try:
            patient = services.patient_create(caregiver=request.user.caregiver, identity=identity, **data)
        except services.PatientExists as exists:
            messages.info(request, _("Patienten fanns redan i journalen."))
            return redirect("journal:patient", patient_id=exists.patient.pk)
        messages.success(request, _("Patienten %(name)s är registrerad.") % {"name": patient.display_name})
        return redirect("journal:patient", patient_id=patient.pk)
    return render(request, "journal/patient_create.html", {"form": form})


@patient_view(_("Patientöversikt"), right=None)
def patient_detail(request, patient):
    # Staff without the journal right (clinic staff) see identity, contact and signals, never notes.
    from journal.clinical_views import patient_journal_context

    context = {"patient": patient, **patient_journal_context(request, patient)}
    return render(request, "journal/patient_detail.html", context)


@patient_view(_("Kontaktuppgifter"), right=None)
def patient_edit(request, patient):
    form = PatientContactForm(request.POST or None, instance=Patient.objects.get(pk=patient.pk))
    if patient.protected_identity:
        for name in ("address", "postal_code", "city", "phone", "email"):
            form.fields.pop(name)
    if request.method == "POST" and form.is_valid():
        services.patient_update_contact(patient=patient, data=form.cleaned_data)
        messages.success(request, _("Uppgifterna är sparade."))
        return redirect("journal:patient", patient_id=patient.pk)
    return render(request, "journal/patient_edit.html", {"patient": patient, "form": form})


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
def access_log_extract(request, patient_id):
    """Printable extract for the patient: which units of the caregiver looked at their data, and when."""
    patient = patient_for_request(request, patient_id, what=_("Loggutdrag"), right=None)
    if not request.user.has_right(Right.CAREGIVER_ADMINISTER):
        raise PermissionDenied
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
