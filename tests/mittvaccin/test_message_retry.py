"""Messages that fail are retried with growing pauses, shown to staff when they finally fail, and sent
at most once (mittvaccin/messaging.py). The SMS gateway is the outside world: a stand-in that fails a
chosen number of times records what it delivered."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from journal.models import NextDoseReminder
from journal.reminders import next_dose_reminder_send
from mittvaccin import messaging
from mittvaccin.models import OutboundMessage
from tests.conftest import client_for
from tests.journal.factories import ready_visit, register

pytestmark = pytest.mark.django_db

Status = OutboundMessage.Status


class FlakySms:
    """Fails the first `failures` sends, then delivers; remembers what it delivered."""

    failures = 0
    calls = 0
    delivered: list = []

    def send(self, recipient, body):
        FlakySms.calls += 1
        if FlakySms.calls <= FlakySms.failures:
            raise ConnectionError("the SMS gateway did not answer")
        FlakySms.delivered.append((recipient, body))


@pytest.fixture
def flaky_sms(settings):
    settings.SMS_BACKEND = f"{__name__}.FlakySms"
    FlakySms.failures, FlakySms.calls, FlakySms.delivered = 0, 0, []
    return FlakySms


def later(minutes):
    return time_machine.travel(timezone.now() + dt.timedelta(minutes=minutes), tick=False)


def test_a_message_that_fails_twice_is_retried_with_backoff_and_sent_once(cast, flaky_sms):
    flaky_sms.failures = 2
    message = messaging.send_sms(to="070-1234567", body="Dags för dos 2", caregiver=cast.caregiver_a)
    assert (message.status, message.attempts) == (Status.PENDING, 1)
    assert "did not answer" in message.last_error
    first_pause = message.next_attempt_at - message.created_at
    assert dt.timedelta(seconds=50) < first_pause <= dt.timedelta(minutes=1, seconds=10)

    assert messaging.messages_retry_due() == 0  # the pause is not over yet
    with later(2):
        assert messaging.messages_retry_due() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.PENDING, 2)
    second_pause = message.next_attempt_at - timezone.now()
    assert second_pause > dt.timedelta(minutes=5)  # 4 minutes after the second failure, from 2 ahead

    with later(10):
        assert messaging.messages_retry_due() == 1
        assert messaging.messages_retry_due() == 0  # nothing left to do, however often beat runs
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (Status.SENT, 3, "")
    assert message.sent_at is not None
    assert flaky_sms.delivered == [("070-1234567", "Dags för dos 2")]
    assert flaky_sms.calls == 3


def test_a_message_that_keeps_failing_is_given_up_and_shown_to_staff(cast, flaky_sms):
    flaky_sms.failures = 100
    message = messaging.send_sms(
        to="070-1234567",
        body="Påminnelse",
        caregiver=cast.caregiver_a,
        purpose="booking_reminder",
        reference="ABC123",
    )
    for minutes in (2, 10, 30, 100, 300, 1000):
        with later(minutes):
            messaging.messages_retry_due()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.FAILED, messaging.MAX_ATTEMPTS)
    assert flaky_sms.calls == messaging.MAX_ATTEMPTS
    assert flaky_sms.delivered == []

    page = client_for(cast.clinic_a).get(reverse("undelivered_messages"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Gick inte fram" in html and "ABC123" in html and "Påminnelse om besök" in html
    assert "070-1234567" not in html  # the list reads no patient data; the booking page shows it
    # Another caregiver sees none of it.
    assert "ABC123" not in client_for(cast.charlie).get(reverse("undelivered_messages")).content.decode()
    # The menu leads there.
    assert reverse("undelivered_messages") in client_for(cast.clinic_a).get("/").content.decode()


def test_two_retry_runs_at_once_send_a_message_once(cast, flaky_sms):
    flaky_sms.failures = 1
    message = messaging.send_sms(to="070-1", body="x", caregiver=cast.caregiver_a)
    with later(2):
        # A second run that arrives while the first holds the claim finds nothing to do.
        claimed = OutboundMessage.objects.filter(pk=message.pk, status=Status.PENDING).update(
            status=Status.SENDING, claimed_at=timezone.now()
        )
        assert claimed == 1
        assert messaging.messages_retry_due() == 0
    assert flaky_sms.delivered == []


def test_a_send_that_never_reported_back_is_not_repeated(cast, flaky_sms):
    """The worker died while sending: the message may have gone out, so it is shown, never resent."""
    message = OutboundMessage.objects.create(
        caregiver=cast.caregiver_a,
        channel="sms",
        recipient="070-1",
        body="x",
        status=Status.SENDING,
        attempts=1,
        claimed_at=timezone.now(),
    )
    with later(20):
        assert messaging.messages_retry_due() == 0
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert "okänt om meddelandet kom fram" in message.last_error
    assert flaky_sms.calls == 0


def test_the_same_message_key_sends_once(cast, flaky_sms):
    first = messaging.send_sms(to="070-1", body="Bokad", caregiver=cast.caregiver_a, key="booking:1:made")
    second = messaging.send_sms(to="070-1", body="Bokad", caregiver=cast.caregiver_a, key="booking:1:made")
    assert first.pk == second.pk
    assert flaky_sms.delivered == [("070-1", "Bokad")]


def test_an_e_mail_keeps_its_attachment_for_the_retry(cast, mailoutbox, settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyEmailBackend"
    FlakyEmailBackend.failures, FlakyEmailBackend.calls = 1, 0
    message = messaging.send_email(
        to="a@example.invalid",
        subject="Bokad",
        body="Din tid",
        caregiver=cast.caregiver_a,
        attachments=[("besok.ics", "BEGIN:VCALENDAR", "text/calendar")],
    )
    assert message.status == Status.PENDING
    with later(2):
        messaging.messages_retry_due()
    message.refresh_from_db()
    assert message.status == Status.SENT
    [sent] = FlakyEmailBackend.sent
    assert sent.attachments[0][0] == "besok.ics"


class FlakyEmailBackend:
    failures = 0
    calls = 0
    sent: list = []

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        FlakyEmailBackend.calls += 1
        if FlakyEmailBackend.calls <= FlakyEmailBackend.failures:
            raise OSError("SMTP server away")
        FlakyEmailBackend.sent = list(messages)
        return len(messages)


def test_a_next_dose_reminder_that_fails_is_retried_not_lost(
    cast, flaky_sms, django_capture_on_commit_callbacks
):
    """The claim row is final, the message is not: it goes out on the retry, once."""

    dose = register(cast, ready_visit(cast))
    assert dose.patient.phone and dose.next_due_date
    flaky_sms.failures = 1
    with django_capture_on_commit_callbacks(execute=True):
        assert next_dose_reminder_send(vaccination_id=dose.pk)
    assert NextDoseReminder.objects.filter(vaccination=dose).exists()
    message = OutboundMessage.objects.get(purpose="next_dose")
    assert message.status == Status.PENDING
    with later(2):
        messaging.messages_retry_due()
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert len(flaky_sms.delivered) == 1
