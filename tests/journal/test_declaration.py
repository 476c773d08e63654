"""R3: a health declaration at every visit; flagged answers go to the physician."""

import uuid

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.urls import reverse

from journal import selectors, services
from journal.models import AssessmentOutcome, HealthDeclaration, Note, NoteKind, Vaccination
from tests.conftest import client_for
from tests.journal.factories import NO_FLAGS, confirm, declare, ready_visit, register

pytestmark = pytest.mark.django_db


def declaration_post(**answers):
    data = dict(NO_FLAGS)
    data.update(answers)
    return data


def assess(cast, ready, outcome, text):
    """The physician's assessment of the ready visit's declaration, through the service."""
    return services.note_create(
        patient=ready.patient,
        user=cast.bob,
        text=text,
        kind=NoteKind.ASSESSMENT,
        outcome=outcome,
        declaration=ready.declaration,
    )


def test_r3_dose_refused_without_declaration_by_service_and_database(cast):
    ready = ready_visit(cast, declared=False)
    with pytest.raises(services.JournalError, match="Hälsodeklaration saknas"):
        register(cast, ready)
    page = client_for(cast.alice).get(reverse("journal:visit", args=[ready.patient.pk, ready.visit.pk]))
    assert "Hälsodeklaration saknas för besöket" in page.content.decode()
    other = ready_visit(cast)
    dose = register(cast, other)
    copy = Vaccination.objects.get(pk=dose.pk)
    copy.pk, copy.idempotency_key, copy.declaration = None, uuid.uuid4(), None
    with pytest.raises(IntegrityError, match="vaccination_given_is_complete"), transaction.atomic():
        copy.save(force_insert=True)


def test_r3_database_refuses_a_declaration_of_another_visit(cast):
    first = ready_visit(cast)
    second = ready_visit(cast, patient=first.patient, product=first.product)
    dose = register(cast, second)
    copy = Vaccination.objects.get(pk=dose.pk)
    copy.pk, copy.idempotency_key, copy.declaration = None, uuid.uuid4(), first.declaration
    with pytest.raises(DatabaseError, match="health declaration of another visit"), transaction.atomic():
        copy.save(force_insert=True)


def test_r3_declaration_is_recorded_per_visit_with_its_questionnaire_version(cast):
    ready = ready_visit(cast, declared=False)
    client = client_for(cast.alice)
    url = reverse("journal:visit_declaration", args=[ready.patient.pk, ready.visit.pk])
    response = client.post(url, declaration_post())
    assert response.status_code == 302
    declaration = HealthDeclaration.objects.get(visit=ready.visit)
    assert declaration.questionnaire.version == 1
    assert declaration.recorded_by == cast.alice
    assert not declaration.flagged


def test_r3_missing_answers_and_missing_details_get_messages(cast):
    ready = ready_visit(cast, declared=False)
    client = client_for(cast.alice)
    url = reverse("journal:visit_declaration", args=[ready.patient.pk, ready.visit.pk])
    response = client.post(url, {"unwell": "no"})
    assert "Svara ja eller nej." in response.content.decode()
    response = client.post(url, declaration_post(allergy="yes"))
    assert "Beskriv vad svaret gäller." in response.content.decode()
    response = client.post(url, declaration_post(allergy="kanske"))
    assert response.status_code == 200
    assert not HealthDeclaration.objects.exists()


def test_r3_flagged_answers_are_highlighted_and_wait_for_the_physician(cast):
    ready = ready_visit(cast, declared=False)
    nurse = client_for(cast.alice)
    url = reverse("journal:visit_declaration", args=[ready.patient.pk, ready.visit.pk])
    nurse.post(url, declaration_post(allergy="yes", allergy_detail="penicillin"))
    declaration = HealthDeclaration.objects.get(visit=ready.visit)
    assert declaration.flagged
    page = nurse.get(reverse("journal:visit", args=[ready.patient.pk, ready.visit.pk])).content.decode()
    assert 'class="answer flag"' in page
    assert "penicillin" in page
    assert "Markerade svar ska bedömas av läkare" in page
    queue = selectors.assessment_queue(cast.bob, unit=cast.unit_a)
    assert [d.pk for d in queue] == [declaration.pk]
    listing = client_for(cast.bob).get(reverse("journal:assessments")).content.decode()
    assert ready.patient.display_name in listing
    assert client_for(cast.alice).get(reverse("journal:assessments")).status_code == 403
    confirm(ready.visit, cast.alice)
    with pytest.raises(services.JournalError, match="läkaren ska bedöma"):
        register(cast, ready)


def test_r3_physician_assessment_clears_the_dose(cast):
    ready = ready_visit(cast, allergy="yes", allergy_detail="ägg", confirmed=False)
    physician = client_for(cast.bob)
    url = reverse("journal:visit_assessment", args=[ready.patient.pk, ready.visit.pk])
    bad = physician.post(url, {"declaration": ready.declaration.pk, "text": ""})
    assert bad.status_code == 200
    response = physician.post(
        url,
        {
            "declaration": ready.declaration.pk,
            "outcome": "may_vaccinate",
            "text": "Kan ges, observation 30 min.",
        },
    )
    assert response.status_code == 302
    assert Note.objects.get(declaration=ready.declaration).kind == NoteKind.ASSESSMENT
    assert selectors.assessment_queue(cast.bob) == []
    assert client_for(cast.alice).post(url, {"declaration": ready.declaration.pk}).status_code == 403
    confirm(ready.visit, cast.alice)
    assert register(cast, ready).status == "given"


def test_r3_assessment_not_to_vaccinate_refuses_the_dose(cast):
    ready = ready_visit(cast, immune="yes", immune_detail="cytostatika", confirmed=False)
    assess(cast, ready, AssessmentOutcome.DO_NOT_VACCINATE, "Levande vaccin ska inte ges.")
    confirm(ready.visit, cast.alice)
    with pytest.raises(services.JournalError, match="inte ska ges"):
        register(cast, ready)


def test_r3_correction_is_a_new_version_and_the_old_stays_readable(cast):
    ready = ready_visit(cast, declared=False)
    client = client_for(cast.alice)
    url = reverse("journal:visit_declaration", args=[ready.patient.pk, ready.visit.pk])
    client.post(url, declaration_post())
    first = HealthDeclaration.objects.get(visit=ready.visit)
    client.post(url, declaration_post(pregnant="yes", pregnant_detail="v. 20", supersedes=first.pk))
    second = HealthDeclaration.objects.exclude(pk=first.pk).get(visit=ready.visit)
    assert second.supersedes == first
    assert second.flagged
    assert selectors.current_declaration(ready.visit) == second
    # A stale correction form (still naming the first version) is refused, not silently applied.
    stale = client.post(url, declaration_post(supersedes=first.pk))
    assert "redan registrerats eller rättats" in stale.content.decode()
    # A second "first" declaration is refused too.
    again = client.post(url, declaration_post())
    assert "redan registrerats eller rättats" in again.content.decode()
    assert HealthDeclaration.objects.filter(visit=ready.visit).count() == 2
    page = client.get(reverse("journal:patient", args=[ready.patient.pk])).content.decode()
    assert "2 versioner av hälsodeklarationen" in page
    assert "version 1" in page


def test_r3_assessment_of_a_corrected_declaration_is_refused(cast):
    ready = ready_visit(cast, allergy="yes", allergy_detail="ägg", confirmed=False)
    declare_again = services.declaration_record(
        visit=ready.visit, user=cast.alice, answers=dict(NO_FLAGS), supersedes_id=ready.declaration.pk
    )
    assert declare_again.supersedes == ready.declaration
    with pytest.raises(services.JournalError, match="rättats"):
        assess(cast, ready, AssessmentOutcome.MAY_VACCINATE, "ok")


def test_r3_declaration_only_on_vaccination_visits(cast, patient_a):
    visit = services.visit_open(
        patient=patient_a, unit=cast.unit_a, user=cast.alice, kind="no_show", booking_id=77
    )
    with pytest.raises(services.JournalError, match="vaccinationsbesök"):
        declare(visit, cast.alice)


def test_r3_declaration_supersedes_only_once(cast):
    ready = ready_visit(cast)

    def correction():  # straight into the table, past the service's own check
        return HealthDeclaration.objects.create(
            visit=ready.visit,
            questionnaire=ready.declaration.questionnaire,
            answers=NO_FLAGS,
            recorded_by=cast.alice,
            signature="x",
            supersedes=ready.declaration,
        )

    correction()
    with pytest.raises(IntegrityError), transaction.atomic():
        correction()
