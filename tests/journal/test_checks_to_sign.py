"""R6 read to sign: the small reads in one statement (journal/checks_reads.py) find what the screen's
reads find, and a dose signed against a confirmation is refused after any change they look at."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from journal import selectors, services
from journal.models import AssessmentOutcome, NoteKind
from journal.questionnaire import NO_FLAGS
from tests.factories import PatientFactory
from tests.journal.factories import confirm, ready_visit, register

pytestmark = pytest.mark.django_db


def assert_read_alike(visit, user):
    """The checks read to sign hold the same rows as the screen's, row for row."""
    shown = selectors.visit_checks(visit, user=user, unit=visit.unit)
    with CaptureQueriesContext(connection) as queries:
        to_sign = selectors.visit_checks(visit, user=user, unit=visit.unit, to_sign=True)
    assert to_sign.shown == shown.shown and to_sign.fingerprint == shown.fingerprint
    pk = lambda row: row.pk if row is not None else None  # noqa: E731
    assert pk(to_sign.declaration) == pk(shown.declaration)
    assert pk(to_sign.assessment) == pk(shown.assessment)
    assert pk(to_sign.confirmation) == pk(shown.confirmation)
    assert pk(to_sign.shared.consent) == pk(shown.shared.consent)
    assert to_sign.needs_assessment == shown.needs_assessment
    assert to_sign.blockers == shown.blockers
    assert to_sign.assessment is None or to_sign.assessment.outcome == shown.assessment.outcome
    assert [t.current.pk for t in to_sign.threads] == [t.current.pk for t in shown.threads]
    assert [[v.pk for v in t.earlier] for t in to_sign.threads] == [
        [v.pk for v in t.earlier] for t in shown.threads
    ]
    assert [[c.pk for c in t.comments] for t in to_sign.threads] == [
        [c.pk for c in t.comments] for t in shown.threads
    ]
    return to_sign, len(queries)


def test_r6_note_threads_signals_and_consent_read_to_sign_are_the_screens(cast):
    ready = ready_visit(cast, confirmed=False)
    patient = ready.patient
    _to_sign, bare = assert_read_alike(ready.visit, cast.alice)
    first = services.note_create(patient=patient, user=cast.bob, text="Svimmade förra gången")
    services.note_comment(note=first, user=cast.alice, text="Ligg ner")
    second = services.note_correct(note=first, user=cast.bob, text="Svimmade två gånger", reason="Fel antal")
    services.note_comment(note=second, user=cast.alice, text="Noterat")
    third = services.note_correct(note=second, user=cast.bob, text="Svimmade tre gånger", reason="Fel igen")
    other = services.note_create(patient=patient, user=cast.bob, text="Rädd för sprutor")
    services.note_comment(note=other, user=cast.alice, text="Lugnande samtal")
    services.note_create(
        patient=PatientFactory(caregiver=cast.caregiver_a), user=cast.bob, text="Någon annan"
    )
    kept = services.signal_create(patient=patient, user=cast.bob, kind="other", agent="Latex")
    gone = services.signal_create(patient=patient, user=cast.bob, kind="other", agent="Nickel")
    services.signal_inactivate(signal=gone, user=cast.bob, reason="Felaktig")
    services.consent_record(patient=patient, user=cast.alice, given=True)
    services.consent_record(patient=patient, user=cast.alice, given=False)
    to_sign, full = assert_read_alike(ready.visit, cast.alice)
    assert to_sign.shown["notes"] == sorted([third.pk, other.pk]) and len(to_sign.shown["comments"]) == 3
    assert to_sign.shown["signals"] == [kept.pk] and to_sign.shared.state == "no_consent"
    # A constant number of queries, however many notes, comments and signals.
    assert full == bare
    confirm(ready.visit, cast.alice)
    assert_read_alike(ready.visit, cast.alice)
    assert register(cast, ready).status == "given"


@pytest.mark.parametrize(
    "change",
    ["note", "comment", "correction", "signal", "inactivation", "consent", "declaration"],
)
def test_r6_a_dose_is_refused_after_any_change_the_checks_read(cast, change):
    ready = ready_visit(cast, confirmed=False)
    patient = ready.patient
    note = services.note_create(patient=patient, user=cast.bob, text="Svimmade förra gången")
    signal = services.signal_create(patient=patient, user=cast.bob, kind="other", agent="Latex")
    confirm(ready.visit, cast.alice)
    if change == "note":
        services.note_create(patient=patient, user=cast.bob, text="Ny anteckning")
    elif change == "comment":
        services.note_comment(note=note, user=cast.alice, text="Ny kommentar")
    elif change == "correction":
        services.note_correct(note=note, user=cast.bob, text="Svimmade två gånger", reason="Fel antal")
    elif change == "signal":
        services.signal_create(patient=patient, user=cast.bob, kind="other", agent="Nickel")
    elif change == "inactivation":
        services.signal_inactivate(signal=signal, user=cast.bob, reason="Felaktig")
    elif change == "consent":
        services.consent_record(patient=patient, user=cast.alice, given=True)
    else:
        services.declaration_record(
            visit=ready.visit, user=cast.alice, answers=dict(NO_FLAGS), supersedes_id=ready.declaration.pk
        )
    assert_read_alike(ready.visit, cast.alice)
    with pytest.raises(services.JournalError, match="Ny information"):
        register(cast, ready)
    confirm(ready.visit, cast.alice)
    assert register(cast, ready).status == "given"


def test_r6_the_assessment_read_to_sign_is_the_latest_of_the_current_declaration(cast):
    ready = ready_visit(cast, allergy="yes", allergy_detail="ägg", confirmed=False)
    to_sign, _ = assert_read_alike(ready.visit, cast.alice)
    assert to_sign.needs_assessment
    may = services.note_create(
        patient=ready.patient,
        user=cast.bob,
        text="Kan ges.",
        kind=NoteKind.ASSESSMENT,
        outcome=AssessmentOutcome.MAY_VACCINATE,
        declaration=ready.declaration,
    )
    to_sign, _ = assert_read_alike(ready.visit, cast.alice)
    assert to_sign.assessment.pk == may.pk and not to_sign.needs_assessment
    corrected = services.note_correct(
        note=may,
        user=cast.bob,
        text="Ska inte ges.",
        reason="Ny uppgift",
        outcome=AssessmentOutcome.DO_NOT_VACCINATE,
    )
    to_sign, _ = assert_read_alike(ready.visit, cast.alice)
    assert to_sign.assessment.pk == corrected.pk
    confirm(ready.visit, cast.alice)
    with pytest.raises(services.JournalError, match="inte ska ges"):
        register(cast, ready)
    # A corrected declaration has no assessment yet: the checks ask for one again.
    declare_again = services.declaration_record(
        visit=ready.visit,
        user=cast.alice,
        answers={**NO_FLAGS, "allergy": "yes", "allergy_detail": "ägg och mjölk"},
        supersedes_id=ready.declaration.pk,
    )
    to_sign, _ = assert_read_alike(ready.visit, cast.alice)
    assert to_sign.declaration.pk == declare_again.pk and to_sign.needs_assessment


def test_r6_a15_the_assessment_before_the_visit_holds_read_to_sign_while_the_answers_are_unchanged(cast):
    patient = PatientFactory(caregiver=cast.caregiver_a, birth_date=dt.date(1980, 1, 1))
    answers = {**NO_FLAGS, "unwell": "yes", "unwell_detail": "Snuva"}
    previsit = services.previsit_declaration_submit(
        patient=patient,
        booking_id=4711,
        unit=cast.unit_a,
        visit_starts_at=timezone.now() + dt.timedelta(hours=2),
        answers=answers,
        answered_by_identity=patient.identity_number,
        answered_by_guardian=False,
    )
    assessment = services.previsit_assessment_create(
        previsit=previsit, user=cast.bob, outcome="may_vaccinate", text="Ok."
    )
    visit = services.visit_open(patient=patient, unit=cast.unit_a, user=cast.alice, booking_id=4711)
    recorded = services.declaration_record(
        visit=visit, user=cast.alice, answers=answers, previsit_id=previsit.pk
    )
    to_sign, _ = assert_read_alike(visit, cast.alice)
    assert to_sign.assessment.pk == assessment.pk and not to_sign.needs_assessment
    services.declaration_record(
        visit=visit,
        user=cast.alice,
        answers={**answers, "unwell_detail": "Feber"},
        previsit_id=previsit.pk,
        supersedes_id=recorded.pk,
    )
    to_sign, _ = assert_read_alike(visit, cast.alice)
    assert to_sign.assessment is None and to_sign.needs_assessment
