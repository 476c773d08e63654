"""Nothing signed is ever changed or deleted: each table's trigger refuses a raw UPDATE and DELETE.

And each constraint of the journal is hit once, so none of them is decoration.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from journal import services
from journal.models import (
    AttentionSignal,
    AttentionSignalInactivation,
    CheckConfirmation,
    EmergencyAccess,
    HealthDeclaration,
    NextDoseReminder,
    Note,
    NoteComment,
    Order,
    OrderEnteredInError,
    Questionnaire,
    ScheduleStep,
    SharedRecordBlock,
    SharedRecordConsent,
    SignalDocumented,
    Vaccination,
    VaccinationEnteredInError,
)
from tests.journal.factories import make_order, ready_visit, register, tbe_product

pytestmark = pytest.mark.django_db

APPEND_ONLY = [
    Questionnaire,
    HealthDeclaration,
    CheckConfirmation,
    Order,
    OrderEnteredInError,
    Vaccination,
    VaccinationEnteredInError,
    Note,
    NoteComment,
    AttentionSignal,
    AttentionSignalInactivation,
    SignalDocumented,
    SharedRecordConsent,
    SharedRecordBlock,
    EmergencyAccess,
    NextDoseReminder,
]


@pytest.fixture
def one_of_each(cast):
    ready = ready_visit(cast)
    dose = register(cast, ready)
    NextDoseReminder.objects.create(vaccination=dose, channel="sms")
    services.vaccination_enter_in_error(vaccination=dose, user=cast.alice, reason="test")
    spare = make_order(cast, ready.patient, ready.product)
    services.order_enter_in_error(order=spare, user=cast.bob, reason="test")
    note = services.note_create(patient=ready.patient, user=cast.bob, text="x")
    services.note_comment(note=note, user=cast.alice, text="y")
    signal = services.signal_create(patient=ready.patient, user=cast.bob, kind="other", agent="z")
    services.signal_inactivate(signal=signal, user=cast.bob, reason="fel")
    services.signal_mark_documented(signal=signal, user=cast.alice)
    services.consent_record(patient=ready.patient, user=cast.alice, given=True)
    services.block_record(patient=ready.patient, user=cast.alice, vaccination=None)
    EmergencyAccess.objects.create(
        patient=ready.patient,
        user=cast.alice,
        reason="test",
        valid_until=timezone.now() + dt.timedelta(hours=1),
    )
    return ready


@pytest.mark.parametrize("model", APPEND_ONLY, ids=lambda m: m.__name__)
def test_signed_rows_cannot_be_updated_or_deleted(one_of_each, model):
    table = model._meta.db_table
    row_id = model.objects.order_by("pk").values_list("pk", flat=True).first()
    assert row_id is not None
    with (
        pytest.raises(DatabaseError, match="Cannot update or delete"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {table} SET id = id WHERE id = %s", [row_id])  # noqa: S608 (table from the model)
    with (
        pytest.raises(DatabaseError, match="Cannot update or delete"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [row_id])  # noqa: S608
    assert model.objects.filter(pk=row_id).exists()


def test_the_orm_cannot_edit_a_signed_dose_either(one_of_each):
    dose = Vaccination.objects.first()
    dose.lot_number = "ÄNDRAD"
    with pytest.raises(DatabaseError), transaction.atomic():
        dose.save()


def test_order_constraints(cast, patient_a):
    product = tbe_product()
    base = {
        "caregiver": cast.caregiver_a,
        "patient": patient_a,
        "product": product,
        "valid_until": timezone.localdate(),
        "ordered_by": cast.bob,
        "signature": "x",
        "unit": cast.unit_a,
    }
    with pytest.raises(IntegrityError, match="order_doses_1_to_10"), transaction.atomic():
        Order.objects.create(dose_ml=Decimal("0.5"), doses_total=0, **base)
    with pytest.raises(IntegrityError, match="order_dose_positive"), transaction.atomic():
        Order.objects.create(dose_ml=Decimal("0"), doses_total=1, **base)
    with pytest.raises(services.JournalError, match="bakåt"):
        services.order_create(
            patient=patient_a,
            user=cast.bob,
            unit=cast.unit_a,
            product=product,
            dose_ml=Decimal("0.5"),
            doses_total=1,
            valid_until=timezone.localdate() - dt.timedelta(days=1),
        )
    with pytest.raises(services.JournalError, match="egen vårdgivare"):
        services.order_create(
            patient=patient_a,
            user=cast.bob,
            unit=cast.unit_b,
            product=product,
            dose_ml=Decimal("0.5"),
            doses_total=1,
            valid_until=timezone.localdate(),
        )


def test_schedule_constraints():
    product = tbe_product()
    with pytest.raises(IntegrityError, match="schedule_step_unique"), transaction.atomic():
        ScheduleStep.objects.create(product=product, dose_number=2, min_days=1, recommended_days=2)
    with pytest.raises(IntegrityError, match="schedule_step_from_dose_2"), transaction.atomic():
        ScheduleStep.objects.create(product=product, dose_number=1, min_days=1, recommended_days=2)
    with pytest.raises(IntegrityError, match="schedule_step_recommended_after_min"), transaction.atomic():
        ScheduleStep.objects.create(product=product, dose_number=4, min_days=10, recommended_days=2)


def test_vaccination_row_constraints(cast):
    ready = ready_visit(cast)
    dose = register(cast, ready)

    def copy(**changes):
        row = Vaccination.objects.get(pk=dose.pk)
        row.pk, row.idempotency_key = None, None
        for name, value in changes.items():
            setattr(row, name, value)
        return row

    with pytest.raises(IntegrityError, match="vaccination_given_is_complete"), transaction.atomic():
        copy(site="").save(force_insert=True)
    with pytest.raises(IntegrityError, match="vaccination_not_given_has_reason"), transaction.atomic():
        copy(status="not_given", not_given_reason="").save(force_insert=True)
    with pytest.raises(IntegrityError, match="vaccination_elsewhere_names_vaccine"), transaction.atomic():
        copy(status="given_elsewhere", product=None, batch=None, product_text="").save(force_insert=True)
    with pytest.raises(IntegrityError, match="vaccination_dose_number_range"), transaction.atomic():
        copy(dose_number=99).save(force_insert=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        copy(idempotency_key=dose.idempotency_key).save(force_insert=True)
    other = ready_visit(cast, product=ready.product)
    with pytest.raises(DatabaseError, match="visit of another patient"), transaction.atomic():
        copy(visit=other.visit).save(force_insert=True)


def test_marks_are_one_per_row(cast):
    ready = ready_visit(cast)
    dose = register(cast, ready)
    services.vaccination_enter_in_error(vaccination=dose, user=cast.alice, reason="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        VaccinationEnteredInError.objects.create(vaccination=dose, reason="b", by=cast.alice, signature="x")
    services.order_enter_in_error(order=ready.order, user=cast.bob, reason="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderEnteredInError.objects.create(order=ready.order, reason="b", by=cast.bob, signature="x")
    with pytest.raises(services.JournalError, match="redan makulerad"):
        services.order_enter_in_error(order=ready.order, user=cast.bob, reason="c")


def test_questionnaire_versions_are_unique():
    with pytest.raises(IntegrityError), transaction.atomic():
        Questionnaire.objects.create(version=1, title="x", questions=[])
