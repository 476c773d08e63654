"""Visits and the steps before a dose: the health declaration (R3) and the confirmed checks (R6)."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from journal import selectors
from journal.models import (
    CheckConfirmation,
    HealthDeclaration,
    Patient,
    PreVisitDeclaration,
    Questionnaire,
    Visit,
    VisitKind,
)
from journal.questionnaire import ensure_current
from journal.services.common import JournalError
from mittvaccin.bulk import array_param, insert_rows


@transaction.atomic
def visit_open(*, patient: Patient, unit, user=None, kind=None, booking_id=None, started_at=None) -> Visit:
    """Open a visit for the patient at a unit of the patient's caregiver.

    Opening twice for the same booking returns the visit already opened (check-in clicked twice).
    """

    if unit.caregiver_id != patient.caregiver_id:
        raise ValueError("unit and patient belong to different caregivers")
    kind = kind or VisitKind.VACCINATION
    if booking_id is not None:
        existing = Visit.objects.filter(booking_id=booking_id, kind=kind).first()
        if existing:
            return existing
    try:
        with transaction.atomic():
            return Visit.objects.create(
                patient=patient,
                unit=unit,
                kind=kind,
                started_by=user,
                booking_id=booking_id,
                started_at=started_at or timezone.now(),
            )
    except IntegrityError:
        # Two check-ins of one booking at the same moment: the constraint keeps one visit.
        return Visit.objects.get(booking_id=booking_id, kind=kind)


def visits_open_for_bookings(*, rows, kind: str, user=None) -> dict[int, int]:
    """One visit of `kind` per booking, idempotent like visit_open: {booking id: visit id} for every row.

    `rows` are (booking_id, patient_id, unit_id, started_at), patient and unit of the same caregiver
    (the caller checked). A booking that already has its visit keeps it: the unique constraint
    `visit_one_per_booking_and_kind` decides, also against a concurrent check-in (which this waits for).
    One statement for all rows, and a second one only for the bookings that had their visit already.
    """
    rows = list(rows)
    if not rows:
        return {}
    booking_ids, patient_ids, unit_ids, starts = (list(column) for column in zip(*rows, strict=True))
    visits = dict(
        insert_rows(
            Visit,
            columns={
                "booking_id": booking_ids,
                "patient_id": patient_ids,
                "unit_id": unit_ids,
                "started_at": starts,
            },
            constants={"kind": kind, "started_by_id": getattr(user, "pk", None)},
            conflict="(booking_id, kind) DO NOTHING",
            returning=("booking_id", "id"),
        )
    )
    # Only the bookings that had their visit already are read back (none on a first run).
    existing = [booking_id for booking_id in booking_ids if booking_id not in visits]
    if existing:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT booking_id, id FROM {Visit._meta.db_table} WHERE kind = %s AND booking_id = ANY(%s::bigint[])",  # noqa: S608
                [kind, array_param(existing)],
            )
            visits.update(cursor.fetchall())
    return visits


def questionnaire_current() -> Questionnaire:
    return ensure_current()


def declaration_flagged(questionnaire: Questionnaire, answers: dict) -> bool:
    return any(q.get("flag_if") and answers.get(q["key"]) == q["flag_if"] for q in questionnaire.questions)


@transaction.atomic
def declaration_record(
    *, visit: Visit, user, answers: dict, supersedes_id=None, previsit_id=None
) -> HealthDeclaration:
    """Record the visit's health declaration, or a corrected version of the current one.

    A correction names the version it replaces; if someone else corrected it first, the form is stale
    and the correction is refused (the earlier text is never lost).
    """
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if visit.kind != VisitKind.VACCINATION:
        raise JournalError(_("Hälsodeklaration registreras bara på vaccinationsbesök."))
    current = selectors.current_declaration(visit)
    supersedes = None
    if current is not None:
        if str(current.pk) != str(supersedes_id or ""):
            raise JournalError(
                _(
                    "Hälsodeklarationen har redan registrerats eller rättats av %(who)s %(when)s. "
                    "Läs den aktuella versionen innan du rättar."
                )
                % {
                    "who": current.signature,
                    "when": timezone.localtime(current.recorded_at).strftime("%Y-%m-%d %H:%M"),
                }
            )
        supersedes = current
    elif supersedes_id:
        raise JournalError(_("Den hälsodeklaration du rättar finns inte på besöket."))
    questionnaire = current.questionnaire if current else questionnaire_current()
    previsit = None
    if previsit_id and visit.booking_id:
        # A15: the nurse went through the resident's own answers; they stay beside this one, unchanged.
        previsit = PreVisitDeclaration.objects.filter(
            pk=previsit_id, booking_id=visit.booking_id, patient_id=visit.patient_id
        ).first()
    declaration = HealthDeclaration.objects.create(
        previsit=previsit,
        visit=visit,
        questionnaire=questionnaire,
        answers=answers,
        flagged=declaration_flagged(questionnaire, answers),
        recorded_by=user,
        signature=user.signature,
        supersedes=supersedes,
    )
    return declaration


@transaction.atomic
def checks_confirm(*, visit: Visit, user, unit, fingerprint: str) -> CheckConfirmation:
    """Store that `user` saw the five checks. Refused when the screen they saw is no longer current."""
    visit = Visit.objects.select_for_update().select_related("patient").get(pk=visit.pk)
    checks = selectors.visit_checks(visit, user=user, unit=unit, to_sign=True)
    if checks.declaration is None:
        raise JournalError(_("Registrera hälsodeklarationen innan du bekräftar kontrollerna."))
    if fingerprint != checks.fingerprint:
        raise JournalError(
            _("Journalen har ändrats sedan sidan visades. Läs igenom kontrollerna igen och bekräfta på nytt.")
        )
    return CheckConfirmation.objects.create(
        visit=visit,
        confirmed_by=user,
        signature=user.signature,
        shown=checks.shown,
        fingerprint=checks.fingerprint,
    )
