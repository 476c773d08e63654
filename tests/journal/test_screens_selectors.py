"""The screen selectors, called directly: what the vaccination screen and the patient page offer, without HTTP."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from journal import services
from journal.screens import batch_for_lot, patient_journal, visit_screen
from tests.conftest import client_for
from tests.factories import PatientFactory
from tests.journal.factories import (
    batch_for,
    declare,
    hepb_product,
    make_order,
    ready_visit,
    register,
    tbe_product,
)

pytestmark = pytest.mark.django_db


def test_visit_screen_starts_the_dose_form_from_the_open_order_with_its_schedule(cast):
    ready = ready_visit(cast)
    screen = visit_screen(ready.visit, user=cast.alice)
    assert screen.checks.visit == ready.visit
    assert screen.selected_order == ready.order
    assert screen.selected_order.suggested_dose_number == 1
    assert screen.selected_order.schedule_verdict.deviations == []
    initial = screen.dose_initial
    assert (initial["order"], initial["dose_number"], initial["dose_ml"]) == (
        ready.order.pk,
        1,
        ready.order.dose_ml,
    )
    assert initial["given_by"] == initial["prepared_by"] == cast.alice.pk
    assert "keep" not in initial
    assert screen.not_given_initial["order"] == ready.order.pk
    assert screen.batches == [ready.batch]
    assert screen.given_here == set()
    assert not screen.repeats_a_series_given_here
    # Declared and confirmed: no declaration form, nothing for a physician to assess.
    assert screen.declaration_initial is None
    assert screen.assessment_initial is None
    assert (screen.can_register, screen.can_order) == (True, False)


def test_r3_visit_screen_without_declaration_opens_the_current_questionnaire(cast):
    ready = ready_visit(cast, declared=False)
    screen = visit_screen(ready.visit, user=cast.alice)
    assert screen.declaration_initial == {}
    assert screen.questionnaire.questions
    assert "Hälsodeklaration saknas för besöket." in screen.checks.blockers


def test_r3_correcting_a_declaration_starts_from_its_answers_and_names_the_version(cast):
    ready = ready_visit(cast)
    screen = visit_screen(ready.visit, user=cast.alice, correcting=True)
    assert screen.declaration_initial["supersedes"] == ready.declaration.pk
    assert screen.declaration_initial["allergy"] == "no"
    assert screen.questionnaire == ready.declaration.questionnaire


def test_r3_flagged_declaration_offers_the_assessment_only_to_the_assessment_right(cast):
    ready = ready_visit(cast, confirmed=False, allergy="yes")
    assert visit_screen(ready.visit, user=cast.alice).assessment_initial is None
    screen = visit_screen(ready.visit, user=cast.bob)
    assert screen.assessment_initial == {"declaration": ready.declaration.pk}
    assert screen.can_order


def test_after_a_dose_the_screen_does_not_default_to_the_same_series(cast, at_midday):
    patient = PatientFactory(caregiver=cast.caregiver_a, birth_date=dt.date(1980, 1, 1))
    hepb_order = make_order(cast, patient, hepb_product())
    ready = ready_visit(cast, patient=patient)
    register(cast, ready)
    screen = visit_screen(ready.visit, user=cast.alice)
    assert screen.given_here == {"TBE"}
    # The series given here sorts last: the form starts from the vaccine still to give.
    assert screen.selected_order == hepb_order
    assert not screen.repeats_a_series_given_here
    # Asked for explicitly (the "one more dose" link), the same series is offered with its schedule.
    again = visit_screen(ready.visit, user=cast.alice, wanted_order_id=ready.order.pk)
    assert again.selected_order == ready.order
    assert again.repeats_a_series_given_here
    assert again.selected_order.suggested_dose_number == 2
    verdict = again.selected_order.schedule_verdict
    assert verdict.earliest == timezone.localdate() + dt.timedelta(days=14)
    assert verdict.deviations  # a second TBE dose today is earlier than the minimum interval


def test_kept_batch_site_and_route_prefill_the_form_for_the_same_product_only(cast):
    ready = ready_visit(cast)
    kept = {"product": ready.product.pk, "lot": "KEPT1", "site": "right_deltoid", "route": "sc"}
    initial = visit_screen(ready.visit, user=cast.alice, kept=kept).dose_initial
    assert (initial["lot"], initial["site"], initial["route"], initial["keep"]) == (
        "KEPT1",
        "right_deltoid",
        "sc",
        True,
    )
    other = {**kept, "product": hepb_product().pk}
    initial = visit_screen(ready.visit, user=cast.alice, kept=other).dose_initial
    assert "lot" not in initial
    assert initial["route"] == ready.product.default_route


def test_kept_product_chooses_its_order_among_several(cast):
    ready = ready_visit(cast)
    hepb = hepb_product()
    hepb_order = make_order(cast, ready.patient, hepb)
    kept = {"product": hepb.pk, "lot": "H1", "site": "left_deltoid", "route": "im"}
    assert visit_screen(ready.visit, user=cast.alice, kept=kept).selected_order == hepb_order


def test_batches_offered_are_the_caregivers_unexpired_batches_of_open_orders(cast):
    ready = ready_visit(cast)
    batch_for(cast.caregiver_a, ready.product, lot="OLD", expiry=timezone.localdate() - dt.timedelta(days=1))
    batch_for(cast.caregiver_b, ready.product, lot="B-SIDE")
    batch_for(cast.caregiver_a, hepb_product(), lot="NO-ORDER")
    assert [b.lot_number for b in visit_screen(ready.visit, user=cast.alice).batches] == [
        ready.batch.lot_number
    ]


def test_no_open_order_means_no_selected_order_and_no_batches(cast, patient_a):
    visit = services.visit_open(patient=patient_a, unit=cast.unit_a, user=cast.alice)
    declare(visit, cast.alice)
    screen = visit_screen(visit, user=cast.alice)
    assert screen.selected_order is None
    assert screen.batches == []
    assert "order" not in screen.dose_initial
    assert screen.not_given_initial["order"] is None


def test_r1_a2_lot_number_finds_the_caregivers_one_batch_of_that_lot_in_any_case(cast):
    tbe, hepb = tbe_product(), hepb_product()
    tbe_batch = batch_for(cast.caregiver_a, tbe, lot="same1")
    assert batch_for_lot(cast.alice, " Same1 ", tbe) == tbe_batch
    # A2: one lot number names one batch of the caregiver, so the dose service can name the product it is
    # of when a nurse picks it for another order.
    assert batch_for_lot(cast.alice, "SAME1", hepb) == tbe_batch
    with pytest.raises(IntegrityError), transaction.atomic():
        batch_for(cast.caregiver_a, hepb, lot="SAME1")
    batch_for(cast.caregiver_b, tbe, lot="BONLY")
    assert batch_for_lot(cast.alice, "BONLY", tbe) is None


def test_patient_journal_keeps_only_the_latest_next_due_date_of_a_series(cast, at_midday):
    patient = PatientFactory(caregiver=cast.caregiver_a, birth_date=dt.date(1980, 1, 1))
    product = tbe_product()
    earlier = services.vaccination_record_elsewhere(
        patient=patient,
        user=cast.alice,
        given_on=timezone.localdate() - dt.timedelta(days=40),
        product=product,
        dose_number=1,
    )
    ready = ready_visit(cast, patient=patient, product=product)
    dose = register(cast, ready, dose_number=2)
    journal = patient_journal(patient, user=cast.alice, unit=cast.unit_a)
    assert earlier.next_due_date and dose.next_due_date
    assert journal.next_due == [dose]
    assert [v.pk for v in journal.history] == [dose.pk, earlier.pk]
    assert [v.pk for v in journal.open_visits] == [ready.visit.pk]
    assert (journal.can_register, journal.can_order, journal.can_assess) == (True, False, False)


def test_r6_patient_journal_marks_the_doses_blocked_at_the_patients_request(cast):
    ready = ready_visit(cast)
    dose = register(cast, ready)
    services.block_record(
        patient=ready.patient, user=cast.alice, vaccination=dose, reason="Patientens önskan"
    )
    journal = patient_journal(ready.patient, user=cast.alice, unit=cast.unit_a)
    assert [d.is_blocked for d in journal.history] == [True]
    assert not journal.whole_record_blocked
    services.block_record(patient=ready.patient, user=cast.alice, vaccination=None)
    assert patient_journal(ready.patient, user=cast.alice, unit=cast.unit_a).whole_record_blocked


def test_the_patient_page_marks_a_next_dose_whose_date_has_passed(cast):
    """`dose.overdue`, read by the patient page's next-due tags, is the model's: a date passed is marked
    "passerat", a date ahead is not."""
    product = tbe_product()
    late, in_time = (PatientFactory(caregiver=cast.caregiver_a, birth_date=dt.date(1980, 1, 1)) for _ in "ab")
    for patient, days_ago in ((late, 400), (in_time, 1)):
        dose = services.vaccination_record_elsewhere(
            patient=patient,
            user=cast.alice,
            given_on=timezone.localdate() - dt.timedelta(days=days_ago),
            product=product,
            dose_number=1,
        )
        assert dose.overdue is (patient is late)
    client = client_for(cast.alice)
    pages = {p: client.get(reverse("journal:patient", args=[p.pk])).content.decode() for p in (late, in_time)}
    assert 'class="tag overdue"' in pages[late] and "(passerat)" in pages[late]
    assert 'class="tag"' in pages[in_time] and "passerat" not in pages[in_time]
