"""R12: signed notes with comments; a correction is a new version and the old text stays."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from journal import selectors, services
from journal.models import Note, NoteComment
from tests.conftest import client_for
from tests.journal.factories import ready_visit

pytestmark = pytest.mark.django_db


def test_r12_note_is_signed_with_author_role_and_time(cast, patient_a):
    client = client_for(cast.bob)
    assert client.post(reverse("journal:note_create", args=[patient_a.pk]), {"text": ""}).status_code == 200
    client.post(reverse("journal:note_create", args=[patient_a.pk]), {"text": "Bedömning: kan vaccineras."})
    note = Note.objects.get(patient=patient_a)
    assert note.author == cast.bob
    assert note.author_role == "Läkare"
    assert note.signature == cast.bob.signature
    assert note.signed_at is not None


def test_r12_correction_is_a_new_version_and_the_earlier_text_stays_readable(cast, patient_a):
    note = services.note_create(patient=patient_a, user=cast.bob, text="Första texten.")
    client = client_for(cast.bob)
    url = reverse("journal:note_correct", args=[patient_a.pk, note.pk])
    assert client.post(url, {"text": "Andra texten.", "reason": ""}).status_code == 200
    assert Note.objects.count() == 1
    assert client.post(url, {"text": "Andra texten.", "reason": "Skrivfel"}).status_code == 302
    note.refresh_from_db()
    assert note.text == "Första texten."
    newer = Note.objects.get(supersedes=note)
    assert newer.root_id == note.pk
    assert newer.correction_reason == "Skrivfel"
    threads = selectors.note_threads(patient_a)
    assert len(threads) == 1
    assert threads[0].current == newer
    assert threads[0].earlier == [note]
    page = client.get(reverse("journal:patient", args=[patient_a.pk])).content.decode()
    assert "Första texten." in page
    assert "Andra texten." in page
    assert "Rättad" in page


def test_r12_stale_correction_after_someone_else_corrected_is_refused(cast, patient_a):
    note = services.note_create(patient=patient_a, user=cast.bob, text="Text.")
    services.note_correct(note=note, user=cast.bob, text="Bob rättade.", reason="Fel dos")
    response = client_for(cast.bob).post(
        reverse("journal:note_correct", args=[patient_a.pk, note.pk]),
        {"text": "Bobs rättelse.", "reason": "x"},
    )
    assert "redan rättats av" in response.content.decode()
    assert Note.objects.count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        Note.objects.create(
            patient=patient_a,
            text="Tredje",
            author=cast.bob,
            author_role="Läkare",
            signature="x",
            root=note,
            supersedes=note,
            correction_reason="dubbel",
        )


def test_r12_comments_show_with_the_note_in_the_checks(cast):
    ready = ready_visit(cast)
    note = services.note_create(patient=ready.patient, user=cast.bob, text="Observera efter dosen.")
    corrected = services.note_correct(
        note=note, user=cast.bob, text="Observera 30 minuter.", reason="Förtydligande"
    )
    client = client_for(cast.alice)
    visit_url = reverse("journal:visit", args=[ready.patient.pk, ready.visit.pk])
    response = client.post(
        reverse("journal:note_comment", args=[ready.patient.pk, corrected.pk]),
        {"text": "Uppfattat.", "next": visit_url},
    )
    assert response.url == visit_url
    comment = NoteComment.objects.get()
    assert comment.thread_id == note.pk
    page = client.get(visit_url).content.decode()
    assert "Observera 30 minuter." in page
    assert "Uppfattat." in page
    empty = client.post(reverse("journal:note_comment", args=[ready.patient.pk, corrected.pk]), {"text": ""})
    assert empty.status_code == 302
    assert NoteComment.objects.count() == 1


def test_r12_assessment_needs_the_assessment_right_and_an_outcome(cast, patient_a):
    with pytest.raises(services.JournalError, match="bedömningar"):
        services.note_create(
            patient=patient_a, user=cast.alice, text="x", kind="assessment", outcome="may_vaccinate"
        )
    with pytest.raises(services.JournalError, match="Ange om vaccination"):
        services.note_create(patient=patient_a, user=cast.bob, text="x", kind="assessment", outcome="")
    with pytest.raises(IntegrityError, match="note_assessment_has_outcome"), transaction.atomic():
        Note.objects.create(
            patient=patient_a,
            kind="assessment",
            text="x",
            author=cast.bob,
            author_role="Läkare",
            signature="x",
        )


def test_r12_version_links_are_checked_by_the_database(cast, patient_a):
    note = services.note_create(patient=patient_a, user=cast.bob, text="x")
    with pytest.raises(IntegrityError, match="note_version_links"), transaction.atomic():
        Note.objects.create(
            patient=patient_a,
            text="y",
            author=cast.bob,
            author_role="Läkare",
            signature="x",
            supersedes=note,
            root=note,
        )


def test_r12_a_nurse_cannot_supersede_a_physicians_note_but_comments_on_it(cast, patient_a):
    assessment = services.note_create(
        patient=patient_a, user=cast.bob, text="Kan vaccineras.", kind="assessment", outcome="may_vaccinate"
    )
    note = services.note_create(patient=patient_a, user=cast.bob, text="Observera allergi.")
    nurse = client_for(cast.alice)
    for target in (assessment, note):
        with pytest.raises(services.JournalError, match="Bara den som skrev anteckningen eller en läkare"):
            services.note_correct(note=target, user=cast.alice, text="Ändrat.", reason="x")
        url = reverse("journal:note_correct", args=[patient_a.pk, target.pk])
        assert nurse.get(url).status_code == 403
        assert nurse.post(url, {"text": "Ändrat.", "reason": "x"}).status_code == 403
    assert Note.objects.filter(supersedes__isnull=False).count() == 0
    page = nurse.get(reverse("journal:patient", args=[patient_a.pk])).content.decode()
    assert "Rätta anteckningen (ny version)" not in page
    assert "Signera kommentar" in page
    nurse.post(reverse("journal:note_comment", args=[patient_a.pk, note.pk]), {"text": "Noterat."})
    assert NoteComment.objects.filter(author=cast.alice).count() == 1


def test_r12_a_nurse_corrects_her_own_note_and_a_physician_corrects_anyones(cast, patient_a):
    own = services.note_create(patient=patient_a, user=cast.alice, text="Min anteckning.")
    mine = services.note_correct(note=own, user=cast.alice, text="Min rättade anteckning.", reason="Skrivfel")
    assert mine.supersedes == own
    by_physician = services.note_correct(note=mine, user=cast.bob, text="Läkarens rättelse.", reason="Fel")
    assert by_physician.author == cast.bob
