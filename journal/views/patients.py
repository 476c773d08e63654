"""Patients: search, registration, contact details, the overview with its history, the physicians' list."""

from __future__ import annotations

import functools
import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from journal import access, catalogue_cache, search, selectors, services
from journal.access import patient_view
from journal.forms import ElsewhereForm, PatientContactForm, PatientCreateForm
from journal.models import AssessmentOutcome, Patient, Vaccination
from journal.screens import (
    RECENT_VISITS,
    as_context,
    earlier_doses,
    earlier_orders,
    earlier_threads,
    patient_journal,
)
from journal.services.protection import protection_history
from journal.views.common import _mark_with_reason, _sent_before
from journal.views.shared_record import _log_shared_read
from mittvaccin.access_log import access_log_record
from mittvaccin.decorators import require_right, signed_in
from mittvaccin.redirects import safe_next
from mittvaccin.refusals import refusal_to_form
from mittvaccin.rights import Right
from mittvaccin.tenancy import owned_or_404


@signed_in
@require_GET
def patient_search(request):
    """Search from every page. An exact number goes straight to the patient; names list the hits."""
    result = search.patient_search(who=request, query=request.GET.get("q", ""))
    if result.identity and len(result.patients) == 1:
        return redirect("journal:patient", patient_id=result.patients[0].pk)
    # A hit list shows identities, so each patient shown is logged like any other read.
    access_log_record(request=request, patients=result.patients, action=access.SEARCH_HIT)
    template = "journal/patient_search.html#results" if request.htmx else "journal/patient_search.html"
    return render(request, template, {"result": result})


@require_right(Right.PATIENT_REGISTER)
def patient_create(request):
    initial = {"identity": request.GET.get("pnr", "")}
    form = PatientCreateForm(request.POST or None, initial=initial, caregiver=request.user.caregiver)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        identity = data.pop("parsed_identity")
        data.pop("identity", None)
        data.pop("identity_kind", None)
        try:
            patient = services.patient_create(
                caregiver=request.user.caregiver, identity=identity, user=request.user, **data
            )
        except services.PatientExists as exists:
            messages.info(request, _("Patienten fanns redan i journalen."))
            return redirect("journal:patient", patient_id=exists.patient.pk)
        except services.JournalError as error:
            refusal_to_form(form, error)
        else:
            messages.success(
                request, _("Patienten %(name)s är registrerad.") % {"name": patient.display_name}
            )
            if patient.protected_identity and not data.get("protected_identity"):
                messages.warning(
                    request,
                    _(
                        "Folkbokföringen anger skyddad identitet: patienten är markerad och inga "
                        "kontaktuppgifter sparades."
                    ),
                )
            return redirect("journal:patient", patient_id=patient.pk)
    return render(request, "journal/patient_create.html", {"form": form})


# The query parameter that asks the patient page for the older part of a long list ("show earlier"):
# with htmx that part alone, without it the whole page with every list in full.
EARLIER = "tidigare"


def _earlier_part(request, patient, section: str):
    """The older part of one of the patient page's long lists, for its "show earlier" button (htmx)."""
    if section == "vaccinationer":
        context = {"history": earlier_doses(patient), "actions": True, "focus": True}
        context["can_register"] = request.user.has_right(Right.VACCINATION_REGISTER)
        return render(request, "journal/_history_table.html#rows", context)
    if section == "besok":
        part, items = "earlier_visits", selectors.declarations_by_visit(patient)[RECENT_VISITS:]
    elif section == "ordinationer":
        part, items = "earlier_orders", earlier_orders(patient)
    else:
        part, items = "earlier_notes", earlier_threads(patient)
    context = {"patient": patient, "items": items, "can_order": request.user.has_right(Right.VACCINE_ORDER)}
    return render(request, f"journal/patient_detail.html#{part}", context)


_KEY_PLACEHOLDER = uuid.UUID(int=0)

# The patient page's links that take only the patient's number (`links.<name>` in its template).
PATIENT_LINKS = (
    "access_log_extract",
    "block",
    "certificate",
    "note_create",
    "order_create",
    "order_request",
    "patient_edit",
    "protection",
    "signal_create",
    "vaccination_elsewhere",
    "visit_start",
)
_PK_PLACEHOLDER = 987654321


@functools.cache
def _link_patterns(prefix: str) -> dict[str, str]:
    """`PATIENT_LINKS` reversed once per process (and script prefix) with a placeholder number: a
    reversal costs as much as a dozen template tags, and the page has a dozen of these links."""
    return {name: reverse(f"journal:{name}", args=[_PK_PLACEHOLDER]) for name in PATIENT_LINKS}


def patient_links(patient) -> dict[str, str]:
    """The page's `PATIENT_LINKS` of this patient, as `{% url %}` gives them."""
    pk = str(patient.pk)
    patterns = _link_patterns(get_script_prefix())
    return {name: url.replace(str(_PK_PLACEHOLDER), pk) for name, url in patterns.items()}


@functools.cache
def _elsewhere_key_html() -> str:
    """The "given elsewhere" form's hidden idempotency key as its widget draws it, made once per process
    with a placeholder each page view replaces by a new key (the form and its widget's templates cost
    more than the rest of the form, whose fields come from the catalogue cache)."""
    return str(ElsewhereForm(initial={"idempotency_key": _KEY_PLACEHOLDER})["idempotency_key"])


@patient_view(access.PATIENT, right=None)
def patient_detail(request, patient):
    # Staff without the journal right (clinic staff) see identity, contact and signals, never notes.
    history = protection_history(patient)
    if not request.user.has_right(Right.JOURNAL_READ):
        return render(
            request,
            "journal/patient_detail.html",
            {
                "patient": patient,
                "journal": False,
                "protection_history": history,
                "links": patient_links(patient),
            },
        )
    earlier = request.GET.get(EARLIER)
    if earlier in ("vaccinationer", "besok", "ordinationer", "anteckningar") and request.htmx:
        return _earlier_part(request, patient, earlier)
    journal = patient_journal(patient, user=request.user, unit=request.unit, everything=bool(earlier))
    _log_shared_read(request, patient, journal.shared)
    context = {
        "patient": patient,
        "journal": True,
        "protection_history": history,
        "links": patient_links(patient),
        **as_context(journal),
    }
    if journal.can_register:
        key = _elsewhere_key_html().replace(str(_KEY_PLACEHOLDER), str(uuid.uuid4()))
        context["elsewhere_key"] = mark_safe(key)  # noqa: S308  (the widget's own HTML and a UUID)
        context["elsewhere_fields"] = catalogue_cache.elsewhere_fields_html(ElsewhereForm)
    return render(request, "journal/patient_detail.html", context)


@patient_view(access.PATIENT_CONTACT, right=Right.PATIENT_REGISTER)
def patient_edit(request, patient):
    form = PatientContactForm(request.POST or None, instance=Patient.objects.get(pk=patient.pk))
    if patient.protected_identity:
        for name in ("address", "postal_code", "city", "phone", "email"):
            form.fields.pop(name)
    back = safe_next(request, "")
    if request.method == "POST" and form.is_valid():
        services.patient_update_contact(patient=patient, data=form.cleaned_data)
        messages.success(request, _("Uppgifterna är sparade."))
        # Back where the address was asked for (the invoicing review), or to the patient.
        return redirect(back or reverse("journal:patient", args=[patient.pk]))
    return render(request, "journal/patient_edit.html", {"patient": patient, "form": form, "back": back})


@require_POST
@patient_view(access.VACCINATION_ELSEWHERE, right=Right.VACCINATION_REGISTER)
def vaccination_elsewhere(request, patient):
    form = ElsewhereForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.vaccination_record_elsewhere(
                patient=patient,
                user=request.user,
                given_on=data["given_on"],
                product=data["product"],
                product_text=data["product_text"],
                place=data["place"],
                dose_number=data["dose_number"],
                lot_number=data["lot_number"],
                comment=data["comment"],
                idempotency_key=data["idempotency_key"],
            )
        except services.JournalError as error:
            if _sent_before(form, error):
                return redirect(reverse("journal:patient", args=[patient.pk]) + "#historik")
        else:
            messages.success(request, _("Den tidigare vaccinationen är registrerad."))
            return redirect(reverse("journal:patient", args=[patient.pk]) + "#historik")
    return render(
        request,
        "journal/form_page.html",
        {
            "patient": patient,
            "form": form,
            "title": _("Tidigare vaccination (annan vårdgivare eller utomlands)"),
            "submit": _("Registrera"),
            "action": reverse("journal:vaccination_elsewhere", args=[patient.pk]),
        },
    )


@patient_view(access.VACCINATION_ERROR, right=Right.VACCINATION_REGISTER)
def vaccination_error(request, patient, vaccination_id):
    vaccination = owned_or_404(
        Vaccination.objects.select_related("product"), request, pk=vaccination_id, patient=patient
    )
    return _mark_with_reason(
        request,
        patient,
        mark=lambda reason: services.vaccination_enter_in_error(
            vaccination=vaccination, user=request.user, reason=reason
        ),
        done=_("Raden är markerad som felregistrerad. Den finns kvar, överstruken, med skälet."),
        anchor="#historik",
        title=_("Markera vaccination som felregistrerad"),
        intro=_("%(vaccine)s %(date)s. Raden tas inte bort: den visas överstruken med skälet.")
        % {
            "vaccine": vaccination.vaccine_name,
            "date": timezone.localtime(vaccination.given_at).strftime("%Y-%m-%d %H:%M"),
        },
        submit=_("Markera som felregistrerad"),
    )


@require_right(Right.ASSESSMENT_WRITE)
@require_GET
def assessments(request):
    """Patients whose health declaration has answers waiting for a physician's assessment."""
    scope = request.GET.get("enhet", "denna")
    queue = selectors.assessment_queue(request, unit=request.unit if scope == "denna" else None)
    access_log_record(
        request=request, patients=[d.visit.patient for d in queue], action=access.ASSESSMENT_QUEUE
    )
    for declaration in queue:
        declaration.flag_rows = [row for row in declaration.answer_rows() if row["flag"]]
    # Nurses' requests for an order stand on the same list until an order answers them (R2).
    requests = selectors.open_order_requests(request, unit=request.unit if scope == "denna" else None)
    access_log_record(
        request=request, patients=[r.patient for r in requests], action=access.ORDER_REQUEST_QUEUE
    )
    # Residents' flagged answers before a booked visit (A15).
    previsits = selectors.previsit_assessment_queue(request, unit=request.unit if scope == "denna" else None)
    access_log_record(
        request=request, patients=[p.patient for p in previsits], action=access.ASSESSMENT_QUEUE
    )
    return render(
        request,
        "journal/assessments.html",
        {
            "queue": queue,
            "previsits": previsits,
            "scope": scope,
            "outcomes": AssessmentOutcome.choices,
            "order_requests": requests,
        },
    )
