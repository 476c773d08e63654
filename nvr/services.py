"""Reporting to the national vaccination register (A7): build one report of what is new, deliver it.

Which doses: every dose *given* by the caregiver of a product in a national programme (the catalogue's
marking as it stood when the dose was given), whatever the patient's identity type. Not doses given
elsewhere (their giver reports them), not "not given". A reported dose entered in error later is
withdrawn by its own `uniqueReference`, so the register removes it instead of keeping it.

Exactly once: a report is built in one transaction under a per-caregiver lock, and its rows are
claimed by the unique key (vaccination, kind) of NvrEntry; a run killed half-way leaves nothing, a run
repeated finds nothing new. Delivery comes after the commit: a report that could not be delivered stays
undelivered (and is shown) and the next run delivers it, in order, before building anything new.
The rows are chosen and written with set-based SQL, never one ORM round-trip per dose.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from mittvaccin.models import Caregiver
from nvr import format as nvr_format
from nvr.models import EntryKind, NvrDelivery, NvrReport
from nvr.transport import get_transport

logger = logging.getLogger(__name__)

LOCK_NAMESPACE = 7_020_453  # pg_advisory_xact_lock(namespace, caregiver): one report build at a time

# The programmes of a dose: the catalogue version it was given under, else the product's marking.
PROGRAMMES_SQL = "COALESCE(pv.national_programmes, p.national_programmes)"

# A7: the doses the register wants, as a condition on journal_vaccination v (product p, version pv).
REPORTABLE_SQL = f"""
    v.status = 'given'
    AND cardinality({PROGRAMMES_SQL}) > 0
"""

CLAIM_SQL = f"""
WITH candidates AS (
    SELECT v.id AS vaccination_id, 'new' AS kind
    FROM journal_vaccination v
    JOIN journal_vaccineproduct p ON p.id = v.product_id
    LEFT JOIN journal_vaccineproductversion pv ON pv.id = v.product_version_id
    WHERE v.caregiver_id = %(caregiver)s
      AND {REPORTABLE_SQL}
      -- Entered in error before it was ever reported: the register never needs to hear of it.
      AND NOT EXISTS (SELECT 1 FROM journal_vaccinationenteredinerror e WHERE e.vaccination_id = v.id)
      AND NOT EXISTS (SELECT 1 FROM nvr_nvrentry n WHERE n.vaccination_id = v.id AND n.kind = 'new')
    UNION ALL
    SELECT n.vaccination_id, 'withdrawal'
    FROM nvr_nvrentry n
    JOIN nvr_nvrreport r ON r.id = n.report_id
    JOIN journal_vaccinationenteredinerror e ON e.vaccination_id = n.vaccination_id
    WHERE r.caregiver_id = %(caregiver)s AND n.kind = 'new'
      AND NOT EXISTS (
          SELECT 1 FROM nvr_nvrentry w WHERE w.vaccination_id = n.vaccination_id AND w.kind = 'withdrawal'
      )
)
-- Every candidate is chosen before the first row goes in (an aggregate reads all its input before it
-- answers). Inserting while choosing, the "not reported yet" check re-read nvr_nvrentry as it grew
-- wherever the planner believed it empty (a nested loop over a sequential scan): the first report
-- after go-live or after weeks without delivery took minutes instead of seconds (issue 11).
, chosen AS (
    SELECT array_agg(vaccination_id) FILTER (WHERE kind = 'new') AS new_ids,
           array_agg(vaccination_id) FILTER (WHERE kind = 'withdrawal') AS withdrawn_ids
    FROM candidates
)
INSERT INTO nvr_nvrentry (report_id, vaccination_id, kind, unique_reference)
SELECT %(report)s, c.vaccination_id, c.kind, %(prefix)s || c.vaccination_id::text
FROM chosen, LATERAL (
    SELECT unnest(chosen.new_ids), 'new'
    UNION ALL
    SELECT unnest(chosen.withdrawn_ids), 'withdrawal'
) AS c(vaccination_id, kind)
ON CONFLICT (vaccination_id, kind) DO NOTHING
"""

ROWS_SQL = f"""
SELECT n.unique_reference, n.kind, pt.identity_number, pt.identity_kind,
       to_char(v.given_at AT TIME ZONE 'Europe/Stockholm', 'YYYY-MM-DD'),
       COALESCE(pv.name, p.name),
       COALESCE(NULLIF(pv.npl_id, ''), p.npl_id),
       COALESCE(NULLIF(v.lot_number, ''), b.lot_number, ''),
       CASE WHEN 'covid19' = ANY({PROGRAMMES_SQL}) THEN v.dose_number END
FROM nvr_nvrentry n
JOIN journal_vaccination v ON v.id = n.vaccination_id
JOIN journal_patient pt ON pt.id = v.patient_id
JOIN journal_vaccineproduct p ON p.id = v.product_id
LEFT JOIN journal_vaccineproductversion pv ON pv.id = v.product_version_id
LEFT JOIN journal_batch b ON b.id = v.batch_id
WHERE n.report_id = %s
ORDER BY n.kind, n.vaccination_id
"""


class _NothingNew(Exception):
    pass


def reference_prefix(caregiver: Caregiver) -> str:
    """The stable start of every `uniqueReference` of the caregiver: its organisation number."""
    return caregiver.organisation_number.replace("-", "") + "-"


def report_build(*, caregiver: Caregiver, user=None) -> NvrReport | None:
    """One report of every dose not yet reported and every reported dose since entered in error.

    None when there is nothing new. All or nothing: one transaction.
    """
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, caregiver.pk])
                cursor.execute(
                    "SELECT COALESCE(MAX(number), 0) + 1 FROM nvr_nvrreport WHERE caregiver_id = %s",
                    [caregiver.pk],
                )
                number = cursor.fetchone()[0]
            created = timezone.now()
            report = NvrReport.objects.create(
                caregiver=caregiver,
                number=number,
                created_at=created,
                triggered_by=user,
                file_name=f"nvr-{caregiver.organisation_number.replace('-', '')}-{number:06d}.csv",
                content="",
                checksum="",
                rows=0,
                new_rows=0,
                withdrawn_rows=0,
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    CLAIM_SQL,
                    {"caregiver": caregiver.pk, "report": report.pk, "prefix": reference_prefix(caregiver)},
                )
                if cursor.rowcount == 0:
                    raise _NothingNew
                cursor.execute(ROWS_SQL, [report.pk])
                rows = [_file_row(record, caregiver) for record in cursor]
            content = nvr_format.render(
                rows,
                system_name=settings.NVR_SYSTEM_NAME,
                created=timezone.localtime(created).strftime("%Y-%m-%dT%H:%M:%S"),
            )
            new = sum(1 for row in rows if row["action"] == nvr_format.ACTIONS[EntryKind.NEW])
            NvrReport.objects.filter(pk=report.pk).update(
                content=content,
                checksum=nvr_format.checksum(content),
                rows=len(rows),
                new_rows=new,
                withdrawn_rows=len(rows) - new,
            )
    except _NothingNew:
        return None
    report.refresh_from_db()
    logger.info("NVR report %s of caregiver %s: %s rows", report.number, caregiver.pk, report.rows)
    return report


def _file_row(record, caregiver) -> dict:
    reference, kind, identity, identity_kind, date, name, npl, lot, dose_number = record
    return {
        "uniqueReference": reference,
        "action": nvr_format.ACTIONS[kind],
        # R7: the register gets the person id only, for a protected patient as for anyone.
        "patientId": identity,
        "patientIdType": nvr_format.ID_TYPES[identity_kind],
        "vaccinationDate": date,
        "vaccineName": name,
        "NPLId": npl or "",
        "batchNumber": lot,
        "doseNumber": dose_number or "",
        "careGiverName": caregiver.name,
        "careGiverOrgNumber": caregiver.organisation_number,
    }


def report_deliver(*, report: NvrReport) -> bool:
    """Hand the report's file to the transport; record the attempt. True when it was delivered."""
    transport = get_transport()
    try:
        transport.deliver(report)
    except Exception as error:
        ok, message = False, str(error) or error.__class__.__name__
        logger.warning("NVR report %s not delivered: %s", report.file_name, message)
    else:
        ok, message = True, ""
    now = timezone.now()
    with transaction.atomic():
        NvrDelivery.objects.create(
            report=report, at=now, transport=transport.__class__.__name__, ok=ok, error=message
        )
        changes = {"attempts": F("attempts") + 1, "last_attempt_at": now, "last_error": message}
        NvrReport.objects.filter(pk=report.pk).update(**changes)
        if ok:
            NvrReport.objects.filter(pk=report.pk, delivered_at__isnull=True).update(delivered_at=now)
    report.refresh_from_db()
    return ok


@dataclass
class RunResult:
    delivered: list[NvrReport]
    failed: NvrReport | None = None
    built: NvrReport | None = None


def nvr_run(*, caregiver: Caregiver, user=None) -> RunResult:
    """The daily job for one caregiver: first the reports still undelivered, in order, then a new one.

    A report that fails stops the run: a later report could withdraw a dose the register has not yet
    received, so files reach it in the order they were made.
    """
    result = RunResult(delivered=[])
    pending = NvrReport.objects.filter(caregiver=caregiver, delivered_at__isnull=True).order_by("number")
    for report in pending:
        if not report_deliver(report=report):
            result.failed = report
            return result
        result.delivered.append(report)
    report = report_build(caregiver=caregiver, user=user)
    if report is not None:
        result.built = report
        if report_deliver(report=report):
            result.delivered.append(report)
        else:
            result.failed = report
    return result
