"""The health declaration answered at home before a booked visit (A15), and its assessment."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from journal.models import Note, NoteKind, PreVisitDeclaration
from journal.services.common import JournalError
from journal.services.visits import declaration_flagged, questionnaire_current
from mittvaccin.rights import Right


@transaction.atomic
def previsit_declaration_submit(
    *,
    patient,
    booking_id: int,
    unit,
    visit_starts_at,
    answers: dict,
    answered_by_identity: str,
    answered_by_guardian: bool,
    now=None,
) -> PreVisitDeclaration:
    """Keep the resident's answers for the booked visit; a later answer supersedes the earlier one.

    Refused once the visit has begun: from then on the declaration is the nurse's, at the visit (R3).
    """
    now = now or timezone.now()
    if visit_starts_at <= now:
        raise JournalError(_("Besöket har redan varit. Hälsodeklarationen lämnar du vid besöket."))
    previous = (
        PreVisitDeclaration.objects.select_for_update(of=("self",))
        .filter(booking_id=booking_id, superseded_by__isnull=True)
        .order_by("-answered_at", "-id")
        .first()
    )
    questionnaire = questionnaire_current()
    return PreVisitDeclaration.objects.create(
        patient=patient,
        booking_id=booking_id,
        unit=unit,
        questionnaire=questionnaire,
        answers=answers,
        flagged=declaration_flagged(questionnaire, answers),
        answered_by_identity=answered_by_identity,
        answered_by_guardian=answered_by_guardian,
        answered_at=now,
        supersedes=previous,
    )


@transaction.atomic
def previsit_assessment_create(*, previsit: PreVisitDeclaration, user, outcome: str, text: str) -> Note:
    """A physician assesses flagged answers before the visit day; the nurse sees it at the visit."""
    if not user.has_right(Right.ASSESSMENT_WRITE):
        raise JournalError(_("Du saknar behörighet att skriva bedömningar."))
    if not text.strip():
        raise JournalError(_("Skriv bedömningen."), field="text")
    return Note.objects.create(
        patient=previsit.patient,
        previsit=previsit,
        kind=NoteKind.ASSESSMENT,
        outcome=outcome,
        text=text.strip(),
        author=user,
        author_role=user.get_profession_display(),
        signature=user.signature,
    )
