"""The no-show and late-cancel invoicing jobs (R8, R9), and the manual late-cancel path.

Each run looks at the caregiver's bookings that became no-shows or were cancelled late, and for each
one opens a visit of its own kind (journal.services.visit_open, idempotent per booking and kind) that
holds only the article charge. A campaign applies where the patient qualifies by age or birth year.

Idempotency: the unique constraint `charge_one_per_booking_and_article` allows one charge per booking
and article, and every run starts by leaving out bookings that already have theirs. A second run
creates nothing; a run that crashed half-way left only whole chunks behind (each chunk is one
transaction), and the next run does the rest.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import (
    ArticleKind,
    Charge,
    ChargeSource,
    ChargeStatus,
    JobKind,
    JobRun,
    JobStatus,
)
from billing.services.charges import amount_under, charge_withdraw
from billing.services.common import BillingError
from billing.services.prices import articles_ensure, billing_settings_for, price_for
from booking import selectors as booking_selectors
from booking.models import Booking
from journal.models import VisitKind
from journal.services import visit_open
from mittvaccin.models import Caregiver

logger = logging.getLogger(__name__)

ARTICLE_OF = {JobKind.NO_SHOW: ArticleKind.NO_SHOW, JobKind.LATE_CANCELLATION: ArticleKind.LATE_CANCELLATION}
VISIT_KIND_OF = {JobKind.NO_SHOW: VisitKind.NO_SHOW, JobKind.LATE_CANCELLATION: VisitKind.LATE_CANCELLATION}
# A run whose heartbeat is older than this is taken for dead (worker killed) when the next one starts.
STALE_AFTER = dt.timedelta(minutes=15)
# Errors kept on the run row for people to read; the count is always complete.
ERRORS_KEPT = 50


class JobAlreadyRunning(BillingError):
    """A run of the same kind is under way: the view shows that run instead of starting another."""

    code = "job_running"

    def __init__(self, run: JobRun):
        super().__init__(f"{run.kind} already running")
        self.run = run


# --- What is due ------------------------------------------------------------------------------------


def _invoicing_units_q() -> Q:
    # Unit.has_invoicing, as a query (R5, R18).
    return Q(
        unit__is_active=True, unit__vaccination_main_activity=True, unit__payment_solution_configured=True
    )


def due_bookings(*, kind: str, caregiver, since=None):
    """The caregiver's bookings the job of `kind` must look at (booking's own selectors decide)."""
    if kind == JobKind.NO_SHOW:
        bookings = booking_selectors.no_shows(since=since)
    else:
        bookings = booking_selectors.late_cancellations(since=since)
    return bookings.filter(unit__caregiver=caregiver)


def _short_notice_q(settings_row) -> Q:
    """The configurable exception: a booking made less than N hours before the visit is not invoiced."""
    if not settings_row.exempt_short_notice_bookings:
        return Q(pk__in=[])
    return Q(made_at__gt=F("starts_at") - dt.timedelta(hours=settings_row.short_notice_hours))


def _already_charged(article) -> Exists:
    return Exists(Charge.objects.filter(booking_id=OuterRef("pk"), article=article))


# --- Runs -------------------------------------------------------------------------------------------


def job_queue(*, caregiver, kind: str, user=None) -> JobRun:
    """Record a queued run and hand it to a worker after commit. One active run per caregiver and kind."""
    with transaction.atomic():
        _interrupt_stale(caregiver, kind)
        try:
            with transaction.atomic():
                run = JobRun.objects.create(caregiver=caregiver, kind=kind, triggered_by=user)
        except IntegrityError:
            active = JobRun.objects.filter(
                caregiver=caregiver, kind=kind, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
            ).first()
            raise JobAlreadyRunning(active) from None
        from billing.tasks import invoicing_job_run  # noqa: PLC0415  (tasks import the services; a service reaches its task only after commit)

        transaction.on_commit(lambda: invoicing_job_run.delay(run.pk))
    return run


def _interrupt_stale(caregiver, kind) -> None:
    limit = timezone.now() - STALE_AFTER
    for run in JobRun.objects.select_for_update().filter(
        caregiver=caregiver, kind=kind, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
    ):
        last_sign = run.heartbeat_at or run.started_at or run.queued_at
        if last_sign < limit:
            run.status = JobStatus.INTERRUPTED
            run.finished_at = timezone.now()
            run.errors = [*run.errors, {"message": _("Körningen slutade svara och markerades som avbruten.")}]
            run.save(update_fields=["status", "finished_at", "errors"])


def job_run_scheduled(*, kind: str) -> list[JobRun]:
    """What Celery beat starts: one run per caregiver that has a unit with a payment solution."""

    runs = []
    caregivers = Caregiver.objects.filter(
        units__is_active=True, units__vaccination_main_activity=True, units__payment_solution_configured=True
    ).distinct()
    for caregiver in caregivers:
        try:
            with transaction.atomic():
                _interrupt_stale(caregiver, kind)
                run = JobRun.objects.create(caregiver=caregiver, kind=kind)
        except IntegrityError:
            logger.info("%s for caregiver %s already active; skipped", kind, caregiver.pk)
            continue
        runs.append(job_execute(run_id=run.pk))
    return runs


def job_execute(*, run_id: int, chunk: int | None = None) -> JobRun | None:
    """Do one queued run. Safe to call twice: a run that is not queued any more is left alone."""
    with transaction.atomic():
        run = JobRun.objects.select_for_update().filter(pk=run_id).select_related("caregiver").first()
        if run is None or run.status != JobStatus.QUEUED:
            return run
        now = timezone.now()
        run.status, run.started_at, run.heartbeat_at = JobStatus.RUNNING, now, now
        run.save(update_fields=["status", "started_at", "heartbeat_at"])
    try:
        _execute(run, chunk or settings.BILLING_JOB_CHUNK)
    except Exception as error:  # recorded on the run for people to see, then re-raised for the log
        logger.exception("billing job %s failed", run.pk)
        JobRun.objects.filter(pk=run.pk).update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            error_count=F("error_count") + 1,
        )
        run.refresh_from_db()
        run.errors = [*run.errors, {"message": f"{type(error).__name__}: {error}"[:500]}]
        run.save(update_fields=["errors"])
        raise
    run.refresh_from_db()
    return run


def _execute(run: JobRun, chunk: int) -> None:
    caregiver = run.caregiver
    settings_row = billing_settings_for(caregiver)
    article = articles_ensure(caregiver)[ARTICLE_OF[run.kind]]
    enabled = (
        settings_row.invoice_no_shows
        if run.kind == JobKind.NO_SHOW
        else settings_row.invoice_late_cancellations
    )
    since = timezone.now() - dt.timedelta(days=settings.BILLING_JOB_LOOKBACK_DAYS)
    due = due_bookings(kind=run.kind, caregiver=caregiver, since=since)
    charged = _already_charged(article)
    run.already_done = due.filter(charged).count()
    open_ = due.exclude(charged)
    run.skipped_no_invoicing = open_.exclude(_invoicing_units_q()).count()
    open_ = open_.filter(_invoicing_units_q())
    run.skipped_exception = open_.filter(_short_notice_q(settings_row)).count()
    todo = (
        [] if not enabled else list(open_.exclude(_short_notice_q(settings_row)).values_list("pk", flat=True))
    )
    run.total = len(todo)
    run.save(update_fields=["already_done", "skipped_no_invoicing", "skipped_exception", "total"])
    if not enabled:
        _note(run, _("Faktureringen är avstängd i faktureringsinställningarna; inget skapades."))

    context = _JobContext(run=run, article=article, caregiver=caregiver)
    for start in range(0, len(todo), chunk):
        ids = todo[start : start + chunk]
        with transaction.atomic():
            for booking in (
                Booking.objects.filter(pk__in=ids)
                .select_related("unit", "patient")
                .order_by("starts_at", "pk")
            ):
                context.handle(booking)
            JobRun.objects.filter(pk=run.pk).update(
                processed=F("processed") + len(ids),
                created=F("created") + context.created_in_chunk,
                error_count=F("error_count") + len(context.errors_in_chunk),
                heartbeat_at=timezone.now(),
            )
            if context.errors_in_chunk:
                _append_errors(run.pk, context.errors_in_chunk)
        context.created_in_chunk = 0
        context.errors_in_chunk = []

    if run.kind == JobKind.NO_SHOW:
        _withdraw_undone_no_shows(run, article)
    JobRun.objects.filter(pk=run.pk).update(status=JobStatus.FINISHED, finished_at=timezone.now())


class _JobContext:
    """Per-run caches: the article's price by day and the campaigns that may apply to it."""

    def __init__(self, *, run, article, caregiver):
        self.run, self.article, self.caregiver = run, article, caregiver
        self.prices: dict = {}
        self.campaigns = list(
            article.campaigns.filter(caregiver=caregiver)
            .exclude(qualification="risk_group")
            .order_by("campaign_price", "name", "id")
        )
        self.created_in_chunk = 0
        self.errors_in_chunk: list = []

    def price(self, day):
        if day not in self.prices:
            self.prices[day] = price_for(caregiver=self.caregiver, day=day, article=self.article)
        return self.prices[day]

    def campaign(self, patient, day):
        # R9: the cheapest campaign the patient qualifies for on the visit's day (age or birth year).
        for campaign in self.campaigns:
            if campaign.runs_on(day) and campaign.qualifies(patient, day):
                return campaign
        return None

    def handle(self, booking) -> None:
        day = timezone.localdate(booking.starts_at)
        price = self.price(day)
        if price is None:
            self.errors_in_chunk.append(
                {
                    "booking": booking.pk,
                    "message": _("%(article)s har inget pris %(day)s; inget debiterades.")
                    % {"article": self.article.name, "day": day.isoformat()},
                }
            )
            return
        try:
            with transaction.atomic():
                visit = visit_open(
                    patient=booking.patient,
                    unit=booking.unit,
                    user=self.run.triggered_by,
                    kind=VISIT_KIND_OF[self.run.kind],
                    booking_id=booking.pk,
                    started_at=booking.starts_at,
                )
                campaign = self.campaign(booking.patient, day)
                Charge.objects.create(
                    caregiver=self.caregiver,
                    unit=booking.unit,
                    patient=booking.patient,
                    visit=visit,
                    source=ChargeSource.ARTICLE,
                    article=self.article,
                    booking_id=booking.pk,
                    service_date=day,
                    description=self.article.name,
                    price=price,
                    list_price=price.amount,
                    campaign=campaign,
                    amount=amount_under(campaign, price.amount),
                    created_by=self.run.triggered_by,
                )
        except IntegrityError:
            # Charged meanwhile (the manual path, at the same moment): the constraint kept it to one.
            return
        except Exception as error:  # one bad booking must not stop the others; it is recorded
            logger.exception("booking %s not invoiced", booking.pk)
            self.errors_in_chunk.append(
                {"booking": booking.pk, "message": f"{type(error).__name__}: {error}"[:300]}
            )
            return
        self.created_in_chunk += 1


def _append_errors(run_id, errors) -> None:
    run = JobRun.objects.select_for_update().get(pk=run_id)
    room = max(0, ERRORS_KEPT - len(run.errors))
    if room:
        run.errors = [*run.errors, *errors[:room]]
        run.save(update_fields=["errors"])


def _note(run, message) -> None:
    with transaction.atomic():
        run = JobRun.objects.select_for_update().get(pk=run.pk)
        run.errors = [*run.errors, {"message": message}]
        run.save(update_fields=["errors"])


def _withdraw_undone_no_shows(run, article) -> None:
    """An undone no-show (the patient came after all) is not invoiced: its pending charge is cancelled.

    One already invoiced is left for staff to credit, and the run says which invoice.
    """
    undone = Booking.objects.filter(unit__caregiver=run.caregiver, no_show_undone_at__isnull=False)
    charges = Charge.objects.filter(
        caregiver=run.caregiver,
        article=article,
        booking_id__in=undone.values("pk"),
        status__in=[ChargeStatus.OPEN, ChargeStatus.APPROVED, ChargeStatus.INVOICED],
    ).select_related("patient")
    reasons = dict(undone.values_list("pk", "no_show_undo_reason"))
    notes = []
    for charge in charges:
        if charge.status == ChargeStatus.INVOICED:
            line = charge.invoice_lines.select_related("invoice").first()
            notes.append(
                {
                    "booking": charge.booking_id,
                    "message": _(
                        "Uteblivet besök ångrat men redan fakturerat på faktura %(number)s: kreditera den."
                    )
                    % {"number": line.invoice.number if line else "?"},
                }
            )
            continue
        charge_withdraw(
            charge=charge,
            user=run.triggered_by,
            reason=_("Uteblivet besök ångrat: %(reason)s") % {"reason": reasons.get(charge.booking_id, "")},
        )
    if notes:
        with transaction.atomic():
            JobRun.objects.filter(pk=run.pk).update(error_count=F("error_count") + len(notes))
            _append_errors(run.pk, notes)


# --- The manual path from a booking ------------------------------------------------------------------


@transaction.atomic
def late_cancellation_charge(*, booking: Booking, user) -> Charge:
    """Staff start the late-cancel path by hand for one booking (R9). The same rules as the job.

    Returns the charge (the one already there, if the job or a colleague was first).
    """
    booking = (
        Booking.objects.select_for_update(of=("self",)).select_related("unit", "patient").get(pk=booking.pk)
    )
    caregiver = booking.unit.caregiver
    if not (booking.status == Booking.Status.CANCELLED and booking.late_cancellation):
        raise BillingError(_("Bokningen är inte en sen avbokning (mindre än 24 timmar före besöket)."))
    if not booking.unit.has_invoicing:
        raise BillingError(
            _("%(unit)s har ingen betallösning; sena avbokningar faktureras inte där.")
            % {"unit": booking.unit.name}
        )
    settings_row = billing_settings_for(caregiver)
    if not settings_row.invoice_late_cancellations:
        raise BillingError(_("Fakturering av sena avbokningar är avstängd i faktureringsinställningarna."))
    if Booking.objects.filter(pk=booking.pk).filter(_short_notice_q(settings_row)).exists():
        raise BillingError(
            _("Bokningen gjordes mindre än %(hours)s timmar före besöket och är undantagen från avgift.")
            % {"hours": settings_row.short_notice_hours}
        )
    article = articles_ensure(caregiver)[ArticleKind.LATE_CANCELLATION]
    existing = Charge.objects.filter(booking_id=booking.pk, article=article).first()
    if existing is not None:
        return existing
    day = timezone.localdate(booking.starts_at)
    context = _JobContext(run=_ManualRun(user), article=article, caregiver=caregiver)
    if context.price(day) is None:
        raise BillingError(
            _("%(article)s har inget pris %(day)s. En administratör sätter priset under Priser.")
            % {"article": article.name, "day": day.isoformat()}
        )
    context.handle(booking)
    if context.errors_in_chunk:
        raise BillingError(context.errors_in_chunk[0]["message"])
    return Charge.objects.get(booking_id=booking.pk, article=article)


class _ManualRun:
    kind = JobKind.LATE_CANCELLATION

    def __init__(self, user):
        self.triggered_by = user
