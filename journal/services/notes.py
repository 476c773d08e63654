"""Notes and assessments (R12): signed, corrected as new versions, commented."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from journal.models import AssessmentOutcome, HealthDeclaration, Note, NoteComment, NoteKind, Patient
from journal.services.common import JournalError, check_visit_of
from mittvaccin.rights import Right


def _assessment_rule(user, message: str) -> None:
    # A rule about the entry, not a door (the views declare those): whichever page it comes from, an
    # assessment is signed or corrected only by an account with the assessment right (R12).
    if not user.has_right(Right.ASSESSMENT_WRITE):
        raise JournalError(message, code="assessment_right")


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
    if not text.strip():
        raise JournalError(_("Skriv anteckningens text."), field="text")
    if kind == NoteKind.ASSESSMENT:
        _assessment_rule(user, _("Du saknar behörighet att skriva bedömningar."))
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
    check_visit_of(patient, visit)
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


def note_correctable_by(note: Note, user) -> bool:
    """R12: a note is corrected by its author or by someone who writes assessments (a physician);
    anyone else who reads the journal comments on it. An assessment only by someone who writes them."""
    if not user.has_right(Right.JOURNAL_READ):
        return False
    if user.has_right(Right.ASSESSMENT_WRITE):
        return True
    return note.kind != NoteKind.ASSESSMENT and note.author_id == user.pk


def note_correction_rule(note: Note, user) -> None:
    """R12, a rule about the entry: its author or a physician corrects it; anyone else comments."""
    if not note_correctable_by(note, user):
        raise JournalError(
            _(
                "Bara den som skrev anteckningen eller en läkare kan rätta den. "
                "Skriv en kommentar i stället, så syns den med anteckningen."
            ),
            code="not_the_author",
        )
    if note.kind == NoteKind.ASSESSMENT:
        _assessment_rule(user, _("Du saknar behörighet att rätta bedömningar."))


@transaction.atomic
def note_correct(*, note: Note, user, text: str, reason: str, outcome: str | None = None) -> Note:
    """A new version of a note; the corrected version stays readable. Refused if someone corrected it first."""
    note_correction_rule(note, user)
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
    if not text.strip():
        raise JournalError(_("Skriv kommentaren."), field="text")
    return NoteComment.objects.create(
        note=note, thread_id=note.thread_id, text=text.strip(), author=user, signature=user.signature
    )
