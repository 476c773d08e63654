"""R8 and R9: the no-show and late-cancel jobs: one charge per booking, campaigns, exceptions, runs."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import ArticleKind, Charge, ChargeStatus, JobKind, JobRun, JobStatus, Price
from billing.services import BillingError
from billing.services.jobs import JobAlreadyRunning, job_execute, job_queue, late_cancellation_charge
from booking.models import ActorKind, FeeDue
from booking.services import booking_cancel, booking_undo_no_show
from journal.models import Visit, VisitKind
from journal.services.visits import visits_open_for_bookings
from tests.billing.factories import (
    adult,
    approved,
    article,
    article_price,
    booking_for,
    campaign,
    child,
    late_cancellation,
    no_show,
    ready_caregiver,
    timebook_for,
)
from tests.conftest import client_for


@pytest.fixture(autouse=True)
def _prices(cast):
    article_price(cast.caregiver_a, ArticleKind.NO_SHOW, "400")
    article_price(cast.caregiver_a, ArticleKind.LATE_CANCELLATION, "300")


@pytest.fixture
def tb(cast):
    return timebook_for(cast.unit_a)


def run(cast, kind, user=None):
    queued = job_queue(caregiver=cast.caregiver_a, kind=kind, user=user)
    return job_execute(run_id=queued.pk)


def test_r8_no_show_gets_its_own_visit_and_only_the_article_charge(cast, alice, tb):
    patient = adult(cast.caregiver_a)
    booking = no_show(patient, cast.unit_a, alice, timebook=tb)
    done = run(cast, JobKind.NO_SHOW)
    assert (done.status, done.total, done.created) == (JobStatus.FINISHED, 1, 1)
    [charge] = Charge.objects.filter(booking_id=booking.pk)
    assert charge.article.kind == ArticleKind.NO_SHOW
    assert charge.description == "Uteblivet besök vaccination"
    assert charge.amount == Decimal("400.00")
    assert charge.service_date == timezone.localdate(booking.starts_at)
    assert charge.visit.kind == VisitKind.NO_SHOW
    assert charge.visit.booking_id == booking.pk
    assert charge.visit.charges.count() == 1


def test_r8_running_twice_creates_nothing_twice(cast, alice, tb):
    for _ in range(3):
        no_show(adult(cast.caregiver_a), cast.unit_a, alice, timebook=tb)
    first = run(cast, JobKind.NO_SHOW)
    second = run(cast, JobKind.NO_SHOW)
    assert (first.created, second.created) == (3, 0)
    assert (second.total, second.processed, second.already_done) == (0, 0, 0)
    assert Charge.objects.count() == 3
    assert Visit.objects.filter(kind=VisitKind.NO_SHOW).count() == 3


def test_r8_units_without_payment_solution_are_skipped(cast, alice):
    no_show(
        adult(cast.caregiver_a), cast.unit_a_no_payment, alice, timebook=timebook_for(cast.unit_a_no_payment)
    )
    done = run(cast, JobKind.NO_SHOW)
    assert (done.created, done.skipped_no_invoicing) == (0, 1)
    assert not Charge.objects.exists()
    assert not Visit.objects.filter(kind=VisitKind.NO_SHOW).exists()


def test_r8_undone_no_show_is_not_invoiced(cast, alice, tb):
    booking = no_show(adult(cast.caregiver_a), cast.unit_a, alice, timebook=tb)
    booking_undo_no_show(booking=booking, user=alice, reason="Kom tio minuter sent")
    assert run(cast, JobKind.NO_SHOW).created == 0
    assert not Charge.objects.exists()


def test_r8_no_show_undone_after_charging_is_cancelled_with_the_reason(cast, alice, tb):
    booking = no_show(adult(cast.caregiver_a), cast.unit_a, alice, timebook=tb)
    run(cast, JobKind.NO_SHOW)
    booking_undo_no_show(booking=booking, user=alice, reason="Satt i fel väntrum")
    run(cast, JobKind.NO_SHOW)
    charge = Charge.objects.get(booking_id=booking.pk)
    assert charge.status == ChargeStatus.CANCELLED
    assert "Satt i fel väntrum" in charge.adjustments.get().reason


def test_r8_no_show_undone_after_invoicing_is_flagged_for_a_credit_note(cast, alice, tb, clinic_user):
    ready_caregiver(cast.caregiver_a)
    booking = no_show(adult(cast.caregiver_a), cast.unit_a, alice, timebook=tb)
    run(cast, JobKind.NO_SHOW)
    approved(list(Charge.objects.filter(booking_id=booking.pk)), clinic_user)
    [invoice] = services.invoices_issue(caregiver=cast.caregiver_a, user=clinic_user).invoices
    booking_undo_no_show(booking=booking, user=alice, reason="Kom ändå")
    done = run(cast, JobKind.NO_SHOW)
    assert done.error_count == 1
    assert str(invoice.number) in done.errors[0]["message"]
    assert Charge.objects.get(booking_id=booking.pk).status == ChargeStatus.INVOICED


@pytest.mark.parametrize("exempt", [True, False])
def test_r8_r9_booking_made_shortly_before_the_visit_is_an_exception_when_configured(cast, alice, tb, exempt):
    ready_caregiver(cast.caregiver_a, exempt_short_notice_bookings=exempt)
    no_show(adult(cast.caregiver_a), cast.unit_a, alice, made_days_before=0.1, timebook=tb)
    late_cancellation(adult(cast.caregiver_a), cast.unit_a, hours_before=5, made_hours_before=8, timebook=tb)
    no_shows, lates = run(cast, JobKind.NO_SHOW), run(cast, JobKind.LATE_CANCELLATION)
    if exempt:
        assert (no_shows.skipped_exception, lates.skipped_exception) == (1, 1)
        assert not Charge.objects.exists()
    else:
        assert (no_shows.created, lates.created) == (1, 1)


def test_r8_r9_exception_hours_are_configurable(cast, alice, tb):
    ready_caregiver(cast.caregiver_a, short_notice_hours=48)
    late_cancellation(adult(cast.caregiver_a), cast.unit_a, hours_before=5, made_hours_before=30, timebook=tb)
    assert run(cast, JobKind.LATE_CANCELLATION).skipped_exception == 1


def test_r8_r9_jobs_can_be_switched_off_per_caregiver(cast, alice, tb):
    ready_caregiver(cast.caregiver_a, invoice_no_shows=False)
    no_show(adult(cast.caregiver_a), cast.unit_a, alice, timebook=tb)
    done = run(cast, JobKind.NO_SHOW)
    assert done.created == 0
    assert "avstängd" in done.errors[0]["message"]


def test_r9_late_cancellation_is_invoiced_with_the_fee(cast, tb):
    booking = late_cancellation(adult(cast.caregiver_a), cast.unit_a, timebook=tb)
    assert run(cast, JobKind.LATE_CANCELLATION).created == 1
    charge = Charge.objects.get(booking_id=booking.pk)
    assert charge.description == "Sent avbokat besök vaccination"
    assert charge.amount == Decimal("300.00")
    assert charge.visit.kind == VisitKind.LATE_CANCELLATION


def test_r9_cancellation_in_good_time_or_by_the_clinic_is_not_invoiced(cast, tb):
    late_cancellation(adult(cast.caregiver_a), cast.unit_a, hours_before=48, timebook=tb)
    starts = timezone.now() + dt.timedelta(hours=5)
    clinic_cancelled = booking_for(
        adult(cast.caregiver_a),
        cast.unit_a,
        starts_at=starts,
        made_at=starts - dt.timedelta(days=3),
        timebook=tb,
    )
    booking_cancel(booking=clinic_cancelled, by_kind=ActorKind.CLINIC)
    assert run(cast, JobKind.LATE_CANCELLATION).total == 0
    assert not Charge.objects.exists()


def test_r9_children_and_youth_get_the_campaign_on_a_late_cancellation(cast, tb):
    (
        article_price(cast.caregiver_a, ArticleKind.LATE_CANCELLATION, "300", valid_from=dt.date(2020, 1, 1))
        if False
        else None
    )

    article = services.articles_ensure(cast.caregiver_a)[ArticleKind.LATE_CANCELLATION]
    kids = campaign(cast.caregiver_a, articles=[article], name="Barn och unga", min_age=0, max_age=19)
    young = late_cancellation(child(cast.caregiver_a, age_years=11), cast.unit_a, timebook=tb)
    grown = late_cancellation(adult(cast.caregiver_a), cast.unit_a, timebook=tb)
    run(cast, JobKind.LATE_CANCELLATION)
    assert Charge.objects.get(booking_id=young.pk).campaign == kids
    assert Charge.objects.get(booking_id=young.pk).amount == 0
    assert Charge.objects.get(booking_id=grown.pk).amount == Decimal("300.00")


def test_r9_missing_price_is_an_error_on_the_run_and_the_next_run_catches_up(cast, tb):
    Price.objects.filter(article__kind=ArticleKind.LATE_CANCELLATION).delete()
    booking = late_cancellation(adult(cast.caregiver_a), cast.unit_a, timebook=tb)
    failed = run(cast, JobKind.LATE_CANCELLATION)
    assert (failed.status, failed.created, failed.error_count) == (JobStatus.FINISHED, 0, 1)
    assert "inget pris" in failed.errors[0]["message"]
    article_price(cast.caregiver_a, ArticleKind.LATE_CANCELLATION, "300")
    assert run(cast, JobKind.LATE_CANCELLATION).created == 1
    assert Charge.objects.filter(booking_id=booking.pk).count() == 1


def test_r9_manual_late_cancel_path_from_the_booking(cast, tb):
    booking = late_cancellation(adult(cast.caregiver_a), cast.unit_a, timebook=tb)
    charge = late_cancellation_charge(booking=booking, user=cast.clinic_a)
    assert charge.amount == Decimal("300.00")
    assert late_cancellation_charge(booking=booking, user=cast.clinic_a) == charge
    assert run(cast, JobKind.LATE_CANCELLATION).created == 0
    assert Charge.objects.filter(booking_id=booking.pk).count() == 1


def test_r9_manual_path_refuses_what_is_not_a_late_cancellation(cast, tb):
    early = late_cancellation(adult(cast.caregiver_a), cast.unit_a, hours_before=72, timebook=tb)
    with pytest.raises(BillingError, match="inte en sen avbokning"):
        late_cancellation_charge(booking=early, user=cast.clinic_a)
    elsewhere = late_cancellation(
        adult(cast.caregiver_a), cast.unit_a_no_payment, timebook=timebook_for(cast.unit_a_no_payment)
    )
    with pytest.raises(BillingError, match="ingen betallösning"):
        late_cancellation_charge(booking=elsewhere, user=cast.clinic_a)
    short = late_cancellation(
        adult(cast.caregiver_a), cast.unit_a, hours_before=5, made_hours_before=6, timebook=tb
    )
    with pytest.raises(BillingError, match="undantagen"):
        late_cancellation_charge(booking=short, user=cast.clinic_a)
    assert not Charge.objects.exists()


def test_r9_manual_path_on_the_page(cast, tb):
    booking = late_cancellation(adult(cast.caregiver_a), cast.unit_a, timebook=tb)
    client = client_for(cast.clinic_a)
    listing = client.get(reverse("billing:late_cancellations")).content.decode()
    assert reverse("billing:late_cancellation", args=[booking.pk]) in listing
    page = client.get(reverse("billing:late_cancellation", args=[booking.pk]))
    assert "Debitera sen avbokning" in page.content.decode()
    response = client.post(reverse("billing:late_cancellation", args=[booking.pk]), follow=True)
    assert "debiterad: 300,00" in response.content.decode()
    again = client.post(reverse("billing:late_cancellation", args=[booking.pk]), follow=True)
    assert again.status_code == 200
    assert Charge.objects.filter(booking_id=booking.pk).count() == 1


def test_r9_the_booking_page_leads_to_the_manual_late_cancel_path(cast, tb):
    late = late_cancellation(adult(cast.caregiver_a), cast.unit_a, timebook=tb)
    early = late_cancellation(adult(cast.caregiver_a), cast.unit_a, hours_before=72, timebook=tb)
    link = reverse("billing:late_cancellation", args=[late.pk])
    page = client_for(cast.clinic_a).get(reverse("booking:booking", args=[late.pk])).content.decode()
    assert link in page
    # Not for a timely cancellation, and not for a nurse without the invoicing right.
    early_page = client_for(cast.clinic_a).get(reverse("booking:booking", args=[early.pk])).content.decode()
    assert reverse("billing:late_cancellation", args=[early.pk]) not in early_page
    assert link not in client_for(cast.alice).get(reverse("booking:booking", args=[late.pk])).content.decode()


def test_r9_manual_path_refusal_is_a_message(cast, tb):
    early = late_cancellation(adult(cast.caregiver_a), cast.unit_a, hours_before=72, timebook=tb)
    response = client_for(cast.clinic_a).post(reverse("billing:late_cancellation", args=[early.pk]))
    assert response.status_code == 200
    assert "inte en sen avbokning" in response.content.decode()


def test_one_active_run_per_caregiver_and_kind(cast):
    first = job_queue(caregiver=cast.caregiver_a, kind=JobKind.NO_SHOW)
    with pytest.raises(JobAlreadyRunning) as running:
        job_queue(caregiver=cast.caregiver_a, kind=JobKind.NO_SHOW)
    assert running.value.run == first
    job_queue(caregiver=cast.caregiver_a, kind=JobKind.LATE_CANCELLATION)
    job_queue(caregiver=cast.caregiver_b, kind=JobKind.NO_SHOW)


def test_a_run_that_stopped_answering_is_marked_interrupted(cast):
    stuck = job_queue(caregiver=cast.caregiver_a, kind=JobKind.NO_SHOW)
    JobRun.objects.filter(pk=stuck.pk).update(
        status=JobStatus.RUNNING, heartbeat_at=timezone.now() - dt.timedelta(hours=1)
    )
    fresh = job_queue(caregiver=cast.caregiver_a, kind=JobKind.NO_SHOW)
    stuck.refresh_from_db()
    assert stuck.status == JobStatus.INTERRUPTED
    assert fresh.status == JobStatus.QUEUED


def test_executing_a_run_twice_does_it_once(cast, alice, tb):
    no_show(adult(cast.caregiver_a), cast.unit_a, alice, timebook=tb)
    queued = job_queue(caregiver=cast.caregiver_a, kind=JobKind.NO_SHOW)
    job_execute(run_id=queued.pk)
    again = job_execute(run_id=queued.pk)
    assert again.created == 1
    assert Charge.objects.count() == 1


def test_runs_page_shows_progress_and_starts_jobs(cast, alice, tb):
    client = client_for(cast.clinic_a)
    response = client.post(reverse("billing:job_start"), {"kind": JobKind.NO_SHOW}, follow=True)
    assert "har startat" in response.content.decode()
    again = client.post(reverse("billing:job_start"), {"kind": JobKind.NO_SHOW}, follow=True)
    assert "pågår redan" in again.content.decode()
    bad = client.post(reverse("billing:job_start"), {"kind": "rm -rf"}, follow=True)
    assert "Okänt jobb" in bad.content.decode()
    run_ = JobRun.objects.get(kind=JobKind.NO_SHOW)
    partial = client.get(reverse("billing:job_runs"), headers={"HX-Request": "true"})
    assert 'hx-trigger="load delay:2s"' in partial.content.decode()  # polls while the run is active
    assert client.get(reverse("billing:job_run", args=[run_.pk])).status_code == 200
    assert client_for(cast.alice).get(reverse("billing:job_runs")).status_code == 403


def test_r4_runs_of_another_caregiver_are_not_shown(cast):
    foreign = job_queue(caregiver=cast.caregiver_b, kind=JobKind.NO_SHOW)
    assert client_for(cast.clinic_a).get(reverse("billing:job_run", args=[foreign.pk])).status_code == 404
    page = client_for(cast.clinic_a).get(reverse("billing:job_runs")).content.decode()
    assert reverse("billing:job_run", args=[foreign.pk]) not in page


def test_no_query_of_a_run_joins_the_due_bookings_to_the_charges(cast, alice, tb):
    """Right after a run inserted its charges the planner's statistics of them are stale (the app role
    cannot ANALYZE): a join or EXISTS over the charges was once planned as a scan per booking. Every
    statement of a run reads either the bookings or the charges, and the run's statements are few."""
    for _ in range(3):
        no_show(adult(cast.caregiver_a), cast.unit_a, alice, timebook=tb)
    undone = no_show(adult(cast.caregiver_a), cast.unit_a, alice, timebook=tb)
    run(cast, JobKind.NO_SHOW)
    booking_undo_no_show(booking=undone, user=alice, reason="Kom ändå")
    with CaptureQueriesContext(connection) as captured:
        again = run(cast, JobKind.NO_SHOW)
    assert (again.created, again.already_done) == (0, 0)
    assert Charge.objects.get(booking_id=undone.pk).status == ChargeStatus.CANCELLED
    both = [
        q["sql"]
        for q in captured.captured_queries
        if "booking_booking" in q["sql"] and "billing_charge" in q["sql"]
    ]
    assert not both, both
    assert len(captured.captured_queries) <= 35, "\n".join(q["sql"][:120] for q in captured.captured_queries)


def test_r8_a_booking_skipped_for_want_of_a_price_is_charged_by_the_run_after_the_price_came(cast, alice, tb):
    """A booking without a price has no charge, stays on the work list and is reported on every run until
    it has one; the one charged left the list, and the progress total counts only what is left to charge."""
    Price.objects.filter(article__kind=ArticleKind.NO_SHOW).delete()
    recent = no_show(adult(cast.caregiver_a), cast.unit_a, alice, hours_ago=3, timebook=tb)
    older = no_show(adult(cast.caregiver_a), cast.unit_a, alice, hours_ago=80, timebook=tb)
    recent_day, older_day = timezone.localdate(recent.starts_at), timezone.localdate(older.starts_at)
    fee = article_price(cast.caregiver_a, ArticleKind.NO_SHOW, "400", valid_from=recent_day)

    first = run(cast, JobKind.NO_SHOW)
    assert list(FeeDue.objects.values_list("booking_id", flat=True)) == [older.pk]
    second = run(cast, JobKind.NO_SHOW)
    services.price_set(
        caregiver=cast.caregiver_a,
        article=fee,
        amount=Decimal("350"),
        valid_from=older_day,
        valid_until=recent_day - dt.timedelta(days=1),
    )
    third = run(cast, JobKind.NO_SHOW)
    fourth = run(cast, JobKind.NO_SHOW)

    figures = [
        (r.total, r.processed, r.created, r.already_done, r.error_count) for r in (first, second, third)
    ]
    assert figures == [(2, 2, 1, 0, 1), (1, 1, 0, 0, 1), (1, 1, 1, 0, 0)]
    assert "inget pris" in first.errors[0]["message"]
    assert "inget pris" in second.errors[0]["message"]
    assert (fourth.total, fourth.processed, fourth.created, fourth.already_done) == (0, 0, 0, 0)
    assert not FeeDue.objects.exists()
    assert Charge.objects.get(booking_id=older.pk).amount == Decimal("350.00")
    assert Charge.objects.filter(booking_id=recent.pk).count() == 1


def test_r8_a_row_that_breaks_another_uniqueness_is_recorded_not_dropped(cast, alice, tb):
    """The charge INSERT names its one expected conflict (a charge of the booking and article there
    already); a row that breaks another unique index is refused, recorded on the run for that booking,
    and the batch's other bookings are charged."""
    clash, fine = (no_show(adult(cast.caregiver_a), cast.unit_a, alice, timebook=tb) for _ in range(2))
    visits = visits_open_for_bookings(
        rows=[(clash.pk, clash.patient_id, clash.unit_id, clash.starts_at)], kind=VisitKind.NO_SHOW
    )
    # The article already charged on the booking's visit, without the booking: one article per visit.
    services.charge_for_article(
        visit=Visit.objects.get(pk=visits[clash.pk]), article=article(cast.caregiver_a, ArticleKind.NO_SHOW)
    )
    done = run(cast, JobKind.NO_SHOW)
    assert (done.status, done.processed, done.created, done.error_count) == (JobStatus.FINISHED, 2, 1, 1)
    assert done.errors[0]["booking"] == clash.pk
    assert "IntegrityError" in done.errors[0]["message"]
    assert Charge.objects.filter(booking_id=fine.pk).count() == 1
    assert not Charge.objects.filter(booking_id=clash.pk).exists()
