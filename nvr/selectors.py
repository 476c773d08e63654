"""What the administrator's page shows: counts, doses waiting, reports not delivered, a dose's state."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from journal.models import Vaccination, VaccinationStatus
from nvr.models import EntryKind, NvrEntry, NvrReport
from nvr.services import PROGRAMMES_SQL, REPORTABLE_SQL

WAITING_SQL = f"""
SELECT v.id
FROM journal_vaccination v
JOIN journal_vaccineproduct p ON p.id = v.product_id
LEFT JOIN journal_vaccineproductversion pv ON pv.id = v.product_version_id
WHERE v.caregiver_id = %s AND {REPORTABLE_SQL}
  AND NOT EXISTS (SELECT 1 FROM journal_vaccinationenteredinerror e WHERE e.vaccination_id = v.id)
  AND NOT EXISTS (SELECT 1 FROM nvr_nvrentry n WHERE n.vaccination_id = v.id AND n.kind = 'new')
ORDER BY v.given_at, v.id
"""


def waiting_ids(caregiver) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(WAITING_SQL, [caregiver.pk])
        return [row[0] for row in cursor]


def counts(caregiver) -> dict:
    entries = NvrEntry.objects.filter(report__caregiver=caregiver)
    return {
        "reported": entries.filter(kind=EntryKind.NEW).count(),
        "withdrawn": entries.filter(kind=EntryKind.WITHDRAWAL).count(),
        "waiting": len(waiting_ids(caregiver)),
        "undelivered": entries.filter(report__delivered_at__isnull=True).count(),
    }


def undelivered_reports(caregiver):
    return NvrReport.objects.filter(caregiver=caregiver, delivered_at__isnull=True).order_by("number")


@dataclass
class DoseState:
    dose: Vaccination
    state: str  # waiting | reported | withdrawn | not_reportable
    text: str
    report: NvrReport | None = None


def dose_states(patient) -> list[DoseState]:
    """Every dose of the patient with its reporting state (two queries)."""
    doses = list(
        Vaccination.objects.filter(patient=patient)
        .select_related("product", "entered_in_error")
        .order_by("-given_at", "-id")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT v.id, cardinality({PROGRAMMES_SQL}) > 0 FROM journal_vaccination v
                JOIN journal_vaccineproduct p ON p.id = v.product_id
                LEFT JOIN journal_vaccineproductversion pv ON pv.id = v.product_version_id
                WHERE v.patient_id = %s""",
            [patient.pk],
        )
        in_programme = dict(cursor.fetchall())
    entries = {}
    for entry in NvrEntry.objects.filter(vaccination__patient=patient).select_related("report"):
        entries[(entry.vaccination_id, entry.kind)] = entry
    states = []
    for dose in doses:
        new = entries.get((dose.pk, EntryKind.NEW))
        withdrawal = entries.get((dose.pk, EntryKind.WITHDRAWAL))
        in_error = hasattr(dose, "entered_in_error")
        if withdrawal:
            states.append(DoseState(dose, "withdrawn", "", withdrawal.report))
        elif new and in_error:
            states.append(DoseState(dose, "withdrawal_waiting", "", new.report))
        elif new:
            states.append(DoseState(dose, "reported", "", new.report))
        elif dose.status == VaccinationStatus.GIVEN_ELSEWHERE:
            states.append(DoseState(dose, "not_reportable", "elsewhere"))
        elif dose.status == VaccinationStatus.NOT_GIVEN:
            states.append(DoseState(dose, "not_reportable", "not_given"))
        elif not in_programme.get(dose.pk):
            states.append(DoseState(dose, "not_reportable", "no_programme"))
        elif in_error:
            states.append(DoseState(dose, "not_reportable", "error_before_report"))
        else:
            states.append(DoseState(dose, "waiting", ""))
    return states
