"""Patients, doses and recommendations as FHIR R4 resources; bundles and errors of the API.

Every resource is validated by the `fhir.resources` R4B models before it leaves (journal.fhir.validated),
except the Immunization rows and the search Bundle around them: those are proven valid by the tests,
shape by shape, instead of on every request (see `immunization_resource`).
A protected patient (R7) carries the confidentiality label and neither name nor address.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.immunizationrecommendation import ImmunizationRecommendation
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient as FhirPatient

from journal.fhir import fhir_instant, identifier, meta, patient_reference, validated
from journal.models import NotGivenReason, Route, Site, VaccinationStatus

GENDER = {"F": "female", "M": "male", "U": "unknown"}
ATC_SYSTEM = "http://www.whocc.no/atc"
ROUTE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration"
ROUTE_CODES = {
    Route.INTRAMUSCULAR: "IM",
    Route.SUBCUTANEOUS: "SQ",
    Route.INTRADERMAL: "IDINJ",
    Route.ORAL: "PO",
    Route.INTRANASAL: "NASINHLC",
}
REASON_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
# Only where HL7's code says the same thing as ours; the text always says exactly what was recorded.
NOT_GIVEN_CODES = {
    NotGivenReason.DECLINED: ("PATOBJ", "patient objection"),
    NotGivenReason.CONTRAINDICATION: ("MEDPREC", "medical precaution"),
    NotGivenReason.UNWELL: ("MEDPREC", "medical precaution"),
}
RECOMMENDATION_STATUS_SYSTEM = "http://terminology.hl7.org/CodeSystem/immunization-recommendation-status"
LOINC = "http://loinc.org"


def vaccination_identifier_system() -> str:
    return f"{settings.PUBLIC_URL}/fhir/sid/vaccination"


def patient_resource(patient) -> dict:
    resource = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "meta": meta(patient),
        "identifier": [identifier(patient)],
        "gender": GENDER.get(patient.sex, "unknown"),
    }
    if patient.birth_date:
        resource["birthDate"] = patient.birth_date.isoformat()
    if not patient.protected_identity:
        resource["name"] = [
            {
                "family": patient.family_name,
                "given": patient.given_names.split(),
                "text": f"{patient.given_names} {patient.family_name}",
            }
        ]
        if patient.address or patient.city:
            resource["address"] = [
                {
                    "line": [patient.address] if patient.address else None,
                    "postalCode": patient.postal_code or None,
                    "city": patient.city or None,
                }
            ]
    return validated(FhirPatient, resource)


def _vaccine_code(dose) -> dict:
    product = dose.product if dose.product_id else None
    if product is not None and product.atc_code:
        return {
            "coding": [{"system": ATC_SYSTEM, "code": product.atc_code, "display": product.name}],
            "text": dose.vaccine_name,
        }
    return {"text": dose.vaccine_name}


def _label(choices, value: str) -> str:
    """What the field's get_..._display() says, without rebuilding its choices on each call (it was a
    quarter of a 50-dose search)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _in_model_order(data: dict, order: tuple) -> dict:
    return {key: data[key] for key in order if key in data}


def immunization_resource(dose, patient) -> dict:
    """One dose row: given here or elsewhere (completed), not given (with the reason), or in error.

    Built as plain JSON in the R4B model's own key order and not validated on each request (a search
    answers up to hundreds of them; validating and dumping was most of its time):
    tests/fhirapi/test_emitted.py proves that every kind of dose row is valid FHIR and that the model
    gives back exactly these bytes. A new element here needs its case there.
    """
    error = getattr(dose, "entered_in_error", None) if _has_error(dose) else None
    if error is not None:
        status = "entered-in-error"
    elif dose.status == VaccinationStatus.NOT_GIVEN:
        status = "not-done"
    else:
        status = "completed"
    resource = {
        "resourceType": "Immunization",
        "id": str(dose.pk),
        "meta": meta(patient),
        "identifier": [{"system": vaccination_identifier_system(), "value": str(dose.pk)}],
        "status": status,
    }
    if dose.status == VaccinationStatus.NOT_GIVEN and dose.not_given_reason:
        reason = {"text": _label(NotGivenReason, dose.not_given_reason)}
        if dose.not_given_reason in NOT_GIVEN_CODES:
            code, display = NOT_GIVEN_CODES[dose.not_given_reason]
            reason = {"coding": [{"system": REASON_SYSTEM, "code": code, "display": display}], **reason}
        resource["statusReason"] = reason
    resource["vaccineCode"] = _vaccine_code(dose)
    resource["patient"] = _in_model_order(
        patient_reference(patient, with_id=True), ("reference", "identifier", "display")
    )
    resource["occurrenceDateTime"] = fhir_instant(dose.given_at)
    resource["recorded"] = fhir_instant(dose.recorded_at)
    # Given elsewhere is what the patient or a paper told us, not our own record of the act.
    resource["primarySource"] = dose.status != VaccinationStatus.GIVEN_ELSEWHERE
    if dose.status == VaccinationStatus.GIVEN_ELSEWHERE:
        resource["reportOrigin"] = {"text": "Given på annat håll"}
        if dose.elsewhere_place:
            resource["location"] = {"display": dose.elsewhere_place}
    elif dose.unit_id:
        resource["location"] = {"display": dose.unit.name}
    if dose.lot_number:
        resource["lotNumber"] = dose.lot_number
    if dose.batch_expiry:
        resource["expirationDate"] = dose.batch_expiry.isoformat()
    if dose.site:
        resource["site"] = {"text": _label(Site, dose.site)}
    if dose.route:
        route = {"text": _label(Route, dose.route)}
        if dose.route in ROUTE_CODES:
            route = {"coding": [{"system": ROUTE_SYSTEM, "code": ROUTE_CODES[dose.route]}], **route}
        resource["route"] = route
    if dose.dose_ml is not None:
        resource["doseQuantity"] = {
            "value": float(dose.dose_ml),
            "unit": "mL",
            "system": "http://unitsofmeasure.org",
            "code": "mL",
        }
    if dose.given_by_id:
        resource["performer"] = [
            {
                "function": {
                    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0443", "code": "AP"}]
                },
                "actor": {"display": dose.given_by.get_full_name() or dose.given_by.username},
            }
        ]
    notes = [text for text in (dose.comment, error.reason if error else "") if text]
    if notes:
        resource["note"] = [{"text": text} for text in notes]
    if dose.dose_number:
        resource["protocolApplied"] = [{"doseNumberPositiveInt": dose.dose_number}]
    return resource


def _has_error(dose) -> bool:
    try:
        return dose.entered_in_error is not None
    except dose.__class__.entered_in_error.RelatedObjectDoesNotExist:
        return False


def recommendation_resource(patient, series: list[dict], today: dt.date) -> dict:
    """The next due dose of each of the patient's series (one recommendation per series)."""
    recommendations = []
    for item in series:
        due = item["next_due"]
        recommendation = {
            "vaccineCode": [{"text": item["product"].name}],
            "targetDisease": {"text": item["product"].disease},
            "forecastStatus": {
                "coding": [
                    {
                        "system": RECOMMENDATION_STATUS_SYSTEM,
                        "code": "overdue" if due < today else "due",
                    }
                ]
            },
            "dateCriterion": [
                {
                    "code": {"coding": [{"system": LOINC, "code": "30980-7"}], "text": "Date vaccine due"},
                    "value": due.isoformat(),
                }
            ],
            "doseNumberPositiveInt": item["dose_number"],
            "supportingImmunization": [{"reference": f"Immunization/{item['based_on']}"}],
        }
        if item.get("earliest"):
            recommendation["dateCriterion"].append(
                {
                    "code": {
                        "coding": [{"system": LOINC, "code": "30981-5"}],
                        "text": "Earliest date to give",
                    },
                    "value": item["earliest"].isoformat(),
                }
            )
        recommendations.append(recommendation)
    resource = {
        "resourceType": "ImmunizationRecommendation",
        "id": f"patient-{patient.pk}",
        "meta": meta(patient),
        "patient": patient_reference(patient, with_id=True),
        "date": fhir_instant(dt.datetime.now(dt.UTC)),
        "recommendation": recommendations,
    }
    return validated(ImmunizationRecommendation, resource)


def bundle(*, entries: list[dict], total: int, self_url: str, base: str, links: dict) -> dict:
    data = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": [{"relation": "self", "url": self_url}]
        + [{"relation": relation, "url": url} for relation, url in links.items()],
        "entry": [
            {
                "fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}",
                "resource": resource,
                "search": {"mode": "match"},
            }
            for resource in entries
        ],
    }
    if not data["entry"]:
        del data["entry"]
    # Not validated again per request: each entry is valid FHIR on its own (validated, or proven so by
    # tests/fhirapi/test_emitted.py), and that test proves the bundle around them is too, byte for byte.
    return data


def operation_outcome(code: str, text: str, *, severity: str = "error") -> dict:
    return validated(
        OperationOutcome,
        {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": severity, "code": code, "diagnostics": text, "details": {"text": text}}],
        },
    )


SEARCH_PARAMETERS = {
    "Patient": [("identifier", "token"), ("_count", "number")],
    "Immunization": [
        ("patient.identifier", "token"),
        ("patient", "reference"),
        ("date", "date"),
        ("_count", "number"),
    ],
    "ImmunizationRecommendation": [("patient.identifier", "token"), ("patient", "reference")],
    "AllergyIntolerance": [("patient.identifier", "token"), ("patient", "reference"), ("_count", "number")],
    "Flag": [("patient.identifier", "token"), ("patient", "reference"), ("_count", "number")],
}


def capability_statement(base: str) -> dict:
    resources = []
    for type_, params in SEARCH_PARAMETERS.items():
        interactions = [{"code": "search-type"}]
        if type_ == "Patient":
            interactions.insert(0, {"code": "read"})
        resources.append(
            {
                "type": type_,
                "interaction": interactions,
                "searchParam": [{"name": name, "type": kind} for name, kind in params],
            }
        )
    return validated(
        CapabilityStatement,
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": "2026-12-01",
            "kind": "instance",
            "software": {"name": "MittVaccin"},
            "implementation": {"description": "MittVaccin FHIR R4 API (read only)", "url": base},
            "fhirVersion": "4.0.1",
            "format": ["application/fhir+json"],
            "rest": [
                {
                    "mode": "server",
                    "security": {
                        "service": [
                            {
                                "coding": [
                                    {
                                        "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                        "code": "SMART-on-FHIR",
                                    }
                                ],
                                "text": "OAuth2 client credentials; scopes system/<Type>.read",
                            }
                        ],
                        "description": f"Token endpoint: {base}/auth/token",
                    },
                    "resource": resources,
                }
            ],
        },
    )
