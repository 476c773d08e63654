"""Protected identity after registration (R7, A5): marking, lifting, and the register's answer.

Protection is one fact on the patient row (`Patient.protected_identity`), whatever its source. This
module is the only place that changes it, and the only place that acts on the population register's
answer about it:

- `protection_check_register` asks the register about a person; when the register says "protected",
  every caregiver's patient row for that identity is marked (protection is a fact about the person,
  not about one journal). Registration, the public booking, every message to a patient, invoicing and
  the nightly check call it before they rely on the fact.
- `protection_mark` marks by hand (with a reason) or from a register answer. Marking removes every
  contact detail: from the patient row, from bookings and from the recipients of sent messages (the
  receivers of `journal.signals.patient_protected` do their apps' part in the same transaction).
- `protection_lift` lifts a marking at this caregiver, with a reason and the register's answer that
  the person is no longer protected.

Each change is an append-only `ProtectionChange` row, shown in the patient's history.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from journal.identity import IdentityKind
from journal.models import Patient, ProtectionChange
from journal.population_register import RegisterUnavailable, lookup_many, population_register
from journal.services.common import JournalError
from journal.signals import patient_protected
from mittvaccin.messaging import message_recipients_forget

REASON_MIN_LENGTH = 5
CONTACT_FIELDS = ("address", "postal_code", "city", "phone", "email")
# Register look-ups per round trip in the nightly check.
SWEEP_CHUNK = 500


def _registered_kind(kind: str) -> bool:
    # A reserve number is the caregiver's own: the register knows nobody by it.
    return kind in (IdentityKind.PERSONNUMMER, IdentityKind.SAMORDNINGSNUMMER)


def _register_answer_text(protected: bool) -> str:
    when = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    if protected:
        return _("Folkbokföringen: skyddad identitet (svar %(when)s)") % {"when": when}
    return _("Folkbokföringen: ingen skyddad identitet (svar %(when)s)") % {"when": when}


def _removed_text(row: Patient) -> list[str]:
    labels = {
        "address": _("adress"),
        "postal_code": _("postnummer"),
        "city": _("ort"),
        "phone": _("telefon"),
        "email": _("e-post"),
    }
    return [str(labels[name]) for name in CONTACT_FIELDS if getattr(row, name)]


def _mark_row(row: Patient, *, source: str, user, reason: str, register_answer: str) -> ProtectionChange:
    """Mark one locked, not yet protected row and remove every contact detail stored about the person."""
    removed = _removed_text(row)
    row.blank_contact_details()
    row.protected_identity = True
    row.save(update_fields=["protected_identity", *CONTACT_FIELDS])
    for _receiver, said in patient_protected.send(sender=Patient, patient=row):
        if said:
            removed.append(str(said))
    messages = message_recipients_forget(caregiver_ids=[row.caregiver_id], patient_ids=[row.pk])
    if messages:
        removed.append(_("mottagare av %(n)s skickade meddelanden") % {"n": messages})
    return ProtectionChange.objects.create(
        patient=row,
        action=ProtectionChange.Action.MARKED,
        source=source,
        reason=reason,
        register_answer=register_answer,
        removed=", ".join(removed)[:300],
        user=user,
        signature=user.signature if user is not None else "",
    )


def _same_person(patient: Patient):
    """Every caregiver's row for the person, locked in id order (two markings never deadlock)."""
    if not _registered_kind(patient.identity_kind):
        rows = Patient.objects.filter(pk=patient.pk)
    else:
        rows = Patient.objects.filter(
            identity_kind=patient.identity_kind, identity_number=patient.identity_number
        )
    return list(rows.select_for_update().order_by("pk"))


@transaction.atomic
def protection_mark(
    *,
    patient: Patient,
    user,
    reason: str = "",
    source: str = ProtectionChange.Source.MANUAL,
    register_answer="",
) -> ProtectionChange:
    """Mark the patient protected, here and at every caregiver that has the person (R7, A5).

    By hand (`source` manual) a reason is required. The other caregivers' rows are marked too, with the
    source "marked at another caregiver" and without the name of whoever marked it here.
    """
    reason = (reason or "").strip()
    if source == ProtectionChange.Source.MANUAL and len(reason) < REASON_MIN_LENGTH:
        raise JournalError(
            _("Skriv varför patienten markeras (minst %(n)s tecken).") % {"n": REASON_MIN_LENGTH},
            field="reason",
        )
    rows = _same_person(patient)
    here = next(row for row in rows if row.pk == patient.pk)
    if here.protected_identity:
        raise JournalError(_("Patienten är redan markerad med skyddad identitet."))
    change = _mark_row(here, source=source, user=user, reason=reason, register_answer=register_answer)
    _mark_others(rows, here, from_register=source == ProtectionChange.Source.REGISTER, answer=register_answer)
    return change


def _mark_others(rows, here, *, from_register: bool, answer: str) -> None:
    source = ProtectionChange.Source.REGISTER if from_register else ProtectionChange.Source.OTHER_CAREGIVER
    for row in rows:
        if row.pk != here.pk and not row.protected_identity:
            _mark_row(row, source=source, user=None, reason="", register_answer=answer)


@transaction.atomic
def protection_mark_elsewhere(patient: Patient) -> None:
    """A row registered as protected: the person's rows at other caregivers are marked too."""
    rows = _same_person(patient)
    _mark_others(rows, patient, from_register=False, answer="")


def protected_elsewhere(*, identity_kind: str, identity_number: str) -> bool:
    """Whether any caregiver's row for the person is marked (a marking by hand counts everywhere)."""
    if not _registered_kind(identity_kind):
        return False
    return Patient.objects.filter(
        identity_kind=identity_kind, identity_number=identity_number, protected_identity=True
    ).exists()


def person_is_protected(*, identity_kind: str, identity_number: str) -> bool:
    """Whether the person has protected identity: the register says so (and every caregiver's row of
    them is then marked), or a caregiver marked them by hand. For pages about a person who need not be
    anyone's patient yet (a resident signed in with e-identification)."""
    return protection_check_register(
        identity_kind=identity_kind, identity_number=identity_number
    ) or protected_elsewhere(identity_kind=identity_kind, identity_number=identity_number)


def protection_check_register(*, identity_kind: str, identity_number: str, user=None) -> bool:
    """Ask the population register about the person; when protected, mark every caregiver's row.

    Returns the register's answer (False for a person it does not know or a reserve number). Raises
    RegisterUnavailable when the register cannot be asked: the caller refuses what needed the answer.
    """
    if not _registered_kind(identity_kind):
        return False
    person = population_register().lookup(identity_number)
    if person is None or not person.protected_identity:
        return False
    _mark_from_register(identity_kind, [identity_number], user=user)
    return True


@transaction.atomic
def _mark_from_register(identity_kind: str, identity_numbers, *, user=None) -> int:
    answer = _register_answer_text(True)
    marked = 0
    rows = list(
        Patient.objects.filter(
            identity_kind=identity_kind, identity_number__in=list(identity_numbers), protected_identity=False
        )
        .select_for_update()
        .order_by("pk")
    )
    for row in rows:
        _mark_row(
            row,
            source=ProtectionChange.Source.REGISTER,
            user=user if user is not None and user.caregiver_id == row.caregiver_id else None,
            reason="",
            register_answer=answer,
        )
        marked += 1
    return marked


def protection_refresh(patient: Patient, *, user=None) -> Patient:
    """The patient row after asking the register (marked if the register now says protected)."""
    if not patient.protected_identity and protection_check_register(
        identity_kind=patient.identity_kind, identity_number=patient.identity_number, user=user
    ):
        patient.refresh_from_db()
    return patient


def protection_refresh_many(patients, *, user=None) -> None:
    """protection_refresh for a batch, with one question to the register (batch work: invoicing).

    Rows the register now protects are marked, and the given objects re-read in place. Raises
    RegisterUnavailable when the register cannot be asked.
    """
    unmarked = [p for p in patients if not p.protected_identity and _registered_kind(p.identity_kind)]
    if not unmarked:
        return
    answers = lookup_many({p.identity_number for p in unmarked})
    protected = {n for n, person in answers.items() if person.protected_identity}
    touched = [p for p in unmarked if p.identity_number in protected]
    for kind in {p.identity_kind for p in touched}:
        _mark_from_register(kind, [p.identity_number for p in touched if p.identity_kind == kind], user=user)
    for patient in touched:
        patient.refresh_from_db()


def protection_register_sweep() -> int:
    """The nightly check: ask the register about every unprotected patient; mark those it protects.

    A person the register protected since yesterday loses every contact detail at every caregiver by
    the next morning, whether or not anyone opened the record. Returns the number of rows marked.
    """
    marked = 0
    last_pk = 0
    while True:
        chunk = list(
            Patient.objects.filter(
                pk__gt=last_pk,
                protected_identity=False,
                identity_kind__in=[IdentityKind.PERSONNUMMER, IdentityKind.SAMORDNINGSNUMMER],
            )
            .order_by("pk")
            .values_list("pk", "identity_kind", "identity_number")[:SWEEP_CHUNK]
        )
        if not chunk:
            return marked
        last_pk = chunk[-1][0]
        answers = lookup_many({number for _pk, _kind, number in chunk})
        protected = {n for n, person in answers.items() if person.protected_identity}
        for kind in {kind for _pk, kind, number in chunk if number in protected}:
            marked += _mark_from_register(
                kind, [number for _pk, k, number in chunk if k == kind and number in protected]
            )


@transaction.atomic
def protection_lift(*, patient: Patient, user, reason: str) -> ProtectionChange:
    """Lift the marking at this caregiver: with a reason, and only when the register says so."""
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise JournalError(
            _("Skriv varför markeringen hävs (minst %(n)s tecken).") % {"n": REASON_MIN_LENGTH},
            field="reason",
        )
    row = Patient.objects.select_for_update().get(pk=patient.pk)
    if not row.protected_identity:
        raise JournalError(_("Patienten är inte markerad med skyddad identitet."))
    if not _registered_kind(row.identity_kind):
        raise JournalError(
            _("Patienten har reservnummer: folkbokföringen kan inte bekräfta att skyddet har upphört.")
        )
    try:
        person = population_register().lookup(row.identity_number)
    except RegisterUnavailable:
        raise JournalError(_("Folkbokföringen svarar inte just nu. Försök igen senare.")) from None
    if person is None:
        raise JournalError(
            _("Folkbokföringen känner inte till personen: markeringen hävs inte utan registrets svar.")
        )
    if person.protected_identity:
        raise JournalError(
            _("Folkbokföringen anger fortfarande skyddad identitet. Markeringen kan inte hävas.")
        )
    row.protected_identity = False
    row.save(update_fields=["protected_identity"])
    return ProtectionChange.objects.create(
        patient=row,
        action=ProtectionChange.Action.LIFTED,
        source=ProtectionChange.Source.REGISTER,
        reason=reason,
        register_answer=_register_answer_text(False),
        user=user,
        signature=user.signature,
    )


def protection_history(patient: Patient) -> list[ProtectionChange]:
    """The patient's protection changes, newest first. Who made one is its `signature`: the user row is
    not joined (its twenty columns cost more to compile than the read, mostly empty, costs to run), and
    the few rows are sorted here, not by an ORDER BY, which the ORM compiles by hashing every column."""
    changes = ProtectionChange.objects.filter(patient=patient).order_by()
    return sorted(changes, key=lambda change: (change.at, change.pk), reverse=True)
