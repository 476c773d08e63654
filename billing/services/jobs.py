"""The no-show and late-cancel invoicing jobs (R8, R9), and the manual late-cancel path.

Each run looks at the caregiver's bookings that became no-shows or were cancelled late, and for each
one opens a visit of its own kind (journal.services.visits.visits_open_for_bookings, idempotent per booking and
kind) that holds only the article charge. A campaign applies where the patient qualifies by age or
birth year.

What a run walks is booking's work list (booking.FeeDue): the bookings whose fee became due and is not
settled yet. Booking's triggers put a booking on it when it becomes a no-show or a late cancellation;
the run takes it off, in the transaction of its page, once the booking has its charge (made by the run,
or found there, e.g. made by hand) or is no longer due (a no-show undone). A booking the run skips (no
price, no payment solution, an exception, staff review) stays on the list and is looked at again by the
next run. So a run never re-reads the bookings settled before it, however many there are in the
lookback; `already_done` counts the listed bookings found already charged.

Set-based: the list is read in keyset pages of a few thousand (its own index on kind, due moment and
booking, from the lookback's start), the booking selectors' due queryset is applied to each page's ids,
and each page is charged with one INSERT … SELECT for its visits and one for its charges
(billing.services.jobs_charging). Every query a run makes is bounded by its page, whatever the
planner's statistics say: which bookings of a page already have their charge is asked with the
page's ids (`_page_charged`), never as an EXISTS or join over every due booking. Right after a run
inserted tens of thousands of charges, before autovacuum analyzed them (the application role cannot),
such a query was planned as a scan of the charges per booking and ran for many minutes.

Idempotency: the unique constraint `charge_one_per_booking_and_article` allows one charge per booking
and article, and a page leaves out the bookings that already have theirs. A second run creates
nothing; a run that crashed half-way left only whole pages behind (each page, its charges and its
bookings' removal from the list are one transaction), and the next run does the rest.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import (
    IntegrityError,
    connection,
    transaction,
)
from django.db.models import BooleanField, ExpressionWrapper, F, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import (
    ArticleKind,
    Charge,
    ChargeStatus,
    JobKind,
    JobRun,
    JobStatus,
)
from billing.services.charges import charge_withdraw
from billing.services.common import BillingError
from billing.services.jobs_charging import JobContext
from billing.services.jobs_lanes import run_in_lanes
from billing.services.prices import articles_ensure, billing_settings_for
from booking import selectors as booking_selectors
from booking.models import Booking, FeeDue
from mittvaccin import liveness, outbox
from mittvaccin.bulk import array_param
from mittvaccin.models import Caregiver

logger = logging.getLogger(__name__)

ARTICLE_OF = {JobKind.NO_SHOW: ArticleKind.NO_SHOW, JobKind.LATE_CANCELLATION: ArticleKind.LATE_CANCELLATION}
# When a booking became due for each job: the `since` of the selectors, and the order runs work in.
DUE_SINCE_FIELD = {JobKind.NO_SHOW: "no_show_marked_at", JobKind.LATE_CANCELLATION: "cancelled_at"}
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


def job_execute(*, run_id: int, chunk: int | None = None, lanes: int | None = None) -> JobRun | None:
    """Do one queued run. Safe to call twice: a run that is not queued any more is left alone.

    The run holds its liveness lock from before it is marked running until after it is finished.
    `lanes` pages are charged at once, each on a connection of its own (BILLING_JOB_LANES).
    """
    try:
        with liveness.held(LIVENESS_NAMESPACE, run_id):
            return _job_execute(run_id=run_id, chunk=chunk, lanes=lanes)
    except liveness.Busy:
        return JobRun.objects.filter(pk=run_id).first()  # the same run, delivered twice, is under way


def _job_execute(*, run_id: int, chunk: int | None, lanes: int | None) -> JobRun | None:
    with transaction.atomic():
        run = JobRun.objects.select_for_update().filter(pk=run_id).select_related("caregiver").first()
        if run is None or run.status != JobStatus.QUEUED:
            return run
        now = timezone.now()
        run.status, run.started_at, run.heartbeat_at = JobStatus.RUNNING, now, now
        run.save(update_fields=["status", "started_at", "heartbeat_at"])
    try:
        _execute(run, chunk or settings.BILLING_JOB_CHUNK, lanes or settings.BILLING_JOB_LANES)
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


def _execute(run: JobRun, chunk: int, lanes: int) -> None:
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
    # What the bookings alone say about each (no charge is looked at here, see _page_charged).
    flags = {
        "invoicing": _flag(_invoicing_units_q()),
        "exception": _flag(_short_notice_q(settings_row)),
        # A web booking made without e-identification is never charged by the job: staff review it.
        "review": _flag(booking_selectors.fee_needs_review_q()),
    }
    due = due.annotate(**flags)
    # The lookback is the list's: a booking's due_at is its due moment (booking's trigger keeps it so).
    listed = FeeDue.objects.filter(kind=run.kind, due_at__gte=since)
    # The progress bar's total before the first page: every listed booking of the kind, a count of the
    # list's own index range. Each page then takes off what it does not charge (found charged, skipped,
    # no longer due, another caregiver's; see _charge_chunk), so the total ends at what was charged.
    # Checking each booking's flags here too read every listed booking once more, serially, before the
    # lanes started (0.67 s of a 48,000-charge run on the 300,000-patient bench database).
    if enabled:
        run.total = listed.count()
        run.save(update_fields=["total"])
    else:
        _note(run, _("Faktureringen är avstängd i faktureringsinställningarna; inget skapades."))

    key = DUE_SINCE_FIELD[run.kind]
    # One read per page: the flags, and the columns a charge needs (JobContext.COLUMNS, pk first).
    page_rows = due.order_by(key, "pk").values_list(*flags, *JobContext.COLUMNS)

    def context() -> JobContext:
        return JobContext(run=run, article=article, caregiver=caregiver)

    def work(lane_context: JobContext, listed: dict) -> None:
        _charge_chunk(run, lane_context, listed, page_rows, charge=enabled)

    if lanes > 1 and not connection.in_atomic_block:
        contexts = run_in_lanes(_pages(listed, chunk), work, lanes=lanes, start=context)
    else:
        # Called inside a transaction, the run is part of it: a connection of its own could neither
        # see what the caller has not committed nor be undone with it.
        contexts = [context()]
        for page in _pages(listed, chunk):
            work(contexts[0], page)

    to_review = sum(each.figures["to_review"] for each in contexts)
    if to_review:
        _note(
            run,
            _(
                "%(count)s webbokningar utan e-legitimation debiterades inte automatiskt: granska och "
                "debitera dem var för sig under Sena avbokningar och uteblivna besök."
            )
            % {"count": to_review},
        )
    if run.kind == JobKind.NO_SHOW:
        _withdraw_undone_no_shows(run, article)
    JobRun.objects.filter(pk=run.pk).update(status=JobStatus.FINISHED, finished_at=timezone.now())


def _pages(listed, chunk: int):
    """The listed bookings ({id: due_at}), page by page in the order they became due, by keyset on the list's
    index (kind, due_at, booking): each page reads one chunk of rows, however far the run has come.

    The list holds every caregiver's bookings; a page's own (and due) ones are found by _charge_chunk.
    Rows the lanes delete meanwhile are behind the keyset's position, so no page is skipped. Switched
    off, the pages are still read for the run's figures; nothing is charged.
    """
    rows = listed.order_by("due_at", "booking_id").values_list("booking_id", "due_at")
    after = None
    while True:
        page = list(rows.filter(_after("due_at", after) if after else Q())[:chunk])
        if not page:
            return
        yield dict(page)
        if len(page) < chunk:
            return
        after = (page[-1][1], page[-1][0])


def _flag(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


def _after(key: str, position) -> Q:
    """Bookings after (moment, id) in the jobs' order; `key >=` first, so the index range starts there."""
    moment, pk = position
    return Q(**{f"{key}__gte": moment}) & (Q(**{f"{key}__gt": moment}) | Q(pk__gt=pk))


def _page_charged(article, booking_ids) -> set[int]:
    """Which of a page's bookings already have the article's charge.

    Asked with the page's ids, never as a join or EXISTS over every due booking: whatever the planner
    believes about `billing_charge` (its statistics are stale right after a run inserted thousands of
    charges, and the application role cannot ANALYZE), this reads at most the whole table once per
    page (a hashed `= ANY`) and normally one probe of `charge_one_per_booking_and_article` per id.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT booking_id FROM {Charge._meta.db_table} "  # noqa: S608  (the model's own table name)
            "WHERE booking_id = ANY(%s::bigint[]) AND article_id = %s",
            [array_param(list(booking_ids)), article.pk],
        )
        return {row[0] for row in cursor.fetchall()}


def _charge_chunk(run, context, listed: dict, page_rows, *, charge: bool) -> None:
    """One transaction: the page's visits and charges, its settled bookings taken off the list, and the
    run's progress and figures with them.

    `page_rows` is the due queryset (the flags, then JobContext.COLUMNS), applied to the page's ids here:
    a listed booking that is not in it is another caregiver's, or one of ours that is no longer due.
    """
    page = list(page_rows.filter(pk__in=_ids(listed)))
    gone = set(listed).difference(row[3] for row in page)
    if gone:  # rare: a no-show undone, or another caregiver's bookings in the page
        gone = set(
            Booking.objects.filter(pk__in=_ids(gone), unit__caregiver=context.caregiver).values_list(
                "pk", flat=True
            )
        )
    charged = _page_charged(context.article, [row[3] for row in page])
    counts = dict.fromkeys(context.figures, 0)
    batch = []  # in the order the bookings became due (the page's)
    for invoicing, exception, review, *columns in page:
        if columns[0] in charged:
            counts["already_done"] += 1
        elif not invoicing:
            counts["skipped_no_invoicing"] += 1
        elif exception:
            counts["skipped_exception"] += 1
        elif review:
            counts["to_review"] += 1
        elif charge:
            batch.append(columns)
    for name, value in counts.items():
        context.figures[name] += value
    with transaction.atomic():
        # A crash may lose the last chunks committed this way, never part of one; the next run makes
        # them again (idempotent), and whatever later depends on them commits durably, and so them too.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        if batch:
            context.charge(batch)
        # Settled: charged now (or by someone else meanwhile: the charge's conflict), found charged, or
        # no longer due. A booking the charge refused (no price, …) is in the errors and stays listed.
        refused = {error["booking"] for error in context.errors_in_chunk}
        _unlist({row[0] for row in batch} - refused | charged | gone, listed)
        # The run's first total counted every listed booking: what the page does not charge comes off.
        # A booking that became due after the count is charged too; the total follows it.
        total = F("total") - (len(listed) - len(batch)) if charge else Value(0)
        JobRun.objects.filter(pk=run.pk).update(
            total=Greatest(total, F("processed") + len(batch)),
            processed=F("processed") + len(batch),
            created=F("created") + context.created_in_chunk,
            error_count=F("error_count") + len(context.errors_in_chunk),
            heartbeat_at=timezone.now(),
            **{name: F(name) + counts[name] for name in context.figures},
        )
        if context.errors_in_chunk:
            _append_errors(run.pk, context.errors_in_chunk)
    context.created_in_chunk = 0
    context.errors_in_chunk = []


def _ids(booking_ids) -> RawSQL:
    """Booking ids as one array parameter (an IN list would be a parameter per booking)."""
    return RawSQL("SELECT unnest(%s::bigint[])", [array_param(list(booking_ids))])


def _unlist(booking_ids, listed: dict) -> None:
    """Take settled bookings off the jobs' work list (booking.FeeDue).

    Only a row still at the moment the page read: a booking marked a no-show again meanwhile (its
    trigger moved due_at) is due anew and stays listed for the next run.
    """
    if booking_ids:
        ids = list(booking_ids)
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {FeeDue._meta.db_table} WHERE (booking_id, due_at) IN "  # noqa: S608  (the model's own table name)
                "(SELECT * FROM unnest(%s::bigint[], %s::timestamptz[]))",
                [array_param(ids), array_param([listed[i] for i in ids])],
            )


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
    reasons = dict(undone.values_list("pk", "no_show_undo_reason"))  # undoing is rare: a short list
    # By the ids, like the pages' charged check: no join of the charges the run just inserted.
    charges = Charge.objects.filter(
        caregiver=run.caregiver,
        article=article,
        booking_id__in=list(reasons),
        status__in=[ChargeStatus.OPEN, ChargeStatus.APPROVED, ChargeStatus.INVOICED],
    ).select_related("patient")
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
    context = JobContext(run=_ManualRun(user, kind), article=article, caregiver=caregiver)
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
