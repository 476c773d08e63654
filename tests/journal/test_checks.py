"""R6: the five checks on one screen, the stored confirmation, and the shared record (R4, R6)."""

import uuid

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.urls import reverse

from journal import extensions, selectors, services
from journal.models import CheckConfirmation, EmergencyAccess, Vaccination
from mittvaccin.models import AccessLogEntry
from tests.conftest import client_for
from tests.factories import PatientFactory
from tests.journal.factories import (
    Ready,
    batch_for,
    confirm,
    declare,
    make_order,
    ready_visit,
    register,
    tbe_product,
)

pytestmark = pytest.mark.django_db


def visit_page(client, ready):
    return client.get(reverse("journal:visit", args=[ready.patient.pk, ready.visit.pk])).content.decode()


def test_r6_the_five_checks_are_on_one_screen_under_the_signals(cast):
    ready = ready_visit(cast, confirmed=False)
    services.signal_create(
        patient=ready.patient,
        user=cast.bob,
        kind="hypersensitivity",
        agent="ägg",
        severity="severe",
        reaction="nässelutslag",
    )
    services.note_create(patient=ready.patient, user=cast.bob, text="Bedömd för TBE.")
    page = visit_page(client_for(cast.alice), ready)
    for section in ("check-notes", "check-history", "check-declaration", "check-shared", "check-orders"):
        assert f'id="{section}"' in page
    assert page.index("UPPMÄRKSAMHET") < page.index('id="check-notes"')
    assert "Bedömd för TBE." in page
    assert "Kontroller gjorda" in page
    assert "Kontrollerna före vaccination är inte bekräftade." in page


def test_r6_confirmation_stores_who_when_and_what_was_shown(cast):
    ready = ready_visit(cast, confirmed=False)
    client = client_for(cast.alice)
    checks = selectors.visit_checks(ready.visit, user=cast.alice, unit=cast.unit_a)
    url = reverse("journal:visit_confirm", args=[ready.patient.pk, ready.visit.pk])
    assert client.post(url, {"fingerprint": checks.fingerprint}).status_code == 302
    confirmation = CheckConfirmation.objects.get(visit=ready.visit)
    assert confirmation.confirmed_by == cast.alice
    assert confirmation.shown["declaration"] == ready.declaration.pk
    assert confirmation.shown["orders"] == [ready.order.pk]
    assert confirmation.shown["shared_state"] == "no_consent"
    assert "Kontroller gjorda av" in visit_page(client, ready)


def test_r6_dose_refused_without_confirmed_checks_by_service_and_database(cast):
    ready = ready_visit(cast, confirmed=False)
    with pytest.raises(services.JournalError, match="Bekräfta kontrollerna"):
        register(cast, ready)
    confirm(ready.visit, cast.alice)
    dose = register(cast, ready)
    copy = Vaccination.objects.get(pk=dose.pk)
    copy.pk, copy.idempotency_key, copy.check_confirmation = None, uuid.uuid4(), None
    with pytest.raises(IntegrityError, match="vaccination_given_is_complete"), transaction.atomic():
        copy.save(force_insert=True)


def test_r6_database_refuses_a_confirmation_of_another_visit(cast):
    first = ready_visit(cast)
    second = ready_visit(cast, patient=first.patient, product=first.product)
    dose = register(cast, second)
    copy = Vaccination.objects.get(pk=dose.pk)
    copy.pk, copy.idempotency_key, copy.check_confirmation = None, uuid.uuid4(), first.confirmation
    with pytest.raises(DatabaseError, match="check confirmation of another visit"), transaction.atomic():
        copy.save(force_insert=True)


def test_r6_confirmation_is_refused_without_declaration_or_on_a_stale_screen(cast):
    ready = ready_visit(cast, declared=False)
    client = client_for(cast.alice)
    url = reverse("journal:visit_confirm", args=[ready.patient.pk, ready.visit.pk])
    checks = selectors.visit_checks(ready.visit, user=cast.alice, unit=cast.unit_a)
    response = client.post(url, {"fingerprint": checks.fingerprint})
    assert "Registrera hälsodeklarationen innan" in response.content.decode()
    ready = ready_visit(cast, confirmed=False)
    checks = selectors.visit_checks(ready.visit, user=cast.alice, unit=cast.unit_a)
    services.note_create(patient=ready.patient, user=cast.bob, text="Ny anteckning medan sidan var öppen.")
    response = client.post(
        reverse("journal:visit_confirm", args=[ready.patient.pk, ready.visit.pk]),
        {"fingerprint": checks.fingerprint},
    )
    assert "Journalen har ändrats sedan sidan visades" in response.content.decode()
    assert client.post(url, {}).status_code == 200
    assert not CheckConfirmation.objects.exists()


def test_r6_new_information_after_the_checks_requires_new_checks(cast):
    ready = ready_visit(cast)
    services.signal_create(patient=ready.patient, user=cast.bob, kind="other", agent="Svimmar lätt")
    with pytest.raises(services.JournalError, match="Ny information"):
        register(cast, ready)
    assert "gör om kontrollerna" in visit_page(client_for(cast.alice), ready)
    confirm(ready.visit, cast.alice)
    register(cast, ready)
    # A second dose of the same visit (a queue of vaccines) needs no new checks.
    second = make_order(cast, ready.patient, ready.product, visit=ready.visit)
    register(cast, ready, order=second, dose_number=2, override_reason="Felordination i test")


def test_r6_clinic_staff_see_no_clinical_notes(cast):
    ready = ready_visit(cast)
    services.note_create(patient=ready.patient, user=cast.bob, text="Hemlig klinisk bedömning.")
    clinic = client_for(cast.clinic_a)
    page = clinic.get(reverse("journal:patient", args=[ready.patient.pk]))
    assert page.status_code == 200
    assert "Hemlig klinisk bedömning." not in page.content.decode()
    assert clinic.get(reverse("journal:visit", args=[ready.patient.pk, ready.visit.pk])).status_code == 403


# --- Shared record -------------------------------------------------------------------------------------


def shared_person(cast):
    """The same person at caregiver A (here) and B (elsewhere), with two doses at B."""
    here = PatientFactory(caregiver=cast.caregiver_a, family_name="Delad")
    there = PatientFactory(
        caregiver=cast.caregiver_b,
        identity_number=here.identity_number,
        birth_date=here.birth_date,
        family_name="Delad",
    )
    product = tbe_product()
    batch_for(cast.caregiver_b, product)
    order_b = make_order(cast, there, product, by=cast.charlie, unit=cast.unit_b)
    visit_b = services.visit_open(patient=there, unit=cast.unit_b, user=cast.charlie)

    declaration = declare(visit_b, cast.charlie)
    ready_b = Ready(there, visit_b, product, batch_for(cast.caregiver_b, product), order_b, declaration, None)
    ready_b.confirmation = confirm(visit_b, cast.charlie)
    first = register(cast, ready_b, user=cast.charlie, given_at=ready_b.visit.started_at)
    second = services.vaccination_record_elsewhere(
        patient=there,
        user=cast.charlie,
        given_on=first.given_at.date().replace(year=2015),
        product_text="Rabies",
        place="Peru",
    )
    return here, there, first, second


def test_r6_shared_record_needs_consent_and_a_care_relationship(cast):
    here, _there, first, _second = shared_person(cast)
    client = client_for(cast.alice)
    page = client.get(reverse("journal:patient", args=[here.pk])).content.decode()
    assert "Samtycke till sammanhållen journalföring är inte registrerat" in page
    client.post(reverse("journal:consent", args=[here.pk]), {"given": "yes"})
    page = client.get(reverse("journal:patient", args=[here.pk])).content.decode()
    assert "ingen aktuell vårdrelation" in page
    assert "Vårdgivare B" not in page
    visit = services.visit_open(patient=here, unit=cast.unit_a, user=cast.alice)
    page = client.get(reverse("journal:visit", args=[here.pk, visit.pk])).content.decode()
    assert "Vårdgivare B" in page
    assert "Rabies" in page
    # The look is logged at both caregivers.
    assert AccessLogEntry.objects.filter(
        caregiver=cast.caregiver_a, patient_id=here.pk, action="journal.shared.read"
    ).exists()
    assert AccessLogEntry.objects.filter(
        caregiver=cast.caregiver_b,
        patient_id=first.patient_id,
        unit=None,
        action="journal.shared.read_by",
        params={"caregiver": cast.caregiver_a.name},
    ).exists()
    # Withdrawn consent closes it again.
    client.post(reverse("journal:consent", args=[here.pk]), {"given": "no"})
    assert (
        "Vårdgivare B" not in client.get(reverse("journal:visit", args=[here.pk, visit.pk])).content.decode()
    )


def test_r6_care_relationship_can_come_from_a_registered_source(cast):
    here, *_ = shared_person(cast)
    services.consent_record(patient=here, user=cast.alice, given=True)
    assert not selectors.shared_record(here, user=cast.alice, unit=cast.unit_a).open

    def booked(patient, unit):
        return patient.pk == here.pk and unit.pk == cast.unit_a.pk

    extensions.register_care_relationship(booked)
    try:
        assert selectors.shared_record(here, user=cast.alice, unit=cast.unit_a).open
    finally:
        extensions._CARE_RELATIONSHIP_CHECKS.remove(booked)


def test_r6_blocked_information_is_hidden_but_announced_and_opened_by_emergency_access(cast):
    here, there, first, second = shared_person(cast)
    services.block_record(patient=there, user=cast.charlie, vaccination=first, reason="Patientens begäran")
    services.consent_record(patient=here, user=cast.alice, given=True)
    visit = services.visit_open(patient=here, unit=cast.unit_a, user=cast.alice)
    client = client_for(cast.alice)
    url = reverse("journal:visit", args=[here.pk, visit.pk])
    page = client.get(url).content.decode()
    assert "Det finns 1 spärrad uppgift hos annan vårdgivare" in page
    assert "Rabies" in page  # the other dose is not blocked
    assert first.product.name not in page.split('id="check-shared"')[1].split("</section>")[0]
    emergency = reverse("journal:emergency_access", args=[here.pk])
    step_one = client.get(emergency)
    assert "Nödåtkomst till spärrade uppgifter" in step_one.content.decode()
    assert not EmergencyAccess.objects.exists()  # the first step opens nothing
    assert (
        "Bekräfta att du förstår"
        in client.post(emergency, {"reason": "Medvetslös patient, oklar reaktion"}).content.decode()
    )
    assert client.post(emergency, {"reason": "kort", "confirm": "on"}).status_code == 200
    response = client.post(
        emergency, {"reason": "Medvetslös patient, oklar reaktion", "confirm": "on", "tillbaka": url}
    )
    assert response.status_code == 302
    assert response.url == url
    access = EmergencyAccess.objects.get(patient=here)
    assert access.user == cast.alice
    log = AccessLogEntry.objects.get(patient_id=here.pk, action="journal.shared.emergency")
    assert log.reason == "Medvetslös patient, oklar reaktion"
    page = client.get(url).content.decode()
    assert "spärrad, visas via nödåtkomst" in page
    assert AccessLogEntry.objects.filter(
        caregiver=cast.caregiver_b, patient_id=there.pk, reason="Medvetslös patient, oklar reaktion"
    ).exists()
    # Lifting the block at B shows the dose without emergency access.
    block = there.shared_blocks.get()
    services.block_lift(block=block, user=cast.charlie)
    shared = selectors.shared_record(here, user=cast.bob, unit=cast.unit_a)
    assert shared.blocked_count == 0
    assert {d.pk for d in shared.doses} == {first.pk, second.pk}


def test_r6_whole_record_block_hides_every_dose(cast):
    here, there, *_ = shared_person(cast)
    client_b = client_for(cast.charlie)
    client_b.post(reverse("journal:block", args=[there.pk]), {"vaccination": "", "reason": "Allt"})
    services.consent_record(patient=here, user=cast.alice, given=True)
    services.visit_open(patient=here, unit=cast.unit_a, user=cast.alice)
    shared = selectors.shared_record(here, user=cast.alice, unit=cast.unit_a)
    assert shared.doses == []
    assert shared.blocked_count == 2


def test_r6_the_checks_read_to_sign_show_what_the_screen_shows_on_a_full_record(cast):
    """The dose and the confirmation read R6's rows without what only the screen shows: the same
    rows, the same fingerprint, on a history with every kind of row the fingerprint looks at."""
    here, _there, *_ = shared_person(cast)
    services.consent_record(patient=here, user=cast.alice, given=True)
    earlier = ready_visit(cast, patient=here)
    wrong = register(cast, earlier)
    services.vaccination_enter_in_error(vaccination=wrong, user=cast.alice, reason="Fel patient")
    register(cast, earlier, given_at=earlier.visit.started_at)
    withdrawn = make_order(cast, here, earlier.product)
    services.order_enter_in_error(order=withdrawn, user=cast.bob, reason="Fel vaccin")
    note = services.note_create(patient=here, user=cast.bob, text="Svimmade förra gången")
    services.note_comment(note=note, user=cast.alice, text="Ligg ner vid vaccination")
    services.signal_create(patient=here, user=cast.bob, kind="other", agent="Latex")
    now = ready_visit(cast, patient=here, confirmed=False)
    shown = selectors.visit_checks(now.visit, user=cast.alice, unit=cast.unit_a)
    to_sign = selectors.visit_checks(now.visit, user=cast.alice, unit=cast.unit_a, to_sign=True)
    assert shown.shared.open and shown.shown["shared_doses"] and shown.shown["history_in_error"]
    assert shown.shown["orders_withdrawn"] and shown.shown["comments"] and shown.shown["signals"]
    assert to_sign.shown == shown.shown and to_sign.fingerprint == shown.fingerprint
    # Confirmed as the screen showed it, the dose is signed against that very confirmation.
    confirmation = services.checks_confirm(
        visit=now.visit, user=cast.alice, unit=cast.unit_a, fingerprint=shown.fingerprint
    )
    assert register(cast, now).check_confirmation == confirmation
