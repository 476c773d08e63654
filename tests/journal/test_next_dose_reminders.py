"""Next-dose reminders: once per dose, before it falls due, never to a protected patient."""

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from journal import services
from journal.models import NextDoseReminder
from journal.reminders import next_dose_reminders_due, next_dose_reminders_send
from journal.tasks import send_next_dose_reminders
from mittvaccin.models import OutboundMessage
from tests.conftest import client_for
from tests.factories import PatientFactory
from tests.journal.factories import ready_visit, register, tbe_product
from tests.worker import wait_for_queued_tasks


@pytest.fixture
def first_dose(cast):
    ready = ready_visit(cast)
    dose = register(cast, ready)
    assert dose.next_due_date
    return dose


def reminders():
    return OutboundMessage.objects.filter(purpose="next_dose")


def test_the_patient_is_reminded_once_before_the_next_dose_falls_due(
    cast, first_dose, django_capture_on_commit_callbacks
):
    too_early = first_dose.next_due_date - dt.timedelta(days=30)
    assert next_dose_reminders_send(today=too_early) == 0
    in_time = first_dose.next_due_date - dt.timedelta(days=10)
    with django_capture_on_commit_callbacks(execute=True):
        assert next_dose_reminders_send(today=in_time) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert next_dose_reminders_send(today=in_time) == 0  # run again: nothing more
    [message] = reminders()
    assert message.channel == "sms"
    assert message.recipient == first_dose.patient.phone
    assert first_dose.next_due_date.isoformat() in message.body
    assert "FSME-Immun" in message.body


def test_e_mail_when_the_patient_has_no_phone(cast, django_capture_on_commit_callbacks):
    patient = PatientFactory(caregiver=cast.caregiver_a, phone="", email="astrid@example.invalid")
    dose = register(cast, ready_visit(cast, patient=patient))
    with django_capture_on_commit_callbacks(execute=True):
        next_dose_reminders_send(today=dose.next_due_date)
    assert reminders().get().channel == "email"


def test_r7_no_reminder_to_a_patient_with_protected_identity(cast):
    patient = PatientFactory(caregiver=cast.caregiver_a, protected=True)
    dose = register(cast, ready_visit(cast, patient=patient))
    assert not next_dose_reminders_due(dose.next_due_date).exists()
    assert next_dose_reminders_send(today=dose.next_due_date) == 0


def test_no_reminder_when_the_dose_was_entered_in_error(cast, first_dose):
    services.vaccination_enter_in_error(vaccination=first_dose, user=cast.alice, reason="Fel patient")
    assert next_dose_reminders_send(today=first_dose.next_due_date) == 0


def test_no_reminder_when_a_later_dose_of_the_series_is_registered(cast):
    with time_machine.travel(dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC), tick=False):
        dose = register(cast, ready_visit(cast))
    assert next_dose_reminders_due(dose.next_due_date).filter(pk=dose.pk).exists()
    services.vaccination_record_elsewhere(
        patient=dose.patient,
        user=cast.alice,
        given_on=dt.date(2026, 1, 20),
        product=tbe_product(),
        dose_number=2,
        place="Vårdcentralen i Torsby",
    )
    assert next_dose_reminders_send(today=dose.next_due_date) == 0


def test_the_database_allows_one_reminder_per_dose(cast, first_dose):
    NextDoseReminder.objects.create(vaccination=first_dose, channel="sms")
    with pytest.raises(IntegrityError):
        NextDoseReminder.objects.create(vaccination=first_dose, channel="email")


@pytest.mark.django_db(transaction=True)
def test_the_beat_job_on_a_real_worker_sends_once_even_when_run_twice(cast, celery_worker):
    patient = PatientFactory(caregiver=cast.caregiver_a)
    with time_machine.travel(dt.datetime.now(dt.UTC) - dt.timedelta(days=25), tick=False):
        dose = register(cast, ready_visit(cast, patient=patient))
    assert dose.next_due_date - dt.timedelta(days=14) <= timezone.localdate() <= dose.next_due_date
    send_next_dose_reminders.delay()
    send_next_dose_reminders.delay()
    wait_for_queued_tasks()
    assert reminders().filter(reference=f"vaccination-{dose.pk}").count() == 1


def test_the_history_shows_when_the_patient_was_reminded(
    cast, first_dose, django_capture_on_commit_callbacks
):

    with django_capture_on_commit_callbacks(execute=True):
        next_dose_reminders_send(today=first_dose.next_due_date)
    html = (
        client_for(cast.alice).get(reverse("journal:patient", args=[first_dose.patient_id])).content.decode()
    )
    assert "påmind" in html
