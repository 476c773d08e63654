"""The FHIR R4 API (read only) under /fhir/: metadata, Patient, Immunization, ImmunizationRecommendation,
AllergyIntolerance and Flag.

A client sees only its caregiver's data (R4): every lookup is scoped to the client's caregiver, and
another caregiver's patient is as unknown as one that does not exist. Every read of a patient's data
writes one access-log row naming the client (N6). Searches answer Bundle searchsets with paging; every
refusal is an OperationOutcome with its HTTP status.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import prefetch_related_objects
from django.utils import timezone
from pydantic import ValidationError

from fhirapi import access, resources
from fhirapi.auth import fhir_endpoint, fhir_response, outcome_response
from fhirapi.models import Scope
from fhirapi.search import SearchError, date_filter, page_number, page_size, parse_identifier
from journal import fhir as journal_fhir
from journal import schedule, selectors
from journal.models import AttentionSignal, Patient, SignalKind, Vaccination
from mittvaccin.access_log import access_log_record
from mittvaccin.tenancy import owned

KNOWN_PARAMETERS = {
    "Patient": {"identifier", "_count", "_page"},
    "Immunization": {"patient.identifier", "patient", "date", "_count", "_page"},
    "ImmunizationRecommendation": {"patient.identifier", "patient"},
    "AllergyIntolerance": {"patient.identifier", "patient", "_count", "_page"},
    "Flag": {"patient.identifier", "patient", "_count", "_page"},
}


def base_url(request) -> str:
    return request.build_absolute_uri("/fhir").rstrip("/")


def searching(resource_type: str):
    """Turn a SearchError (or a resource that fails validation) into an OperationOutcome, never a 500."""

    def decorate(view):
        def wrapper(request, *args, **kwargs):
            unknown = sorted(set(request.GET) - KNOWN_PARAMETERS[resource_type] - {"_format"})
            if unknown:
                return outcome_response(
                    400,
                    "not-supported",
                    f"Sökparametern stöds inte för {resource_type}: {', '.join(unknown)}.",
                )
            try:
                return view(request, *args, **kwargs)
            except SearchError as error:
                return outcome_response(error.status, error.code, error.message)
            except ValidationError as error:
                # Data that cannot be said in valid FHIR is a fault of ours, told plainly, not a crash.
                return outcome_response(
                    500, "exception", f"Resursen kunde inte byggas: {error.error_count()} fel."
                )

        wrapper.__name__ = view.__name__
        return wrapper

    return decorate


def _patients(request):
    return owned(Patient, request.api_client.caregiver_id)


def _log(request, patient, resource: str, *, search: bool = False) -> None:
    access_log_record(
        request=request,
        patient=patient,
        action=access.SEARCH if search else access.READ,
        params={"resource": resource},
        api_client=request.api_client,
    )


def _patient_for_search(request) -> Patient | None:
    """The one patient named by `patient.identifier` (or `patient`); None when the caregiver has none."""
    token = request.GET.get("patient.identifier")
    reference = request.GET.get("patient")
    if token is None and reference is None:
        raise SearchError("Ange patienten: patient.identifier=urn:oid:1.2.752.129.2.1.3.1|ÅÅÅÅMMDDNNNN.")
    patients = _patients(request)
    if token is not None:
        query = parse_identifier(token)
        patients = patients.filter(identity_number=query.value)
        if query.kind:
            patients = patients.filter(identity_kind=query.kind)
    if reference is not None:
        pk = reference.removeprefix("Patient/")
        if not pk.isdigit():
            raise SearchError(f"Ogiltig patientreferens {reference!r}: skriv Patient/<id>.")
        patients = patients.filter(pk=int(pk))
    return patients.order_by("pk").first()


def _paged(request, resource_type: str, queryset_or_list, build) -> dict:
    size = page_size(request.GET.get("_count"))
    number = page_number(request.GET.get("_page"))
    total = len(queryset_or_list) if isinstance(queryset_or_list, list) else queryset_or_list.count()
    last = max(1, -(-total // size))
    if number > last:
        raise SearchError(
            f"Sidan {number} finns inte: sökningen har {total} träffar på {last} sidor.",
            status=400,
        )
    start = (number - 1) * size
    items = list(queryset_or_list[start : start + size])
    base = base_url(request)
    params = {k: v for k, v in request.GET.items() if k != "_page"}

    def url(page: int) -> str:
        return f"{base}/{resource_type}?{urlencode({**params, '_page': page})}"

    links = {"first": url(1), "last": url(last)}
    if number > 1:
        links["previous"] = url(number - 1)
    if number < last:
        links["next"] = url(number + 1)
    return resources.bundle(
        entries=[build(item) for item in items],
        total=total,
        self_url=url(number),
        base=base,
        links=links,
    )


def _empty(request, resource_type: str) -> dict:
    return _paged(request, resource_type, [], lambda item: item)


@fhir_endpoint(scope=None)
def metadata(request):
    return fhir_response(resources.capability_statement(base_url(request)))


@fhir_endpoint(scope=Scope.PATIENT)
def patient_read(request, patient_id: str):
    if not patient_id.isdigit():
        return outcome_response(404, "not-found", f"Patient/{patient_id} finns inte.")
    patient = _patients(request).filter(pk=int(patient_id)).first()
    if patient is None:
        return outcome_response(404, "not-found", f"Patient/{patient_id} finns inte.")
    _log(request, patient, "Patient")
    return fhir_response(resources.patient_resource(patient))


@fhir_endpoint(scope=Scope.PATIENT)
@searching("Patient")
def patient_search(request):
    token = request.GET.get("identifier")
    if not token:
        raise SearchError("Ange identifier=urn:oid:1.2.752.129.2.1.3.1|ÅÅÅÅMMDDNNNN.")
    query = parse_identifier(token)
    patients = _patients(request).filter(identity_number=query.value)
    if query.kind:
        patients = patients.filter(identity_kind=query.kind)
    found = list(patients.order_by("pk")[:2])
    for patient in found:
        _log(request, patient, "Patient", search=True)
    return fhir_response(_paged(request, "Patient", found, resources.patient_resource))


@fhir_endpoint(scope=Scope.IMMUNIZATION)
@searching("Immunization")
def immunization_search(request):
    condition = date_filter(request.GET.getlist("date"), "given_at")
    patient = _patient_for_search(request)
    if patient is None:
        return fhir_response(_empty(request, "Immunization"))
    _log(request, patient, "Immunization")
    doses = (
        Vaccination.objects.filter(patient=patient, caregiver_id=request.api_client.caregiver_id)
        .filter(condition)
        .select_related("product", "product_version", "unit", "given_by", "entered_in_error")
        .order_by("-given_at", "-id")
    )
    return fhir_response(
        _paged(request, "Immunization", doses, lambda dose: resources.immunization_resource(dose, patient))
    )


@fhir_endpoint(scope=Scope.RECOMMENDATION)
@searching("ImmunizationRecommendation")
def recommendation_search(request):
    patient = _patient_for_search(request)
    if patient is None:
        return fhir_response(_empty(request, "ImmunizationRecommendation"))
    _log(request, patient, "ImmunizationRecommendation")
    series = next_due_by_series(patient)
    found = [resources.recommendation_resource(patient, series, timezone.localdate())] if series else []
    return fhir_response(_paged(request, "ImmunizationRecommendation", found, lambda item: item))


def next_due_by_series(patient) -> list[dict]:
    """For each disease the patient has a series against: the next dose after the latest valid one."""
    history = selectors.vaccination_history(patient)
    prefetch_related_objects(history, "product__schedule_steps")
    latest = {}
    for dose in selectors.valid_doses(history):  # newest first
        if dose.product_id and dose.product.disease not in latest:
            latest[dose.product.disease] = dose
    series = []
    for dose in latest.values():
        if not dose.next_due_date:
            continue
        number = (dose.dose_number or 0) + 1
        interval = schedule.interval_for(dose.product, number)
        earliest = None
        if interval:
            earliest = timezone.localtime(dose.given_at).date() + timezone.timedelta(days=interval[0])
        series.append(
            {
                "product": dose.product,
                "next_due": dose.next_due_date,
                "dose_number": number,
                "earliest": earliest,
                "based_on": dose.pk,
            }
        )
    return sorted(series, key=lambda item: item["next_due"])


def _signal_search(request, resource_type: str, kind: str):
    patient = _patient_for_search(request)
    if patient is None:
        return fhir_response(_empty(request, resource_type))
    _log(request, patient, resource_type)
    signals = (
        AttentionSignal.objects.filter(patient=patient, kind=kind)
        .select_related("inactivation", "patient")
        .order_by("-recorded_at", "-id")
    )
    return fhir_response(
        _paged(request, resource_type, signals, lambda s: journal_fhir.signal_resource(s, with_id=True))
    )


@fhir_endpoint(scope=Scope.ALLERGY)
@searching("AllergyIntolerance")
def allergy_search(request):
    return _signal_search(request, "AllergyIntolerance", SignalKind.HYPERSENSITIVITY)


@fhir_endpoint(scope=Scope.FLAG)
@searching("Flag")
def flag_search(request):
    return _signal_search(request, "Flag", SignalKind.OTHER)


@fhir_endpoint(scope=None)
def unknown(request, rest: str):
    return outcome_response(
        404,
        "not-supported",
        f"Ingen resurs eller åtgärd finns på /fhir/{rest}. Se /fhir/metadata för vad API:t kan.",
    )
