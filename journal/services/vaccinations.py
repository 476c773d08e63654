"""Vaccinations (R1): a dose given here, not given, given elsewhere, entered in error."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from journal import schedule, selectors
from journal import stock as stock_ledger
from journal.catalogue import version_id_of
from journal.models import (
    AssessmentOutcome,
    Batch,
    Order,
    Patient,
    Vaccination,
    VaccinationEnteredInError,
    VaccinationStatus,
    Visit,
    VisitKind,
)
from journal.services.common import FUTURE_TOLERANCE, JournalError
from journal.signals import vaccination_entered_in_error, vaccination_registered
from mittvaccin.refusals import Refusal


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _existing_by_key(key):
    if not key:
        return None
    return Vaccination.objects.filter(idempotency_key=key).first()


def _insert_vaccination(vaccination: Vaccination) -> Vaccination:
    """Insert the signed row; the database's constraints and trigger are the last line of defence."""
    try:
        with transaction.atomic():
            vaccination.save(force_insert=True)
    except DatabaseError as error:
        raise _not_saved(error, vaccination.idempotency_key) from error
    return vaccination


class _InsertRefused(JournalError):
    """The database refused the dose's INSERT inside the dose's transaction, which is then unusable:
    the refusal is told once the transaction is undone (`_not_saved`, which may say "already signed").
    A refusal itself, so that should it ever reach a view it reads as one."""

    def __init__(self, error: DatabaseError):
        super().__init__(_not_saved_text())
        self.error = error


def _not_saved_text() -> str:
    return _("Vaccinationen kunde inte sparas: uppgifterna hänger inte ihop. Inget sparades.")


def _not_saved(error: DatabaseError, key) -> JournalError:
    """The refusal of an INSERT the database said no to: "already signed" when the key was used (the
    same form sent twice), else that the parts do not fit together. Reads, so only where the
    transaction is usable."""
    existing = _existing_by_key(key) if isinstance(error, IntegrityError) else None
    if existing is not None:
        return JournalError(_("Vaccinationen är redan signerad."), existing=existing)
    return JournalError(_not_saved_text())


def _as_key(value):
    if not value:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


@dataclass(frozen=True)
class DoseEntry:
    """One dose as the nurse signs it: what the dose form says, before any rule has looked at it."""

    order: Order | None
    batch: Batch | None
    site: str
    route: str
    dose_ml: Decimal
    dose_amount: str
    dose_number: int
    given_at: dt.datetime | None
    prepared_by: object = None
    given_by: object = None
    override_reason: str = ""
    comment: str = ""

    @property
    def given_on(self) -> dt.date:
        return _local_date(self.given_at)


def vaccination_register(
    *,
    visit: Visit,
    user,
    unit,
    order: Order,
    batch: Batch,
    site: str,
    route: str,
    dose_ml: Decimal,
    dose_amount: str,
    dose_number: int,
    given_at: dt.datetime,
    prepared_by=None,
    given_by=None,
    override_reason: str = "",
    comment: str = "",
    idempotency_key=None,
    billing_data: dict | None = None,
) -> Vaccination:
    """Register and sign one dose given at `visit`.

    Refused, with nothing saved, without the visit's declaration (R3), a physician's clearance of a
    flagged declaration, current confirmed checks (R6), an open order of the patient (R2), a batch of
    the order's product that has not expired, or with a time in the future. Giving a dose earlier than
    the schedule allows or outside the approved ages needs `override_reason`. The dose belongs to the
    caregiver of the ordering staff member (R1). `vaccination_registered` is sent inside the transaction.
    The same form sent twice (its `idempotency_key`) signs one dose; the second answer points at it.
    """
    key = _as_key(idempotency_key)
    entry = DoseEntry(
        order=order,
        batch=batch,
        site=site,
        route=route,
        dose_ml=dose_ml,
        dose_amount=dose_amount,
        dose_number=dose_number,
        given_at=given_at,
        prepared_by=prepared_by,
        given_by=given_by,
        override_reason=override_reason,
        comment=comment,
    )
    try:
        with transaction.atomic():
            return _register(entry, visit=visit, user=user, unit=unit, key=key, billing_data=billing_data)
    except _InsertRefused as refused:
        # The INSERT had no savepoint of its own (two round trips a dose): the transaction is undone
        # now, and the key can be looked up.
        raise _not_saved(refused.error, key) from refused.error


def _register(entry: DoseEntry, *, visit: Visit, user, unit, key, billing_data) -> Vaccination:
    """The dose's transaction: the rules in the order the nurse would be told, then the signed row."""
    now = timezone.now()
    # One dose at a time per visit: the order count and the checks are read and written under this lock.
    # Only the visit's row: a plain FOR UPDATE with select_related would also lock the unit (every dose
    # there, and each stock movement's key check, would queue behind it) and the patient.
    visit = Visit.objects.select_for_update(of=("self",)).select_related("patient", "unit").get(pk=visit.pk)
    _check_visit_and_time(visit, unit=unit, entry=entry, now=now)
    locked_order = _lock_order(entry)
    # R6's reads come after both locks: each is a statement of its own, so it sees every dose and
    # withdrawal committed before the lock was granted (the order's count of given doses included).
    checks = selectors.visit_checks(visit, user=user, unit=unit, now=now, to_sign=True)
    _refuse_if_signed_before(key, checks.history)
    _check_before_vaccination(checks)
    order = _check_order(entry, locked_order, patient=visit.patient, checks=checks)
    _check_stock(entry, patient=visit.patient, product=order.product, unit=unit)
    _check_amount(entry)
    verdict = _check_schedule(entry, patient=visit.patient, product=order.product, checks=checks)
    _check_staff(entry, patient=visit.patient)
    vaccination = _insert_signed(
        _signed_dose(
            entry,
            visit=visit,
            unit=unit,
            user=user,
            order=order,
            checks=checks,
            verdict=verdict,
            now=now,
            key=key,
        )
    )
    # A2: one dose out of the unit's stock of the lot, in this transaction (its balance row is locked).
    stock_ledger.dose_take(vaccination=vaccination, user=user, checked=True)
    _announce_registered(vaccination, visit=visit, user=user, billing_data=billing_data)
    return vaccination


def _refuse_if_signed_before(key, history) -> None:
    """The same form sent twice: the first dose is among the patient's rows, read under the visit's
    lock, so a second sending that waited for the first finds it here. A key used for another
    patient's row is left to the unique constraint (`_not_saved`)."""
    if key is None:
        return
    existing = next((v for v in history if v.idempotency_key == key), None)
    if existing is not None:
        raise JournalError(_("Vaccinationen är redan signerad."), existing=existing)


def _insert_signed(vaccination: Vaccination) -> Vaccination:
    """The dose's INSERT, without a savepoint: a refusal undoes the whole dose transaction anyway."""
    try:
        vaccination.save(force_insert=True)
    except DatabaseError as error:
        raise _InsertRefused(error) from error
    return vaccination


def _refuse_if_already_signed(key, message=None) -> None:
    """The same form sent twice records one row: the second answer points at the first."""
    existing = _existing_by_key(key)
    if existing is not None:
        raise JournalError(message or _("Vaccinationen är redan signerad."), existing=existing)


def _check_visit_and_time(visit: Visit, *, unit, entry: DoseEntry, now) -> None:
    """A vaccination visit, at a unit of the patient's caregiver, at a time that has passed."""
    if visit.kind != VisitKind.VACCINATION:
        raise JournalError(_("Vaccinationer registreras bara på vaccinationsbesök."))
    if unit is None or unit.caregiver_id != visit.patient.caregiver_id:
        raise JournalError(_("Välj en enhet hos patientens vårdgivare."))
    if entry.given_at is None:
        raise JournalError(_("Ange när dosen gavs."), field="given_at")
    if entry.given_at > now + FUTURE_TOLERANCE:
        raise JournalError(
            _("Tidpunkten ligger i framtiden. Ange när dosen faktiskt gavs."), field="given_at"
        )


def _check_before_vaccination(checks: selectors.VisitChecks) -> None:
    """R3 and R6: the declaration, a physician's clearance of flagged answers, and current confirmed checks."""
    if checks.declaration is None:
        raise JournalError(_("Hälsodeklaration saknas för besöket. Registrera den innan vaccinationen."))
    if checks.needs_assessment:
        raise JournalError(
            _(
                "Hälsodeklarationen har svar som läkaren ska bedöma. Vänta på läkarens bedömning innan du vaccinerar."
            )
        )
    if checks.assessment is not None and checks.assessment.outcome == AssessmentOutcome.DO_NOT_VACCINATE:
        raise JournalError(_("Läkaren har bedömt att vaccination inte ska ges. Ingen dos registrerades."))
    if checks.confirmation is None:
        raise JournalError(_("Bekräfta kontrollerna före vaccination innan du signerar dosen."))
    if not checks.confirmed:
        raise JournalError(
            _(
                "Ny information har tillkommit sedan kontrollerna bekräftades. Gör om kontrollerna innan du signerar."
            )
        )


def _lock_order(entry: DoseEntry) -> Order | None:
    """R2: the order's row, locked so that two nurses cannot both give its last dose. Only the order's
    row, not the catalogue product's or the orderer's account (see the visit's lock)."""
    if entry.order is None:
        return None
    return (
        Order.objects.select_for_update(of=("self",))
        .select_related("product", "ordered_by")
        .get(pk=entry.order.pk)
    )


def _check_order(entry: DoseEntry, order: Order | None, *, patient: Patient, checks) -> Order:
    """R2: an order of this patient, not withdrawn, with a dose left, valid on the day given."""
    if order is None:
        raise JournalError(
            _("Välj ordinationen dosen ges enligt. Utan ordination kan dosen inte ges."), field="order"
        )
    if order.patient_id != patient.pk:
        raise JournalError(_("Ordinationen gäller en annan patient."), field="order")
    # The patient's orders were read after the order's lock: its count of given doses is current.
    state = next(o for o in checks.orders if o.pk == order.pk)
    if state.withdrawn:
        raise JournalError(_("Ordinationen är makulerad och kan inte användas."), field="order")
    if state.doses_given >= order.doses_total:
        raise JournalError(
            _("Alla %(n)d doser i ordinationen är redan givna. Ny ordination behövs.")
            % {"n": order.doses_total},
            field="order",
        )
    if order.valid_until < entry.given_on:
        raise JournalError(
            _("Ordinationen gällde till och med %(date)s. Ny ordination behövs.")
            % {"date": order.valid_until.isoformat()},
            field="order",
        )
    return order


def _check_stock(entry: DoseEntry, *, patient: Patient, product, unit) -> None:
    """The batch: this caregiver's, of the ordered product, not expired on the day given, and in the unit's
    stock (A2: its balance row stays locked until the dose has taken from it, after the insert).
    """
    batch = entry.batch
    if batch is None:
        raise JournalError(_("Välj batch."), field="batch")
    if batch.caregiver_id != patient.caregiver_id:
        raise JournalError(_("Batchen finns inte hos vårdgivaren."), field="batch")
    if batch.product_id != product.pk:
        raise JournalError(
            _("Batch %(lot)s är av %(other)s, inte av det ordinerade vaccinet %(product)s.")
            % {"lot": batch.lot_number, "other": batch.product.name, "product": product.name},
            field="batch",
        )
    if batch.expiry_date < entry.given_on:
        raise JournalError(
            _("Batch %(lot)s gick ut %(date)s och får inte användas.")
            % {"lot": batch.lot_number, "date": batch.expiry_date.isoformat()},
            field="batch",
        )
    stock_ledger.dose_available(unit=unit, batch=batch)


def _check_amount(entry: DoseEntry) -> None:
    """An amount in ml and a dose number the schedule knows."""
    if not entry.dose_ml or entry.dose_ml <= 0:
        raise JournalError(_("Ange mängden i ml."), field="dose_ml")
    if not entry.dose_number or not 1 <= entry.dose_number <= 20:
        raise JournalError(_("Ange dosnummer (1–20)."), field="dose_number")


def _check_schedule(entry: DoseEntry, *, patient: Patient, product, checks) -> schedule.ScheduleCheck:
    """Too early in the series or outside the approved ages only with a stated reason, kept on the dose."""
    previous = selectors.previous_dose(checks.schedule_history, product, before=entry.given_at)
    verdict = schedule.check_dose(
        product=product,
        dose_number=entry.dose_number,
        given_on=entry.given_on,
        previous_on=_local_date(previous.given_at) if previous else None,
        birth_date=patient.birth_date,
    )
    if verdict.deviations and not entry.override_reason.strip():
        raise JournalError(
            " ".join(verdict.deviations) + " " + _("Ange skäl för att ge dosen ändå."),
            field="override_reason",
        )
    return verdict


def _check_staff(entry: DoseEntry, *, patient: Patient) -> None:
    """Who prepared and who gave the dose work at the patient's caregiver."""
    for person in (entry.prepared_by, entry.given_by):
        if person is not None and person.caregiver_id != patient.caregiver_id:
            raise JournalError(_("Personen finns inte hos vårdgivaren."))


def _signed_dose(entry: DoseEntry, *, visit, unit, user, order, checks, verdict, now, key) -> Vaccination:
    """The row as signed: R1's caregiver, the batch as it was, the checks it was given after."""
    batch = entry.batch
    return Vaccination(
        caregiver_id=order.ordered_by.caregiver_id,  # R1
        patient=visit.patient,
        visit=visit,
        unit=unit,
        status=VaccinationStatus.GIVEN,
        product=order.product,
        product_version_id=version_id_of(order.product),  # A1: what the dose shows, whatever changes later
        batch=batch,
        lot_number=batch.lot_number,
        batch_expiry=batch.expiry_date,
        order=order,
        declaration=checks.declaration,
        check_confirmation=checks.confirmation,
        site=entry.site,
        route=entry.route,
        dose_ml=entry.dose_ml,
        dose_amount=entry.dose_amount,
        dose_number=entry.dose_number,
        ordered_by=order.ordered_by,
        prepared_by=entry.prepared_by or user,
        given_by=entry.given_by or user,
        recorded_by=user,
        signature=user.signature,
        given_at=entry.given_at,
        recorded_at=now,
        next_due_date=verdict.next_due,
        schedule_deviation=" ".join(verdict.deviations),
        override_reason=entry.override_reason.strip() if verdict.deviations else "",
        comment=entry.comment.strip(),
        idempotency_key=key,
    )


def _announce_registered(vaccination: Vaccination, *, visit, user, billing_data) -> None:
    """`vaccination_registered`, inside the transaction: a receiver's refusal (billing) undoes the dose."""
    try:
        vaccination_registered.send(
            sender=Vaccination,
            vaccination=vaccination,
            visit=visit,
            user=user,
            billing_data=billing_data or {},
        )
    except Refusal as error:
        # A receiver (billing) refused: the whole transaction, dose included, is rolled back.
        raise JournalError(error.message, code=error.code) from error


@transaction.atomic
def vaccination_not_given(
    *,
    visit: Visit,
    user,
    unit,
    reason: str,
    product=None,
    order=None,
    comment: str = "",
    idempotency_key=None,
) -> Vaccination:
    """Record that a planned dose was not given, and why (declined, contraindication, unwell, did not come)."""
    key = _as_key(idempotency_key)
    _refuse_if_already_signed(key, _("Det är redan registrerat."))
    visit = Visit.objects.select_for_update().select_related("patient").get(pk=visit.pk)
    if not reason:
        raise JournalError(_("Välj skälet till att dosen inte gavs."), field="reason")
    if order is not None:
        if order.patient_id != visit.patient_id:
            raise JournalError(_("Ordinationen gäller en annan patient."), field="order")
        product = order.product
    if product is None:
        raise JournalError(_("Välj vilket vaccin som inte gavs."), field="product")
    now = timezone.now()
    return _insert_vaccination(
        Vaccination(
            caregiver_id=visit.patient.caregiver_id,
            patient=visit.patient,
            visit=visit,
            unit=unit,
            status=VaccinationStatus.NOT_GIVEN,
            product=product,
            product_version_id=version_id_of(product),
            order=order,
            ordered_by=order.ordered_by if order else None,
            not_given_reason=reason,
            comment=comment.strip(),
            recorded_by=user,
            signature=user.signature,
            given_at=now,
            recorded_at=now,
            idempotency_key=key,
        )
    )


@transaction.atomic
def vaccination_record_elsewhere(
    *,
    patient: Patient,
    user,
    given_on: dt.date,
    product=None,
    product_text: str = "",
    place: str = "",
    dose_number: int | None = None,
    lot_number: str = "",
    comment: str = "",
    idempotency_key=None,
) -> Vaccination:
    """An earlier dose given at another caregiver or abroad, as told or documented; no batch required."""
    key = _as_key(idempotency_key)
    _refuse_if_already_signed(key, _("Det är redan registrerat."))
    if product is None and not product_text.strip():
        raise JournalError(_("Välj vaccin eller skriv vilket vaccin som gavs."), field="product")
    if given_on is None or given_on > timezone.localdate():
        raise JournalError(_("Datumet ligger i framtiden."), field="given_on")
    if patient.birth_date and given_on < patient.birth_date:
        raise JournalError(_("Datumet ligger före patientens födelsedatum."), field="given_on")
    now = timezone.now()
    given_at = timezone.make_aware(dt.datetime.combine(given_on, dt.time(12, 0)))
    if given_at > now:
        given_at = now
    next_due = None
    if product is not None and dose_number:
        next_due = schedule.next_due_date(product, dose_number, given_on)
    return _insert_vaccination(
        Vaccination(
            caregiver_id=patient.caregiver_id,
            patient=patient,
            status=VaccinationStatus.GIVEN_ELSEWHERE,
            product=product,
            product_version_id=version_id_of(product) if product is not None else None,
            product_text=product_text.strip(),
            lot_number=lot_number.strip(),
            dose_number=dose_number,
            elsewhere_place=place.strip(),
            comment=comment.strip(),
            recorded_by=user,
            signature=user.signature,
            given_at=given_at,
            recorded_at=now,
            next_due_date=next_due,
            idempotency_key=key,
        )
    )


@transaction.atomic
def vaccination_enter_in_error(*, vaccination: Vaccination, user, reason: str) -> VaccinationEnteredInError:
    """Mark a dose row entered in error: it stays readable, no longer counts, and receivers may undo charges."""
    if not reason.strip():
        raise JournalError(_("Ange skälet."), field="reason")
    vaccination = Vaccination.objects.select_for_update().get(pk=vaccination.pk)
    if VaccinationEnteredInError.objects.filter(vaccination=vaccination).exists():
        raise JournalError(_("Raden är redan markerad som felregistrerad."))
    mark = VaccinationEnteredInError.objects.create(
        vaccination=vaccination, reason=reason.strip(), by=user, signature=user.signature
    )
    # A2: the correction returns the dose to the stock it was taken from.
    stock_ledger.dose_return(vaccination=vaccination, user=user)
    try:
        vaccination_entered_in_error.send(
            sender=Vaccination, vaccination=vaccination, user=user, reason=mark.reason
        )
    except Refusal as error:
        raise JournalError(error.message, code=error.code) from error
    return mark
