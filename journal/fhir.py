"""Attention signals as FHIR R4 resources, to hand over to the main health record (R13).

Hypersensitivity becomes an AllergyIntolerance, anything else a Flag. The patient is referred to by
the national identifier only; a patient with protected identity carries the confidentiality label
"R" (restricted) and no name, and no address is ever included.
"""

from __future__ import annotations

from django.utils import timezone

from journal.models import IdentityKind, Severity, SignalKind

# Swedish national OIDs for the identifier systems.
IDENTIFIER_SYSTEMS = {
    IdentityKind.PERSONNUMMER: "urn:oid:1.2.752.129.2.1.3.1",
    IdentityKind.SAMORDNINGSNUMMER: "urn:oid:1.2.752.129.2.1.3.3",
}
RESERVE_SYSTEM = "urn:oid:1.2.752.129.2.1.3"  # regional reserve numbers hang under the national arc

FHIR_SEVERITY = {
    Severity.MILD: "mild",
    Severity.MODERATE: "moderate",
    Severity.SEVERE: "severe",
    Severity.LIFE_THREATENING: "severe",
}


def _patient_reference(patient) -> dict:
    reference = {
        "identifier": {
            "system": IDENTIFIER_SYSTEMS.get(patient.identity_kind, RESERVE_SYSTEM),
            "value": patient.identity_number,
        }
    }
    if not patient.protected_identity:
        reference["display"] = f"{patient.given_names} {patient.family_name}"
    return reference


def _meta(patient) -> dict:
    meta = {"source": "MittVaccin"}
    if patient.protected_identity:
        meta["security"] = [
            {
                "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
                "code": "R",
                "display": "restricted",
            }
        ]
    return meta


def _is_active(signal) -> bool:
    try:
        return signal.inactivation is None
    except signal.__class__.inactivation.RelatedObjectDoesNotExist:
        return True


def signal_resource(signal) -> dict:
    patient = signal.patient
    active = _is_active(signal)
    recorded = timezone.localtime(signal.recorded_at).isoformat(timespec="seconds")
    if signal.kind == SignalKind.HYPERSENSITIVITY:
        resource = {
            "resourceType": "AllergyIntolerance",
            "id": f"mittvaccin-signal-{signal.pk}",
            "meta": _meta(patient),
            "clinicalStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                        "code": "active" if active else "inactive",
                    }
                ]
            },
            "verificationStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                        # As told by the patient or a relative at the vaccination unit, not tested here.
                        "code": "unconfirmed",
                    }
                ]
            },
            "type": "allergy",
            "criticality": "high"
            if signal.severity in (Severity.SEVERE, Severity.LIFE_THREATENING)
            else "low",
            "code": {"text": signal.agent},
            "patient": _patient_reference(patient),
            "recordedDate": recorded,
            "recorder": {"display": signal.signature},
        }
        if signal.occurred_on:
            resource["onsetString"] = signal.occurred_on
        if signal.reaction or signal.severity:
            reaction = {"manifestation": [{"text": signal.reaction or signal.get_severity_display()}]}
            if signal.severity:
                reaction["severity"] = FHIR_SEVERITY[signal.severity]
            if signal.severity == Severity.LIFE_THREATENING:
                reaction["description"] = "Livshotande reaktion (anafylaxi)"
            resource["reaction"] = [reaction]
        if signal.text:
            resource["note"] = [{"text": signal.text}]
        return resource
    resource = {
        "resourceType": "Flag",
        "id": f"mittvaccin-signal-{signal.pk}",
        "meta": _meta(patient),
        "status": "active" if active else "inactive",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/flag-category",
                        "code": "clinical",
                        "display": "Clinical",
                    }
                ]
            }
        ],
        "code": {"text": signal.agent + (f": {signal.text}" if signal.text else "")},
        "subject": _patient_reference(patient),
        "period": {"start": recorded},
        "author": {"display": signal.signature},
    }
    return resource
