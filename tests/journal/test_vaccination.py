"""Registering a dose (R1), orders (R2), schedules, and every refusal with a clear message."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from journal import services
from journal.models import Order, Vaccination, VaccinationEnteredInError, VaccinationStatus
from journal.signals import vaccination_entered_in_error, vaccination_registered
from mittvaccin.refusals import Refusal
from tests.conftest import client_for
from tests.factories import PatientFactory, UserFactory
from tests.journal.factories import (
    batch_for,
    dose_post,
    hepb_product,
    make_order,
    ready_visit,
    register,
    tbe_product,
)

pytestmark = pytest.mark.django_db


def visit_url(ready, name="journal:visit_dose"):
    return reverse(name, args=[ready.patient.pk, ready.visit.pk])


# --- R1 ---------------------------------------------------------------------------------------------


def test_r1_dose_belongs_to_the_caregiver_of_the_ordering_staff_member(cast):
    ready = ready_visit(cast)
    dose = register(cast, ready)
    assert dose.caregiver_id == cast.bob.caregiver_id == cast.caregiver_a.pk
    assert dose.ordered_by == cast.bob
    assert dose.order == ready.order
    assert dose.status == VaccinationStatus.GIVEN
    assert dose.given_by == cast.alice
    assert dose.prepared_by == cast.alice
    assert dose.recorded_by == cast.alice
    assert dose.lot_number == ready.batch.lot_number
    assert dose.batch_expiry == ready.batch.expiry_date
    assert dose.signature == cast.alice.signature


def test_r1_database_refuses_a_dose_recorded_at_another_caregiver_than_the_orderers(cast):
    ready = ready_visit(cast)
    dose = register(cast, ready)
    copy = Vaccination.objects.get(pk=dose.pk)
    copy.pk, copy.idempotency_key, copy.caregiver = None, uuid.uuid4(), cast.caregiver_b
    with pytest.raises(DatabaseError, match="caregiver"), transaction.atomic():
        copy.save(force_insert=True)


def test_r1_full_post_signs_the_dose_and_says_so(cast):
    ready = ready_visit(cast)
    client = client_for(cast.alice)
    response = client.post(visit_url(ready), dose_post(ready), follow=True)
    assert response.status_code == 200
    assert "Vaccination signerad" in response.content.decode()
    dose = Vaccination.objects.get(visit=ready.visit)
    assert dose.site == "left_deltoid"
    assert dose.route == "im"
    assert dose.dose_ml == Decimal("0.50")
    assert dose.next_due_date == timezone.localtime(dose.given_at).date() + dt.timedelta(days=30)


def test_r1_expired_batch_is_refused_with_a_clear_message(cast, at_midday):
    ready = ready_visit(cast)
    expired = batch_for(
        cast.caregiver_a, ready.product, lot="OLD1", expiry=timezone.localdate() - dt.timedelta(days=1)
    )
    with pytest.raises(services.JournalError, match="gick ut"):
        register(cast, ready, batch=expired)
    response = client_for(cast.alice).post(visit_url(ready), dose_post(ready, lot="old1"))
    assert response.status_code == 200
    assert "Batch OLD1 gick ut" in response.content.decode()
    assert not Vaccination.objects.exists()


def test_r1_database_refuses_an_expired_batch(cast):
    ready = ready_visit(cast)
    dose = register(cast, ready)
    expired = batch_for(cast.caregiver_a, ready.product, expiry=timezone.localdate() - dt.timedelta(days=3))
    copy = Vaccination.objects.get(pk=dose.pk)
    copy.pk, copy.idempotency_key, copy.batch = None, uuid.uuid4(), expired
    with pytest.raises(DatabaseError, match="expired batch"), transaction.atomic():
        copy.save(force_insert=True)


def test_r1_batch_of_another_product_is_refused_by_service_and_database(cast):
    ready = ready_visit(cast)
    other = batch_for(cast.caregiver_a, hepb_product(), lot="HEPB1")
    with pytest.raises(services.JournalError, match="inte av det ordinerade vaccinet"):
        register(cast, ready, batch=other)
    response = client_for(cast.alice).post(visit_url(ready), dose_post(ready, lot="HEPB1"))
    assert "Batch HEPB1 är av Engerix-B test" in response.content.decode()
    dose = register(cast, ready)
    copy = Vaccination.objects.get(pk=dose.pk)
    copy.pk, copy.idempotency_key, copy.batch = None, uuid.uuid4(), other
    with pytest.raises(DatabaseError, match="another product"), transaction.atomic():
        copy.save(force_insert=True)


def test_r1_time_in_the_future_is_refused_by_service_and_database(cast):
    ready = ready_visit(cast)
    later = timezone.now() + dt.timedelta(hours=2)
    with pytest.raises(services.JournalError, match="framtiden"):
        register(cast, ready, given_at=later)
    response = client_for(cast.alice).post(
        visit_url(ready), dose_post(ready, given_at=timezone.localtime(later).strftime("%Y-%m-%dT%H:%M"))
    )
    assert "Tidpunkten ligger i framtiden" in response.content.decode()
    dose = register(cast, ready)
    copy = Vaccination.objects.get(pk=dose.pk)
    copy.pk, copy.idempotency_key, copy.given_at = None, uuid.uuid4(), later
    with pytest.raises(IntegrityError, match="vaccination_not_in_future"), transaction.atomic():
        copy.save(force_insert=True)


def test_r1_unknown_or_other_caregivers_lot_number_is_refused(cast):
    ready = ready_visit(cast)
    batch_for(cast.caregiver_b, ready.product, lot="BLOT1")
    response = client_for(cast.alice).post(visit_url(ready), dose_post(ready, lot="BLOT1"))
    assert "Batchnumret BLOT1 finns inte i vårdgivarens lager" in response.content.decode()
    assert not Vaccination.objects.exists()


def test_r1_keep_product_and_batch_prefills_the_next_patients_form(cast):
    first = ready_visit(cast)
    client = client_for(cast.alice)
    client.post(visit_url(first), dose_post(first, keep="on", site="right_deltoid"))
    assert Vaccination.objects.count() == 1
    second = ready_visit(cast, product=first.product)
    page = client.get(reverse("journal:visit", args=[second.patient.pk, second.visit.pk])).content.decode()
    assert f'value="{first.batch.lot_number}"' in page
    assert '<option value="right_deltoid" selected>' in page
    assert "Behållen batch" in page


def test_r1_double_submit_signs_one_dose(cast):
    ready = ready_visit(cast)
    client = client_for(cast.alice)
    data = dose_post(ready)
    client.post(visit_url(ready), data)
    response = client.post(visit_url(ready), data, follow=True)
    assert "redan signerad" in response.content.decode()
    assert Vaccination.objects.filter(visit=ready.visit).count() == 1
    assert ready.order.vaccinations.count() == 1


def test_r1_not_given_is_recorded_with_a_reason(cast):
    ready = ready_visit(cast, declared=False)
    client = client_for(cast.alice)
    url = reverse("journal:visit_not_given", args=[ready.patient.pk, ready.visit.pk])
    response = client.post(
        url, {"ej-idempotency_key": str(uuid.uuid4()), "ej-order": ready.order.pk, "ej-reason": ""}
    )
    assert "Något behöver rättas" in response.content.decode()
    client.post(
        url, {"ej-idempotency_key": str(uuid.uuid4()), "ej-order": ready.order.pk, "ej-reason": "declined"}
    )
    row = Vaccination.objects.get(visit=ready.visit)
    assert row.status == VaccinationStatus.NOT_GIVEN
    assert row.not_given_reason == "declined"
    # A dose not given does not count the order off.
    assert ready.order.vaccinations.filter(status=VaccinationStatus.GIVEN).count() == 0


def test_r1_earlier_dose_given_elsewhere_needs_no_batch_and_counts_in_the_series(cast, patient_a):
    product = tbe_product()
    client = client_for(cast.alice)
    url = reverse("journal:vaccination_elsewhere", args=[patient_a.pk])
    response = client.post(
        url,
        {
            "idempotency_key": str(uuid.uuid4()),
            "given_on": (timezone.localdate() - dt.timedelta(days=400)).isoformat(),
            "product": product.pk,
            "place": "Tyskland",
            "dose_number": "1",
        },
    )
    assert response.status_code == 302
    row = Vaccination.objects.get(patient=patient_a)
    assert row.status == VaccinationStatus.GIVEN_ELSEWHERE
    assert row.batch is None
    assert row.elsewhere_place == "Tyskland"
    free_text = client.post(
        url,
        {
            "idempotency_key": str(uuid.uuid4()),
            "given_on": "2001-05-05",
            "product_text": "Typhim Vi",
            "place": "Thailand",
        },
    )
    assert free_text.status_code == 302
    ready = ready_visit(cast, patient=patient_a, product=product)
    page = client.get(reverse("journal:visit", args=[patient_a.pk, ready.visit.pk])).content.decode()
    assert "dos 2" in page
    future = client.post(
        url,
        {"idempotency_key": str(uuid.uuid4()), "given_on": "2999-01-01", "product": product.pk, "place": "X"},
    )
    assert "framtiden" in future.content.decode()


def test_r1_entered_in_error_keeps_the_row_and_sends_the_signal(cast):
    ready = ready_visit(cast)
    dose = register(cast, ready)
    received = []

    def receiver(sender, vaccination, user, reason, **kwargs):
        received.append((vaccination.pk, user.pk, reason))

    vaccination_entered_in_error.connect(receiver)
    try:
        client = client_for(cast.alice)
        url = reverse("journal:vaccination_error", args=[ready.patient.pk, dose.pk])
        assert client.post(url, {"reason": ""}).status_code == 200
        assert client.post(url, {"reason": "Fel patient"}).status_code == 302
    finally:
        vaccination_entered_in_error.disconnect(receiver)
    assert received == [(dose.pk, cast.alice.pk, "Fel patient")]
    assert Vaccination.objects.filter(pk=dose.pk).exists()
    assert VaccinationEnteredInError.objects.get(vaccination=dose).reason == "Fel patient"
    page = client.get(reverse("journal:patient", args=[ready.patient.pk])).content.decode()
    assert "Felregistrerad" in page
    assert "Fel patient" in page
    with pytest.raises(services.JournalError, match="redan"):
        services.vaccination_enter_in_error(vaccination=dose, user=cast.alice, reason="igen")


def test_r1_registered_signal_carries_billing_fields_inside_the_transaction(cast):
    ready = ready_visit(cast)
    seen = {}

    def receiver(sender, vaccination, visit, user, billing_data, **kwargs):
        seen.update(billing_data=billing_data, saved=Vaccination.objects.filter(pk=vaccination.pk).exists())

    vaccination_registered.connect(receiver)
    try:
        client_for(cast.alice).post(
            visit_url(ready), dose_post(ready, **{"billing-campaign": "7", "other": "x"})
        )
    finally:
        vaccination_registered.disconnect(receiver)
    assert seen == {"billing_data": {"billing-campaign": "7"}, "saved": True}


def test_r1_receiver_refusal_saves_nothing_and_shows_the_message(cast):
    ready = ready_visit(cast)

    def receiver(sender, **kwargs):
        raise Refusal("Kampanjen gäller inte patienten.")

    vaccination_registered.connect(receiver)
    try:
        response = client_for(cast.alice).post(visit_url(ready), dose_post(ready))
    finally:
        vaccination_registered.disconnect(receiver)
    assert response.status_code == 200
    assert "Kampanjen gäller inte patienten." in response.content.decode()
    assert not Vaccination.objects.exists()


# --- R2 ---------------------------------------------------------------------------------------------


def test_r2_only_the_ordering_right_can_order(cast, patient_a):
    product = tbe_product()
    client = client_for(cast.alice)
    assert client.get(reverse("journal:order_create", args=[patient_a.pk])).status_code == 403
    assert (
        client.post(reverse("journal:order_create", args=[patient_a.pk]), {"product": product.pk}).status_code
        == 403
    )
    assert not Order.objects.exists()


def test_r2_order_is_signed_and_made_at_a_visit_or_in_advance(cast, patient_a):
    product = tbe_product()
    client = client_for(cast.bob)
    url = reverse("journal:order_create", args=[patient_a.pk])
    response = client.post(
        url,
        {
            "product": product.pk,
            "doses_total": "3",
            "valid_until": (timezone.localdate() + dt.timedelta(days=200)).isoformat(),
            "schedule_text": "0, 1, 6 månader",
        },
    )
    assert response.status_code == 302
    order = Order.objects.get(patient=patient_a)
    assert order.ordered_by == cast.bob
    assert order.signature == cast.bob.signature
    assert order.visit is None
    assert order.dose_ml == Decimal(str(product.default_dose_ml))
    visit = services.visit_open(patient=patient_a, unit=cast.unit_a, user=cast.alice)
    response = client.post(
        url + f"?besok={visit.pk}",
        {"product": product.pk, "doses_total": "1", "valid_until": timezone.localdate().isoformat()},
    )
    assert response.url == reverse("journal:visit", args=[patient_a.pk, visit.pk])
    assert Order.objects.filter(visit=visit).count() == 1
    bad = client.post(url, {"product": "x", "doses_total": "99", "valid_until": "igår"})
    assert bad.status_code == 200
    assert Order.objects.count() == 2


def test_r2_order_made_at_another_unit_is_used_at_the_vaccinating_unit(cast, patient_a):
    product = tbe_product()
    order = make_order(cast, patient_a, product, unit=cast.health_centre_a)
    ready = ready_visit(cast, patient=patient_a, product=product)
    dose = register(cast, ready, order=order)
    assert dose.order.unit == cast.health_centre_a
    assert dose.unit == cast.unit_a


def test_r2_doses_count_the_order_off_and_a_used_up_order_is_refused(cast):
    ready = ready_visit(cast, doses=1)
    register(cast, ready)
    with pytest.raises(services.JournalError, match="Alla 1 doser"):
        register(cast, ready, dose_number=2)
    assert Vaccination.objects.count() == 1


def test_r2_stale_form_after_another_nurse_gave_the_last_dose(cast):
    ready = ready_visit(cast, doses=1)
    other_nurse = UserFactory(caregiver=cast.caregiver_a, default_unit=cast.unit_a)
    alice = client_for(cast.alice)
    data = dose_post(ready)  # Alice's form is on screen…
    register(cast, ready, user=other_nurse)  # …while another nurse signs the last dose.
    response = alice.post(visit_url(ready), data)
    assert response.status_code == 200
    assert "Alla 1 doser i ordinationen är redan givna" in response.content.decode()
    assert Vaccination.objects.count() == 1


def test_r2_no_dose_without_an_order(cast):
    ready = ready_visit(cast)
    with pytest.raises(services.JournalError, match="Utan ordination"):
        register(cast, ready, order=None)
    dose = register(cast, ready)
    copy = Vaccination.objects.get(pk=dose.pk)
    copy.pk, copy.idempotency_key, copy.order = None, uuid.uuid4(), None
    with pytest.raises(IntegrityError, match="vaccination_given_is_complete"), transaction.atomic():
        copy.save(force_insert=True)


def test_r2_withdrawn_order_cannot_be_used(cast):
    ready = ready_visit(cast)
    client = client_for(cast.bob)
    url = reverse("journal:order_error", args=[ready.patient.pk, ready.order.pk])
    assert client.post(url, {"reason": "Fel vaccin"}).status_code == 302
    with pytest.raises(services.JournalError):
        register(cast, ready)
    assert client_for(cast.alice).post(url, {"reason": "x"}).status_code == 403


def test_r2_order_of_another_patient_or_caregiver_is_refused(cast, patient_a):
    ready = ready_visit(cast)
    other = make_order(cast, patient_a, ready.product)
    with pytest.raises(services.JournalError, match="annan patient"):
        register(cast, ready, order=other)
    b_patient = PatientFactory(caregiver=cast.caregiver_b)
    b_order = make_order(cast, b_patient, ready.product, by=cast.charlie, unit=cast.unit_b)
    response = client_for(cast.alice).post(visit_url(ready), dose_post(ready, order=b_order.pk))
    assert response.status_code == 200
    assert "Ordinationen finns inte längre" in response.content.decode()
    assert not Vaccination.objects.exists()


# --- Schedules ---------------------------------------------------------------------------------------


def test_dose_earlier_than_the_minimum_interval_needs_a_reason_kept_on_the_dose(cast, at_midday):
    ready = ready_visit(cast)
    register(cast, ready, given_at=timezone.now() - dt.timedelta(days=5))
    with pytest.raises(services.JournalError, match="minsta intervall är 14 dagar") as refused:
        register(cast, ready, dose_number=2)
    assert refused.value.field == "override_reason"
    dose = register(cast, ready, dose_number=2, override_reason="Snabbschema inför resa")
    assert dose.override_reason == "Snabbschema inför resa"
    assert "minsta intervall" in dose.schedule_deviation
    assert dose.next_due_date == timezone.localdate() + dt.timedelta(days=180)


def test_dose_outside_the_approved_age_needs_a_reason(cast):
    child = PatientFactory(
        caregiver=cast.caregiver_a, birth_date=timezone.localdate() - dt.timedelta(days=8 * 365)
    )
    ready = ready_visit(cast, patient=child)
    with pytest.raises(services.JournalError, match="yngre än produktens godkända ålder"):
        register(cast, ready)
    response = client_for(cast.alice).post(visit_url(ready), dose_post(ready))
    assert "Ange skäl för att ge dosen ändå" in response.content.decode()
    assert register(cast, ready, override_reason="Läkarbedömt, barndos ej tillgänglig").schedule_deviation


def test_hepatitis_b_schedule_0_1_6_months(cast, at_midday):
    ready = ready_visit(cast, product=hepb_product())
    first = register(cast, ready, given_at=timezone.now() - dt.timedelta(days=40))
    assert first.next_due_date == timezone.localtime(first.given_at).date() + dt.timedelta(days=30)
    second = register(cast, ready, dose_number=2)
    assert second.next_due_date == timezone.localdate() + dt.timedelta(days=150)
    third = register(cast, ready, dose_number=3, override_reason="Resa, snabbare schema")
    assert third.next_due_date is None


# --- Bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"order": ""},
        {"order": "abc"},
        {"lot": ""},
        {"dose_ml": "mycket"},
        {"dose_ml": "-1"},
        {"dose_number": "0"},
        {"given_at": "igår"},
        {"site": "nose-left"},
        {"idempotency_key": "not-a-uuid"},
        {"prepared_by": "999999"},
    ],
)
def test_bad_dose_input_gets_a_message_and_saves_nothing(cast, overrides):
    ready = ready_visit(cast)
    response = client_for(cast.alice).post(visit_url(ready), dose_post(ready, **overrides))
    assert response.status_code == 200
    assert "Något behöver rättas" in response.content.decode()
    assert not Vaccination.objects.exists()


def test_htmx_dose_post_answers_with_the_workspace_partial(cast):
    ready = ready_visit(cast)
    response = client_for(cast.alice).post(visit_url(ready), dose_post(ready), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "Vaccination signerad" in body
    assert 'id="dose-panel"' in body


def test_nurse_without_register_right_cannot_sign(cast):
    ready = ready_visit(cast)
    cast.alice.rights = ["journal_read"]
    cast.alice.save()
    # The door of the dose view refuses (rights are checked in views, docs/DEVELOPING.md).
    assert client_for(cast.alice).post(visit_url(ready), dose_post(ready)).status_code == 403
    assert not Vaccination.objects.exists()
