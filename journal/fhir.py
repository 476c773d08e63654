"""The journal's records as FHIR R4 resources, validated by the `fhir.resources` R4B models.

Attention signals (R13) are handed over as AllergyIntolerance (hypersensitivity) or Flag (anything
else): to the main health record through the FHIR API (`fhirapi`), and as a download on the patient
page. Each says only what was recorded: no reaction is invented where none was written down, and the
severity is never turned into a diagnosis.

The patient is referred to by the national identifier; a patient with protected identity (R7) carries
the confidentiality label "R" (restricted) and no name, and no address is ever included.
"""

from __future__ import annotations

from django.utils import timezone
from fhir.resources.R4B.allergyintolerance import AllergyIntolerance
from fhir.resources.R4B.flag import Flag

from journal.models import IdentityKind, Severity, SignalKind

# Swedish national OIDs for the identifier systems.
PERSONNUMMER_SYSTEM = "urn:oid:1.2.752.129.2.1.3.1"
SAMORDNINGSNUMMER_SYSTEM = "urn:oid:1.2.752.129.2.1.3.3"
IDENTIFIER_SYSTEMS = {
    IdentityKind.PERSONNUMMER: PERSONNUMMER_SYSTEM,
    IdentityKind.SAMORDNINGSNUMMER: SAMORDNINGSNUMMER_SYSTEM,
}
RESERVE_SYSTEM = "urn:oid:1.2.752.129.2.1.3"  # regional reserve numbers hang under the national arc
CONFIDENTIALITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"

FHIR_SEVERITY = {
    Severity.MILD: "mild",
    Severity.MODERATE: "moderate",
    Severity.SEVERE: "severe",
    Severity.LIFE_THREATENING: "severe",
}


def validated(model, data: dict) -> dict:
    """`data` checked against the FHIR R4B model (a ValidationError if it is not a valid resource)."""
    return model.model_validate(data).model_dump(mode="json", exclude_none=True)


def fhir_instant(moment) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


def identifier(patient) -> dict:
    return {
        "system": IDENTIFIER_SYSTEMS.get(patient.identity_kind, RESERVE_SYSTEM),
        "value": patient.identity_number,
    }


def patient_reference(patient, *, with_id: bool = False) -> dict:
    reference = {"identifier": identifier(patient)}
    if with_id:
        reference["reference"] = f"Patient/{patient.pk}"
    if not patient.protected_identity:
        reference["display"] = f"{patient.given_names} {patient.family_name}"
    return reference


def meta(patient) -> dict:
    data = {"source": "MittVaccin"}
    if patient.protected_identity:
        data["security"] = [{"system": CONFIDENTIALITY_SYSTEM, "code": "R", "display": "restricted"}]
    return data


def _is_active(signal) -> bool:
    try:
        return signal.inactivation is None
    except signal.__class__.inactivation.RelatedObjectDoesNotExist:
        return True


def signal_resource(signal, *, with_id: bool = False) -> dict:
    """An attention signal as AllergyIntolerance or Flag (validated). `with_id` adds Patient/<id>."""
    patient = signal.patient
    active = _is_active(signal)
    recorded = fhir_instant(signal.recorded_at)
    if signal.kind == SignalKind.HYPERSENSITIVITY:
        resource = {
            "resourceType": "AllergyIntolerance",
            "id": f"mittvaccin-signal-{signal.pk}",
            "meta": meta(patient),
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
            "code": {"text": signal.agent},
            "patient": patient_reference(patient, with_id=with_id),
            "recordedDate": recorded,
            "recorder": {"display": signal.signature},
        }
        if signal.severity:
            resource["criticality"] = (
                "high" if signal.severity in (Severity.SEVERE, Severity.LIFE_THREATENING) else "low"
            )
        if signal.occurred_on:
            resource["onsetString"] = signal.occurred_on
        if signal.reaction:
            # Only a recorded reaction becomes a reaction: FHIR needs its manifestation, and the
            # severity's name is no manifestation.
            reaction = {"manifestation": [{"text": signal.reaction}]}
            if signal.severity:
                reaction["severity"] = FHIR_SEVERITY[signal.severity]
            resource["reaction"] = [reaction]
        notes = []
        if signal.severity:
            notes.append(f"Allvarlighetsgrad: {signal.get_severity_display()}")
        if signal.text:
            notes.append(signal.text)
        if notes:
            resource["note"] = [{"text": text} for text in notes]
        return validated(AllergyIntolerance, resource)
    resource = {
        "resourceType": "Flag",
        "id": f"mittvaccin-signal-{signal.pk}",
        "meta": meta(patient),
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
        "subject": patient_reference(patient, with_id=with_id),
        "period": {"start": recorded},
        "author": {"display": signal.signature},
    }
    return validated(Flag, resource)
