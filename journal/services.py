"""Write operations of the journal."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from journal import schedule, selectors
from journal.identity import ParsedIdentity
from journal.models import (
    AssessmentOutcome,
    AttentionSignal,
    AttentionSignalInactivation,
    Batch,
    CheckConfirmation,
    EmergencyAccess,
    HealthDeclaration,
    Note,
    NoteComment,
    NoteKind,
    Order,
    OrderEnteredInError,
    Patient,
    Questionnaire,
    SharedRecordBlock,
    SharedRecordConsent,
    SignalDocumented,
    SignalKind,
    Vaccination,
    VaccinationEnteredInError,
    VaccinationStatus,
    Visit,
    VisitKind,
)
from journal.signals import vaccination_entered_in_error, vaccination_registered
from mittvaccin.rights import Right


class JournalError(Exception):
    """A refusal the user must read: `message` is the Swedish text; `field` the form field it concerns."""

    def __init__(self, message: str, field: str | None = None, existing=None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.existing = existing


# Times given are compared with the clock with this tolerance (the nurse's watch, a slow form).
FUTURE_TOLERANCE = dt.timedelta(minutes=2)


def _require(user, right: str, message: str) -> None:
    if not user.has_right(right):
        raise JournalError(message)


class PatientExists(Exception):
    def __init__(self, patient):
        super().__init__(_("Patienten finns redan."))
        self.patient = patient


@transaction.atomic
def patient_create(*, caregiver, identity: ParsedIdentity, **fields) -> Patient:
    """Register a patient in the caregiver's journal; a second registration of the number is refused."""
    patient = Patient(
        caregiver=caregiver,
        identity_kind=identity.kind,
        identity_number=identity.value,
        **fields,
    )
    if identity.birth_date:
        patient.birth_date = identity.birth_date
        patient.sex = identity.sex
    if patient.protected_identity:
        patient.blank_contact_details()
    existing = Patient.objects.filter(
        caregiver=caregiver,
        identity_kind=patient.identity_kind,
        identity_number=patient.identity_number,
        reserve_number_region=patient.reserve_number_region,
    ).first()
    if existing:
        raise PatientExists(existing)
    try:
        with transaction.atomic():
            patient.save()
    except IntegrityError:
        # Two clerks registering the same person at the same moment: the constraint decides.
        raise PatientExists(
            Patient.objects.get(
                caregiver=caregiver,
                identity_kind=patient.identity_kind,
                identity_number=patient.identity_number,
                reserve_number_region=patient.reserve_number_region,
            )
        ) from None
    return patient


@transaction.atomic
def patient_update_contact(*, patient: Patient, data: dict) -> Patient:
    """Names and contact details. For a protected patient contact details are never stored (R7)."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    for field, value in data.items():
        setattr(patient, field, value)
    if patient.protected_identity:
        patient.blank_contact_details()
    patient.save()
    return patient


@transaction.atomic
def visit_open(*, patient: Patient, unit, user=None, kind=None, booking_id=None, started_at=None) -> Visit:
    """Open a visit for the patient at a unit of the patient's caregiver.

    Opening twice for the same booking returns the visit already opened (check-in clicked twice).
    """
    from django.utils import timezone

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


# --- Health declaration (R3) ------------------------------------------------------------------------


def questionnaire_current() -> Questionnaire:
    from journal.questionnaire import ensure_current

    return ensure_current()


def declaration_flagged(questionnaire: Questionnaire, answers: dict) -> bool:
    return any(q.get("flag_if") and answers.get(q["key"]) == q["flag_if"] for q in questionnaire.questions)


@transaction.atomic
def declaration_record(*, visit: Visit, user, answers: dict, supersedes_id=None) -> HealthDeclaration:
    """Record the visit's health declaration, or a corrected version of the current one.

    A correction names the version it replaces; if someone else corrected it first, the form is stale
    and the correction is refused (the earlier text is never lost).
    """
    _require(user, Right.VACCINATION_REGISTER, _("Du saknar behörighet att registrera hälsodeklarationer."))
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
    declaration = HealthDeclaration.objects.create(
        visit=visit,
        questionnaire=questionnaire,
        answers=answers,
        flagged=declaration_flagged(questionnaire, answers),
        recorded_by=user,
        signature=user.signature,
        supersedes=supersedes,
    )
    return declaration


# --- The checks (R6) ----------------------------------------------------------------------------------


@transaction.atomic
def checks_confirm(*, visit: Visit, user, unit, fingerprint: str) -> CheckConfirmation:
    """Store that `user` saw the five checks. Refused when the screen they saw is no longer current."""
    _require(
        user, Right.VACCINATION_REGISTER, _("Du saknar behörighet att göra kontrollerna före vaccination.")
    )
    visit = Visit.objects.select_for_update().select_related("patient").get(pk=visit.pk)
    checks = selectors.visit_checks(visit, user=user, unit=unit)
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


# --- Orders (R2) --------------------------------------------------------------------------------------


@transaction.atomic
def order_create(
    *,
    patient: Patient,
    user,
    unit,
    product,
    dose_ml: Decimal,
    doses_total: int,
    valid_until: dt.date,
    schedule_text: str = "",
    instructions: str = "",
    visit: Visit | None = None,
) -> Order:
    """An order signed by `user`, who must hold the ordering right, at a unit of their caregiver."""
    _require(user, Right.VACCINE_ORDER, _("Du saknar behörighet att ordinera vaccin."))
    if unit is None or unit.caregiver_id != user.caregiver_id or patient.caregiver_id != user.caregiver_id:
        raise JournalError(_("Ordinationen måste göras på en enhet hos din egen vårdgivare."))
    if visit is not None and visit.patient_id != patient.pk:
        raise JournalError(_("Besöket tillhör en annan patient."))
    if valid_until < timezone.localdate():
        raise JournalError(_("Sista giltighetsdag kan inte ligga bakåt i tiden."), field="valid_until")
    if not 1 <= doses_total <= 10:
        raise JournalError(_("Antal doser ska vara mellan 1 och 10."), field="doses_total")
    return Order.objects.create(
        caregiver_id=user.caregiver_id,
        patient=patient,
        product=product,
        dose_ml=dose_ml,
        doses_total=doses_total,
        schedule=schedule_text,
        instructions=instructions,
        valid_until=valid_until,
        ordered_by=user,
        signature=user.signature,
        unit=unit,
        visit=visit,
    )


@transaction.atomic
def order_enter_in_error(*, order: Order, user, reason: str) -> OrderEnteredInError:
    _require(user, Right.VACCINE_ORDER, _("Du saknar behörighet att makulera ordinationer."))
    if not reason.strip():
        raise JournalError(_("Ange skälet."), field="reason")
    order = Order.objects.select_for_update().get(pk=order.pk)
    if OrderEnteredInError.objects.filter(order=order).exists():
        raise JournalError(_("Ordinationen är redan makulerad."))
    return OrderEnteredInError.objects.create(
        order=order, reason=reason.strip(), by=user, signature=user.signature
    )


# --- Vaccinations (R1) ------------------------------------------------------------------------------


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
    except IntegrityError as error:
        existing = _existing_by_key(vaccination.idempotency_key)
        if existing is not None:
            raise JournalError(_("Vaccinationen är redan signerad."), existing=existing) from error
        raise JournalError(
            _("Vaccinationen kunde inte sparas: uppgifterna hänger inte ihop. Inget sparades.")
        ) from error
    except DatabaseError as error:
        raise JournalError(
            _("Vaccinationen kunde inte sparas: uppgifterna hänger inte ihop. Inget sparades.")
        ) from error
    return vaccination


def _as_key(value):
    if not value:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


@transaction.atomic
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
    """
    key = _as_key(idempotency_key)
    existing = _existing_by_key(key)
    if existing is not None:
        raise JournalError(_("Vaccinationen är redan signerad."), existing=existing)
    _require(user, Right.VACCINATION_REGISTER, _("Du saknar behörighet att registrera vaccinationer."))
    now = timezone.now()
    # One dose at a time per visit: the order count and the checks are read and written under this lock.
    visit = Visit.objects.select_for_update().select_related("patient", "unit").get(pk=visit.pk)
    patient = visit.patient
    if visit.kind != VisitKind.VACCINATION:
        raise JournalError(_("Vaccinationer registreras bara på vaccinationsbesök."))
    if unit is None or unit.caregiver_id != patient.caregiver_id:
        raise JournalError(_("Välj en enhet hos patientens vårdgivare."))
    if given_at is None:
        raise JournalError(_("Ange när dosen gavs."), field="given_at")
    if given_at > now + FUTURE_TOLERANCE:
        raise JournalError(
            _("Tidpunkten ligger i framtiden. Ange när dosen faktiskt gavs."), field="given_at"
        )

    checks = selectors.visit_checks(visit, user=user, unit=unit, now=now)
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

    # R2: the order, locked so that two nurses cannot both give its last dose.
    if order is None:
        raise JournalError(
            _("Välj ordinationen dosen ges enligt. Utan ordination kan dosen inte ges."), field="order"
        )
    order = Order.objects.select_for_update().select_related("product", "ordered_by").get(pk=order.pk)
    if order.patient_id != patient.pk:
        raise JournalError(_("Ordinationen gäller en annan patient."), field="order")
    state = next((o for o in checks.orders if o.pk == order.pk), None)
    given_count = Vaccination.objects.filter(
        order=order, status=VaccinationStatus.GIVEN, entered_in_error__isnull=True
    ).count()
    if state is not None and state.withdrawn:
        raise JournalError(_("Ordinationen är makulerad och kan inte användas."), field="order")
    if given_count >= order.doses_total:
        raise JournalError(
            _("Alla %(n)d doser i ordinationen är redan givna. Ny ordination behövs.")
            % {"n": order.doses_total},
            field="order",
        )
    if order.valid_until < _local_date(given_at):
        raise JournalError(
            _("Ordinationen gällde till och med %(date)s. Ny ordination behövs.")
            % {"date": order.valid_until.isoformat()},
            field="order",
        )
    product = order.product

    # Batch: this caregiver's, of the ordered product, not expired on the day given.
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
    if batch.expiry_date < _local_date(given_at):
        raise JournalError(
            _("Batch %(lot)s gick ut %(date)s och får inte användas.")
            % {"lot": batch.lot_number, "date": batch.expiry_date.isoformat()},
            field="batch",
        )
    if not dose_ml or dose_ml <= 0:
        raise JournalError(_("Ange mängden i ml."), field="dose_ml")
    if not dose_number or not 1 <= dose_number <= 20:
        raise JournalError(_("Ange dosnummer (1–20)."), field="dose_number")

    # The schedule: too early or outside approved ages only with a stated reason, kept on the dose.
    previous = selectors.previous_dose(checks.schedule_history, product, before=given_at)
    verdict = schedule.check_dose(
        product=product,
        dose_number=dose_number,
        given_on=_local_date(given_at),
        previous_on=_local_date(previous.given_at) if previous else None,
        birth_date=patient.birth_date,
    )
    if verdict.deviations and not override_reason.strip():
        raise JournalError(
            " ".join(verdict.deviations) + " " + _("Ange skäl för att ge dosen ändå."),
            field="override_reason",
        )
    for person in (prepared_by, given_by):
        if person is not None and person.caregiver_id != patient.caregiver_id:
            raise JournalError(_("Personen finns inte hos vårdgivaren."))

    vaccination = _insert_vaccination(
        Vaccination(
            caregiver_id=order.ordered_by.caregiver_id,  # R1
            patient=patient,
            visit=visit,
            unit=unit,
            status=VaccinationStatus.GIVEN,
            product=product,
            batch=batch,
            lot_number=batch.lot_number,
            batch_expiry=batch.expiry_date,
            order=order,
            declaration=checks.declaration,
            check_confirmation=checks.confirmation,
            site=site,
            route=route,
            dose_ml=dose_ml,
            dose_amount=dose_amount,
            dose_number=dose_number,
            ordered_by=order.ordered_by,
            prepared_by=prepared_by or user,
            given_by=given_by or user,
            recorded_by=user,
            signature=user.signature,
            given_at=given_at,
            recorded_at=now,
            next_due_date=verdict.next_due,
            schedule_deviation=" ".join(verdict.deviations),
            override_reason=override_reason.strip() if verdict.deviations else "",
            comment=comment.strip(),
            idempotency_key=key,
        )
    )
    try:
        vaccination_registered.send(
            sender=Vaccination,
            vaccination=vaccination,
            visit=visit,
            user=user,
            billing_data=billing_data or {},
        )
    except ValidationError as error:
        # A receiver (billing) refused: the whole transaction, dose included, is rolled back.
        raise JournalError(" ".join(error.messages)) from error
    return vaccination


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
    existing = _existing_by_key(key)
    if existing is not None:
        raise JournalError(_("Det är redan registrerat."), existing=existing)
    _require(user, Right.VACCINATION_REGISTER, _("Du saknar behörighet att registrera vaccinationer."))
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
    existing = _existing_by_key(key)
    if existing is not None:
        raise JournalError(_("Det är redan registrerat."), existing=existing)
    _require(user, Right.VACCINATION_REGISTER, _("Du saknar behörighet att registrera vaccinationer."))
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
    _require(user, Right.VACCINATION_REGISTER, _("Du saknar behörighet att makulera vaccinationer."))
    if not reason.strip():
        raise JournalError(_("Ange skälet."), field="reason")
    vaccination = Vaccination.objects.select_for_update().get(pk=vaccination.pk)
    if VaccinationEnteredInError.objects.filter(vaccination=vaccination).exists():
        raise JournalError(_("Raden är redan markerad som felregistrerad."))
    mark = VaccinationEnteredInError.objects.create(
        vaccination=vaccination, reason=reason.strip(), by=user, signature=user.signature
    )
    try:
        vaccination_entered_in_error.send(
            sender=Vaccination, vaccination=vaccination, user=user, reason=mark.reason
        )
    except ValidationError as error:
        raise JournalError(" ".join(error.messages)) from error
    return mark


# --- Notes (R12) ------------------------------------------------------------------------------------


@transaction.atomic
def note_create(
    *,
    patient: Patient,
    user,
    text: str,
    kind: str = NoteKind.NOTE,
    outcome: str = "",
    visit=None,
    declaration=None,
) -> Note:
    """A signed note; an assessment (physicians: the assessment right) states whether to vaccinate."""
    _require(user, Right.JOURNAL_READ, _("Du saknar behörighet att skriva i journalen."))
    if not text.strip():
        raise JournalError(_("Skriv anteckningens text."), field="text")
    if kind == NoteKind.ASSESSMENT:
        _require(user, Right.ASSESSMENT_WRITE, _("Du saknar behörighet att skriva bedömningar."))
        if outcome not in AssessmentOutcome.values:
            raise JournalError(_("Ange om vaccination kan ges."), field="outcome")
    else:
        outcome = ""
    if declaration is not None:
        if declaration.visit.patient_id != patient.pk:
            raise JournalError(_("Hälsodeklarationen tillhör en annan patient."))
        visit = declaration.visit
        if HealthDeclaration.objects.filter(supersedes=declaration).exists():
            raise JournalError(
                _("Hälsodeklarationen har rättats sedan du öppnade den. Bedöm den aktuella versionen.")
            )
    if visit is not None and visit.patient_id != patient.pk:
        raise JournalError(_("Besöket tillhör en annan patient."))
    return Note.objects.create(
        patient=patient,
        visit=visit,
        declaration=declaration,
        kind=kind,
        outcome=outcome,
        text=text.strip(),
        author=user,
        author_role=user.get_profession_display(),
        signature=user.signature,
    )


@transaction.atomic
def note_correct(*, note: Note, user, text: str, reason: str, outcome: str | None = None) -> Note:
    """A new version of a note; the corrected version stays readable. Refused if someone corrected it first."""
    _require(user, Right.JOURNAL_READ, _("Du saknar behörighet att skriva i journalen."))
    if note.kind == NoteKind.ASSESSMENT:
        _require(user, Right.ASSESSMENT_WRITE, _("Du saknar behörighet att rätta bedömningar."))
    if not text.strip():
        raise JournalError(_("Skriv anteckningens text."), field="text")
    if not reason.strip():
        raise JournalError(_("Ange skälet till rättelsen."), field="reason")
    newer = Note.objects.filter(supersedes=note).first()
    if newer is not None:
        raise JournalError(
            _("Anteckningen har redan rättats av %(who)s %(when)s. Läs den nya versionen innan du rättar.")
            % {"who": newer.signature, "when": timezone.localtime(newer.signed_at).strftime("%Y-%m-%d %H:%M")}
        )
    outcome = (outcome or note.outcome) if note.kind == NoteKind.ASSESSMENT else ""
    try:
        with transaction.atomic():
            return Note.objects.create(
                patient_id=note.patient_id,
                visit_id=note.visit_id,
                declaration_id=note.declaration_id,
                kind=note.kind,
                outcome=outcome,
                text=text.strip(),
                author=user,
                author_role=user.get_profession_display(),
                signature=user.signature,
                root_id=note.thread_id,
                supersedes=note,
                correction_reason=reason.strip(),
            )
    except IntegrityError as error:
        # Two corrections of the same version at the same moment: the unique link keeps one.
        raise JournalError(
            _("Anteckningen har precis rättats av någon annan. Läs den nya versionen.")
        ) from error


@transaction.atomic
def note_comment(*, note: Note, user, text: str) -> NoteComment:
    _require(user, Right.JOURNAL_READ, _("Du saknar behörighet att kommentera."))
    if not text.strip():
        raise JournalError(_("Skriv kommentaren."), field="text")
    return NoteComment.objects.create(
        note=note, thread_id=note.thread_id, text=text.strip(), author=user, signature=user.signature
    )


# --- Attention signals (R13) ------------------------------------------------------------------------


@transaction.atomic
def signal_create(
    *,
    patient: Patient,
    user,
    kind: str,
    agent: str,
    reaction: str = "",
    severity: str = "",
    occurred_on: str = "",
    text: str = "",
) -> AttentionSignal:
    """An attention signal; its to-do "document in the main health record" opens with it."""
    _require(user, Right.JOURNAL_READ, _("Du saknar behörighet att registrera uppmärksamhetssignaler."))
    if not agent.strip():
        raise JournalError(_("Ange vad signalen gäller."), field="agent")
    if kind == SignalKind.HYPERSENSITIVITY and not severity:
        raise JournalError(_("Ange allvarlighetsgrad för överkänsligheten."), field="severity")
    return AttentionSignal.objects.create(
        patient=patient,
        kind=kind,
        agent=agent.strip(),
        reaction=reaction.strip(),
        severity=severity,
        occurred_on=occurred_on.strip(),
        text=text.strip(),
        recorded_by=user,
        signature=user.signature,
    )


@transaction.atomic
def signal_mark_documented(*, signal: AttentionSignal, user) -> SignalDocumented:
    _require(user, Right.JOURNAL_READ, _("Du saknar behörighet."))
    try:
        with transaction.atomic():
            return SignalDocumented.objects.create(signal=signal, by=user, signature=user.signature)
    except IntegrityError as error:
        done = SignalDocumented.objects.get(signal=signal)
        raise JournalError(
            _("Redan markerad som dokumenterad av %(who)s %(when)s.")
            % {"who": done.signature, "when": timezone.localtime(done.at).strftime("%Y-%m-%d %H:%M")}
        ) from error


@transaction.atomic
def signal_inactivate(*, signal: AttentionSignal, user, reason: str) -> AttentionSignalInactivation:
    _require(user, Right.ASSESSMENT_WRITE, _("Bara den som får skriva bedömningar kan inaktivera en signal."))
    if not reason.strip():
        raise JournalError(_("Ange skälet."), field="reason")
    try:
        with transaction.atomic():
            return AttentionSignalInactivation.objects.create(
                signal=signal, reason=reason.strip(), by=user, signature=user.signature
            )
    except IntegrityError as error:
        raise JournalError(_("Signalen är redan inaktiverad.")) from error


# --- The shared record (R4, R6) ---------------------------------------------------------------------


@transaction.atomic
def consent_record(*, patient: Patient, user, given: bool) -> SharedRecordConsent:
    _require(user, Right.JOURNAL_READ, _("Du saknar behörighet."))
    return SharedRecordConsent.objects.create(
        patient=patient, given=given, recorded_by=user, signature=user.signature
    )


@transaction.atomic
def block_record(
    *, patient: Patient, user, vaccination: Vaccination | None, reason: str = ""
) -> SharedRecordBlock:
    """At the patient's request, hide a dose (or the whole record) from other caregivers' shared record."""
    _require(user, Right.JOURNAL_READ, _("Du saknar behörighet."))
    if vaccination is not None and vaccination.patient_id != patient.pk:
        raise JournalError(_("Vaccinationen tillhör en annan patient."))
    return SharedRecordBlock.objects.create(
        patient=patient,
        vaccination=vaccination,
        reason=reason.strip(),
        recorded_by=user,
        signature=user.signature,
    )


@transaction.atomic
def block_lift(*, block: SharedRecordBlock, user) -> SharedRecordBlock:
    _require(user, Right.JOURNAL_READ, _("Du saknar behörighet."))
    if block.lifts_id is not None:
        raise JournalError(_("Det är ingen spärr."))
    try:
        with transaction.atomic():
            return SharedRecordBlock.objects.create(
                patient_id=block.patient_id,
                vaccination_id=block.vaccination_id,
                lifts=block,
                recorded_by=user,
                signature=user.signature,
            )
    except IntegrityError as error:
        raise JournalError(_("Spärren är redan hävd.")) from error


EMERGENCY_ACCESS_HOURS = 4


@transaction.atomic
def emergency_access_open(*, request, patient: Patient, reason: str) -> EmergencyAccess:
    """Open blocked shared-record information for this user and patient for a few hours, logged with the reason."""
    from mittvaccin.services import access_log_record

    _require(request.user, Right.JOURNAL_READ, _("Du saknar behörighet."))
    if len(reason.strip()) < 10:
        raise JournalError(_("Beskriv skälet till nödåtkomst (minst 10 tecken)."), field="reason")
    access = EmergencyAccess.objects.create(
        patient=patient,
        user=request.user,
        unit=getattr(request, "unit", None),
        reason=reason.strip(),
        valid_until=timezone.now() + dt.timedelta(hours=EMERGENCY_ACCESS_HOURS),
    )
    access_log_record(
        request=request, patient=patient, what=_("Nödåtkomst, sammanhållen journal"), reason=reason.strip()
    )
    return access
