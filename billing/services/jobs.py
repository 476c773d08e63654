"""The no-show and late-cancel invoicing jobs (R8, R9), and the manual late-cancel path.

Each run looks at the caregiver's bookings that became no-shows or were cancelled late, and for each
one opens a visit of its own kind (journal.services.visits.visits_open_for_bookings, idempotent per booking and
kind) that holds only the article charge. A campaign applies where the patient qualifies by age or
birth year.

Set-based: a chunk of a few thousand bookings is read in one query, priced in memory (prices by day
and campaigns are cached for the run), and written with one INSERT … SELECT for its visits and one
for its charges (mittvaccin.bulk), each `ON CONFLICT DO NOTHING`.

Idempotency: the unique constraint `charge_one_per_booking_and_article` allows one charge per booking
and article, and every run starts by leaving out bookings that already have theirs. A second run
creates nothing; a run that crashed half-way left only whole chunks behind (each chunk is one
transaction), and the next run does the rest.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from types import SimpleNamespace

from django.conf import settings
from django.db import (
    DatabaseError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import Greatest
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
from journal.services.visits import visits_open_for_bookings
from mittvaccin import liveness, outbox
from mittvaccin.bulk import insert_rows
from mittvaccin.models import Caregiver

logger = logging.getLogger(__name__)

ARTICLE_OF = {JobKind.NO_SHOW: ArticleKind.NO_SHOW, JobKind.LATE_CANCELLATION: ArticleKind.LATE_CANCELLATION}
# When a booking became due for each job: the `since` of the selectors, and the order runs work in.
DUE_SINCE_FIELD = {JobKind.NO_SHOW: "no_show_marked_at", JobKind.LATE_CANCELLATION: "cancelled_at"}
VISIT_KIND_OF = {JobKind.NO_SHOW: VisitKind.NO_SHOW, JobKind.LATE_CANCELLATION: VisitKind.LATE_CANCELLATION}
# A running run holds this advisory lock (mittvaccin/liveness.py) on a connection of its own: when its
# worker dies the lock goes with it, and the next run (or the recovery beat job) takes over at once.
LIVENESS_NAMESPACE = 7_300_001
# A run still queued after this long lost its message (no worker ever took it); the next one replaces it.
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

        outbox.enqueue(invoicing_job_run, run.pk)
    return run


def _is_dead(run: JobRun) -> bool:
    if run.status == JobStatus.RUNNING:
        return not liveness.is_held(LIVENESS_NAMESPACE, run.pk)
    return run.queued_at < timezone.now() - STALE_AFTER


def _interrupt_stale(caregiver, kind) -> list[JobRun]:
    """Mark the caregiver's runs of `kind` whose worker died (or that no worker took) as interrupted."""
    interrupted = []
    for run in JobRun.objects.select_for_update().filter(
        caregiver=caregiver, kind=kind, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
    ):
        if _is_dead(run):
            run.status = JobStatus.INTERRUPTED
            run.finished_at = timezone.now()
            run.errors = [*run.errors, {"message": _("Körningen slutade svara och markerades som avbruten.")}]
            run.save(update_fields=["status", "finished_at", "errors"])
            interrupted.append(run)
    return interrupted


def jobs_recover() -> list[JobRun]:
    """Celery beat, every minute: a run whose worker died is marked interrupted and continued at once.

    The continuation is a new run of the same caregiver and kind; what the dead run committed stays
    (each chunk is its own transaction, and the unique charge per booking keeps the rest to one).
    """
    continued = []
    running = JobRun.objects.filter(status=JobStatus.RUNNING).values_list("caregiver_id", "kind").distinct()
    for caregiver_id, kind in list(running):
        with transaction.atomic():
            dead = _interrupt_stale(caregiver_id, kind)
        if dead:
            logger.warning("billing job %s of caregiver %s: worker died, continuing", kind, caregiver_id)
            try:
                continued.append(
                    job_queue(caregiver=dead[-1].caregiver, kind=kind, user=dead[-1].triggered_by)
                )
            except JobAlreadyRunning:
                continue
    return continued


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
    """Do one queued run. Safe to call twice: a run that is not queued any more is left alone.

    The run holds its liveness lock from before it is marked running until after it is finished.
    """
    try:
        with liveness.held(LIVENESS_NAMESPACE, run_id):
            return _job_execute(run_id=run_id, chunk=chunk)
    except liveness.Busy:
        return JobRun.objects.filter(pk=run_id).first()  # the same run, delivered twice, is under way


def _job_execute(*, run_id: int, chunk: int | None) -> JobRun | None:
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
    short_notice = _short_notice_q(settings_row)
    # A web booking made without e-identification is never charged by the job: staff review it.
    review = booking_selectors.fee_needs_review_q()
    open_q = Q(charged=False) & _invoicing_units_q() & ~short_notice
    todo_q = open_q & ~review
    # One pass over what is due for the run's figures, instead of a count each.
    counts = due.annotate(charged=charged).aggregate(
        already_done=Count("pk", filter=Q(charged=True)),
        skipped_no_invoicing=Count("pk", filter=Q(charged=False) & ~_invoicing_units_q()),
        skipped_exception=Count("pk", filter=Q(charged=False) & _invoicing_units_q() & short_notice),
        to_review=Count("pk", filter=open_q & review),
        total=Count("pk", filter=todo_q),
    )
    for name, value in counts.items():
        setattr(run, name, value)
    if not enabled:
        run.total = 0
    run.save(
        update_fields=["already_done", "skipped_no_invoicing", "skipped_exception", "to_review", "total"]
    )
    if run.to_review:
        _note(
            run,
            _(
                "%(count)s webbokningar utan e-legitimation debiterades inte automatiskt: granska och "
                "debitera dem var för sig under Sena avbokningar och uteblivna besök."
            )
            % {"count": run.to_review},
        )
    if not enabled:
        _note(run, _("Faktureringen är avstängd i faktureringsinställningarna; inget skapades."))

    context = _JobContext(run=run, article=article, caregiver=caregiver)
    # Pages in the order the bookings became due, by keyset on an index of their own (booking's
    # *_idx on the due moment and id): each page reads about one chunk of rows, however far the run
    # has come. Of a page, the bookings still to charge are then read in one query.
    key = DUE_SINCE_FIELD[run.kind]
    candidates = due.order_by(key, "pk").values_list(key, "pk")
    todo_rows = (
        due.annotate(charged=charged).filter(todo_q).order_by(key, "pk").values_list(*_JobContext.COLUMNS)
    )
    after = None
    while enabled:
        lower = _after(key, after) if after else Q()
        # Where the page ends: its last booking, found in the index alone (or none: the last page).
        last = next(iter(candidates.filter(lower)[chunk - 1 : chunk]), None)
        upper = ~_after(key, last) if last else Q()
        batch = list(todo_rows.filter(lower & upper))
        if batch:
            _charge_chunk(run, context, batch)
        if last is None:
            break
        after = last

    if run.kind == JobKind.NO_SHOW:
        _withdraw_undone_no_shows(run, article)
    JobRun.objects.filter(pk=run.pk).update(status=JobStatus.FINISHED, finished_at=timezone.now())


def _after(key: str, position) -> Q:
    """Bookings after (moment, id) in the jobs' order; `key >=` first, so the index range starts there."""
    moment, pk = position
    return Q(**{f"{key}__gte": moment}) & (Q(**{f"{key}__gt": moment}) | Q(pk__gt=pk))


def _charge_chunk(run, context, batch) -> None:
    """One transaction: the chunk's visits and charges, and the run's progress with them."""
    with transaction.atomic():
        # A crash may lose the last chunks committed this way, never part of one; the next run makes
        # them again (idempotent), and whatever later depends on them commits durably, and so them too.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        context.charge(batch)
        # A booking that became due after the count is charged too; the total follows it.
        JobRun.objects.filter(pk=run.pk).update(
            total=Greatest(F("total"), F("processed") + len(batch)),
            processed=F("processed") + len(batch),
            created=F("created") + context.created_in_chunk,
            error_count=F("error_count") + len(context.errors_in_chunk),
            heartbeat_at=timezone.now(),
        )
        if context.errors_in_chunk:
            _append_errors(run.pk, context.errors_in_chunk)
    context.created_in_chunk = 0
    context.errors_in_chunk = []


class _JobContext:
    """Charges a batch of bookings set-based, with per-run caches of the article's price by day and
    the campaigns that may apply to it."""

    # What a batch reads of each booking (one query per batch).
    COLUMNS = ("pk", "patient_id", "unit_id", "starts_at", "patient__birth_date", "patient__caregiver_id")

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

    def _priced(self, booking_id, patient_id, unit_id, starts_at, birth_date, patient_caregiver_id):
        """The charge's values for one booking, or None with the reason recorded."""
        day = timezone.localdate(starts_at)
        price = self.price(day)
        if price is None:
            self._error(
                booking_id,
                _("%(article)s har inget pris %(day)s; inget debiterades.")
                % {"article": self.article.name, "day": day.isoformat()},
            )
            return None
        if patient_caregiver_id != self.caregiver.pk:
            self._error(booking_id, "ValueError: unit and patient belong to different caregivers")
            return None
        campaign = self.campaign(SimpleNamespace(birth_date=birth_date), day)
        return _Due(booking_id, patient_id, unit_id, starts_at, day, price, campaign)

    def charge(self, bookings) -> None:
        """Each booking's own visit and article charge: two statements for the whole batch.

        A booking charged meanwhile (the manual path, at the same moment) is left to the charge the
        constraint kept. Should the batch's statements fail on one row's data, the batch is done again
        row by row so that one bad booking stops only itself, and is recorded.
        """
        due = [d for d in (self._priced(*row) for row in bookings) if d is not None]
        if not due:
            return
        try:
            with transaction.atomic():
                self.created_in_chunk += self._insert(due)
        except (OperationalError, InterfaceError):
            raise  # the connection is gone: the run fails and the next one continues from here
        except DatabaseError:
            for one in due:
                self._charge_one(one)

    def _charge_one(self, one) -> None:
        try:
            with transaction.atomic():
                self.created_in_chunk += self._insert([one])
        except (OperationalError, InterfaceError):
            raise
        except DatabaseError as error:
            logger.exception("booking %s not invoiced", one.booking_id)
            self._error(one.booking_id, f"{type(error).__name__}: {error}"[:300])

    def _insert(self, due) -> int:
        visits = visits_open_for_bookings(
            rows=[(d.booking_id, d.patient_id, d.unit_id, d.starts_at) for d in due],
            kind=VISIT_KIND_OF[self.run.kind],
            user=self.run.triggered_by,
        )
        created = insert_rows(
            Charge,
            columns={
                "unit_id": [d.unit_id for d in due],
                "patient_id": [d.patient_id for d in due],
                "visit_id": [visits[d.booking_id] for d in due],
                "booking_id": [d.booking_id for d in due],
                "service_date": [d.day for d in due],
                "price_id": [d.price.pk for d in due],
                "list_price": [d.price.amount for d in due],
                "campaign_id": [d.campaign.pk if d.campaign else None for d in due],
                "amount": [amount_under(d.campaign, d.price.amount) for d in due],
            },
            constants={
                "caregiver_id": self.caregiver.pk,
                "source": ChargeSource.ARTICLE,
                "article_id": self.article.pk,
                "description": self.article.name,
                "status": ChargeStatus.OPEN,
                "created_by_id": getattr(self.run.triggered_by, "pk", None),
            },
            conflict="DO NOTHING",
            returning=("id",),
        )
        return len(created)

    def _error(self, booking_id, message) -> None:
        self.errors_in_chunk.append({"booking": booking_id, "message": message})


@dataclass(frozen=True)
class _Due:
    booking_id: int
    patient_id: int
    unit_id: int
    starts_at: dt.datetime
    day: dt.date
    price: object
    campaign: object


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
    if booking.status == Booking.Status.NO_SHOW and booking.no_show_undone_at is None:
        # R8 after review: a web booking's no-show is charged only by a person (see fee_needs_review_q).
        return _fee_charge(booking=booking, user=user, kind=JobKind.NO_SHOW)
    if not (booking.status == Booking.Status.CANCELLED and booking.late_cancellation):
        raise BillingError(_("Bokningen är inte en sen avbokning (mindre än 24 timmar före besöket)."))
    return _fee_charge(booking=booking, user=user, kind=JobKind.LATE_CANCELLATION)


def _fee_charge(*, booking: Booking, user, kind: str) -> Charge:
    caregiver = booking.unit.caregiver
    if not booking.unit.has_invoicing:
        raise BillingError(
            _("%(unit)s har ingen betallösning; sena avbokningar faktureras inte där.")
            % {"unit": booking.unit.name}
        )
    settings_row = billing_settings_for(caregiver)
    enabled = (
        settings_row.invoice_no_shows if kind == JobKind.NO_SHOW else settings_row.invoice_late_cancellations
    )
    if not enabled:
        raise BillingError(_("Faktureringen av avgiften är avstängd i faktureringsinställningarna."))
    if Booking.objects.filter(pk=booking.pk).filter(_short_notice_q(settings_row)).exists():
        raise BillingError(
            _("Bokningen gjordes mindre än %(hours)s timmar före besöket och är undantagen från avgift.")
            % {"hours": settings_row.short_notice_hours}
        )
    article = articles_ensure(caregiver)[ARTICLE_OF[kind]]
    existing = Charge.objects.filter(booking_id=booking.pk, article=article).first()
    if existing is not None:
        return existing
    day = timezone.localdate(booking.starts_at)
    context = _JobContext(run=_ManualRun(user, kind), article=article, caregiver=caregiver)
    if context.price(day) is None:
        raise BillingError(
            _("%(article)s har inget pris %(day)s. En administratör sätter priset under Priser.")
            % {"article": article.name, "day": day.isoformat()}
        )
    context.charge(
        [
            (
                booking.pk,
                booking.patient_id,
                booking.unit_id,
                booking.starts_at,
                booking.patient.birth_date,
                booking.patient.caregiver_id,
            )
        ]
    )
    if context.errors_in_chunk:
        raise BillingError(context.errors_in_chunk[0]["message"])
    return Charge.objects.get(booking_id=booking.pk, article=article)


class _ManualRun:
    def __init__(self, user, kind=JobKind.LATE_CANCELLATION):
        self.triggered_by = user
        self.kind = kind
