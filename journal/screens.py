"""Selectors for whole screens: what the vaccination screen and the patient overview show, one call each.

They read, decide what to offer (the order the dose form starts from, the series a dose continues,
the batches to choose from) and return a dataclass; they never write, render or look at a request, so
they are tested without HTTP. Views build the forms from what they return, log the reads (the shared
record at both caregivers) and render.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, fields

from django.utils import timezone

from journal import schedule, selectors, stock
from journal.models import Batch, Order, Questionnaire, SharedRecordBlock, Visit, VisitKind
from journal.selectors import SharedRecord, VisitChecks
from journal.services.visits import questionnaire_current
from mittvaccin.models import Unit
from mittvaccin.rights import Right
from mittvaccin.tenancy import owned


def as_context(screen) -> dict:
    """The screen's fields as template context (shallow: the model objects themselves, not copies)."""
    return {f.name: getattr(screen, f.name) for f in fields(screen)}


# --- The vaccination screen (R3, R6, R1, R2) ----------------------------------------------------------


@dataclass
class VisitScreen:
    """Everything the vaccination screen shows besides its forms, and the initial data of those forms.

    `checks.open_orders` carry `suggested_dose_number` and `schedule_verdict` (the schedule's word on
    giving that dose today). `batches` are the lots the dose form offers (in stock at the visit's unit). `declaration_initial` / `assessment_initial` are None when the screen shows
    no such form.
    """

    checks: VisitChecks
    selected_order: Order | None
    given_here: set[str]
    repeats_a_series_given_here: bool
    questionnaire: Questionnaire
    batches: list[Batch]
    dose_initial: dict
    not_given_initial: dict
    declaration_initial: dict | None
    assessment_initial: dict | None
    # The resident's own answers from before the visit, when the declaration is still to be recorded (A15).
    previsit: object
    can_register: bool
    can_order: bool


def visit_screen(
    visit: Visit,
    *,
    user,
    wanted_order_id: int | None = None,
    kept: dict | None = None,
    correcting: bool = False,
    now: dt.datetime | None = None,
) -> VisitScreen:
    """What the vaccination screen of `visit` shows to `user`.

    `wanted_order_id` is the order asked for (a link, or the order of a dose form that was refused);
    `kept` the batch, site and route the nurse chose to keep from the previous patient (the session's
    `journal_keep_dose`); `correcting` asks for the declaration form over an existing declaration.
    """
    checks = selectors.visit_checks(visit, user=user, unit=visit.unit, now=now)
    kept = kept or {}
    annotate_schedule(checks, visit.patient)
    given_here = doses_given_at_visit(checks)
    order = selected_order(checks, given_here=given_here, wanted_order_id=wanted_order_id, kept=kept)
    declaration = checks.declaration
    # The current questionnaire is created if missing (an emptied table), so it is asked of the service.
    questionnaire = declaration.questionnaire if declaration is not None else questionnaire_current()
    declaration_initial = None
    previsit = None
    if declaration is None or correcting:
        declaration_initial = dict(declaration.answers) if declaration else {}
        if declaration:
            declaration_initial["supersedes"] = declaration.pk
        else:
            # A15: the nurse starts from the resident's answers and goes through them with the patient.
            previsit = selectors.previsit_for_booking(visit.booking_id)
            if previsit is not None:
                declaration_initial = {**previsit.answers, "previsit": previsit.pk}
    assessment_initial = None
    if checks.needs_assessment and user.has_right(Right.ASSESSMENT_WRITE):
        assessment_initial = {"declaration": declaration.pk}
    return VisitScreen(
        checks=checks,
        selected_order=order,
        given_here=given_here,
        # After a dose the panel does not offer the next dose of the same series at once: a second
        # dose of one vaccine at one visit is a deliberate choice, never the default.
        repeats_a_series_given_here=order is not None and order.product.disease in given_here,
        questionnaire=questionnaire,
        batches=usable_batches(visit.unit, order),
        dose_initial=dose_initial(user, order, kept, now=now),
        not_given_initial={"idempotency_key": uuid.uuid4(), "order": order.pk if order else None},
        declaration_initial=declaration_initial,
        assessment_initial=assessment_initial,
        previsit=previsit,
        can_register=user.has_right(Right.VACCINATION_REGISTER),
        can_order=user.has_right(Right.VACCINE_ORDER),
    )


def annotate_schedule(checks: VisitChecks, patient) -> None:
    """Suggested dose number, earliest date and deviations of each open order, for the dose panel."""
    today = timezone.localdate()
    history = checks.schedule_history
    for order in checks.open_orders:
        order.suggested_dose_number = selectors.next_dose_number(history, order.product)
        previous = selectors.previous_dose(history, order.product)
        order.schedule_verdict = schedule.check_dose(
            product=order.product,
            dose_number=order.suggested_dose_number,
            given_on=today,
            previous_on=timezone.localtime(previous.given_at).date() if previous else None,
            birth_date=patient.birth_date,
        )


def doses_given_at_visit(checks: VisitChecks) -> set[str]:
    """Diseases a dose was given against at this very visit (not entered in error)."""
    return {
        v.product.disease
        for v in checks.history
        if v.visit_id == checks.visit.pk
        and v.status == "given"
        and v.product_id
        and not selectors.is_entered_in_error(v)
    }


def selected_order(checks: VisitChecks, *, given_here: set[str], wanted_order_id=None, kept=None):
    """The order the dose form starts from: the one asked for, the kept product's, or the first still to give."""
    orders = sorted(checks.open_orders, key=lambda o: o.product.disease in given_here)
    if wanted_order_id:
        for order in orders:
            if order.pk == wanted_order_id:
                return order
    kept = kept or {}
    for order in orders:
        if order.product_id == kept.get("product") and order.product.disease not in given_here:
            return order
    return orders[0] if orders else None


def dose_initial(user, order, kept: dict, *, now=None) -> dict:
    """The dose form as it opens: now, by the nurse, the order's dose, and what was kept for its product."""
    now = timezone.localtime(now).replace(second=0, microsecond=0)
    initial = {
        "idempotency_key": uuid.uuid4(),
        "given_at": now,
        "prepared_by": user.pk,
        "given_by": user.pk,
        "dose_amount": "full",
    }
    if order is not None:
        product = order.product
        initial.update(
            order=order.pk,
            dose_ml=order.dose_ml,
            route=product.default_route,
            dose_number=order.suggested_dose_number,
        )
        if kept.get("product") == product.pk:
            initial.update(
                lot=kept.get("lot", ""),
                site=kept.get("site", ""),
                route=kept.get("route") or product.default_route,
            )
            initial["keep"] = True
    return initial


def usable_batches(unit, order) -> list[Batch]:
    """A2: the lots of the selected order's product in stock at the visit's unit, not expired, earliest
    expiry first (the first is the one the form pre-selects). Each carries its `balance`."""
    if order is None:
        return []
    batches = []
    for row in stock.lots_in_stock(unit, [order.product_id]):
        row.batch.balance = row.balance
        batches.append(row.batch)
    return batches


def batch_for_lot(who, lot: str, product) -> Batch | None:
    """The caregiver's batch with this lot number (typed in any case), preferring the ordered product's."""
    candidates = list(owned(Batch, who).filter(lot_number__iexact=lot.strip()).select_related("product"))
    for batch in candidates:
        if product is not None and batch.product_id == product.pk:
            return batch
    return candidates[0] if candidates else None


# --- The patient overview ------------------------------------------------------------------------------


@dataclass
class PatientJournal:
    """The journal part of the patient page, read in a constant number of queries however long the history.

    Doses in `history` carry `is_blocked` (hidden from other caregivers' shared record at the patient's
    request); `next_due` holds only the latest valid dose of each series that has a next due date.
    The `recent_visits` carry their declarations; `open_visits` are today's vaccination visits. Of the long
    lists the page shows the `recent_*` part and the number left out (`earlier_*`), shown when asked.
    """

    history: list
    recent_history: list
    earlier_history: int
    threads: list
    recent_threads: list
    earlier_threads: int
    orders: list
    recent_orders: list
    earlier_orders: int
    signals: list
    shared: SharedRecord
    recent_visits: list
    earlier_visits: int
    open_visits: list
    blocks: list
    whole_record_blocked: bool
    next_due: list
    can_register: bool
    can_order: bool
    can_assess: bool


# The patient page shows the newest few of its long lists; the older ones come when asked for.
RECENT_DOSES = 20
RECENT_VISITS = 3
RECENT_NOTES = 5
RECENT_ORDERS = 5


# What the patient page reads of each dose (journal/history_rows.py, its block list, its next due
# dates): only these columns, and no visit. Compiling a read of six tables with every column (each one
# hashed for the ORDER BY) cost more than running it. A column added to what the page shows must be added
# here, or each row reads it with a query of its own (tests/journal/test_queries.py counts).
PAGE_HISTORY_COLUMNS = (
    "patient_id",
    "visit_id",
    "order_id",
    "unit__name",
    "status",
    "product__name",
    "product__disease",
    "product_version__name",
    "product_version__disease",
    "product_text",
    "lot_number",
    "dose_number",
    "given_at",
    "next_due_date",
    "schedule_deviation",
    "override_reason",
    "not_given_reason",
    "elsewhere_place",
    "entered_in_error__reason",
    "entered_in_error__signature",
    "next_dose_reminder__sent_at",
)

# What the patient page shows of an order (journal/order_rows.py), as PAGE_HISTORY_COLUMNS.
PAGE_ORDER_COLUMNS = (
    "patient_id",
    "product__name",
    "product__disease",
    "dose_ml",
    "doses_total",
    "schedule",
    "instructions",
    "valid_until",
    "signature",
    "ordered_at",
    "unit__name",
    "visit_id",
    "entered_in_error__reason",
)


def page_history(patient) -> list:
    """The patient page's dose rows (`vaccination_history` with only what the page shows)."""
    return selectors.vaccination_history(
        patient,
        ("product", "product_version", "unit", "entered_in_error", "next_dose_reminder"),
        PAGE_HISTORY_COLUMNS,
    )


def recent_and_earlier(items: list, count: int | None, keep=None) -> tuple[list, list]:
    """The first `count` items (all when None) and the rest; `keep` picks items that stay with the
    recent ones wherever they are (an order still open)."""
    if count is None:
        return items, []
    recent, earlier = [], []
    for index, item in enumerate(items):
        (recent if index < count or (keep and keep(item)) else earlier).append(item)
    return recent, earlier


def earlier_doses(patient) -> list:
    history = page_history(patient)
    mark_blocked(history, _blocks(patient, history))
    return recent_and_earlier(history, RECENT_DOSES)[1]


def _blocks(patient, history) -> list:
    """The patient's blocks still in force, each with its dose taken from `history` (already read with
    its product and version, which the block list names) rather than joined again."""
    blocks = selectors.newest_first(
        SharedRecordBlock.objects.filter(
            patient=patient, lifts__isnull=True, lifted_by__isnull=True
        ).order_by(),
        "recorded_at",
    )
    doses = {dose.pk: dose for dose in history}
    for block in blocks:
        if block.vaccination_id in doses:
            block.vaccination = doses[block.vaccination_id]
    return blocks


def mark_blocked(history, blocks) -> None:
    """`is_blocked` on each dose the patient hid from other caregivers' shared record."""
    blocked_ids = {b.vaccination_id for b in blocks}
    for dose in history:
        dose.is_blocked = dose.pk in blocked_ids


def earlier_orders(patient) -> list:
    return recent_and_earlier(page_orders(patient), RECENT_ORDERS, keep=_open)[1]


def earlier_threads(patient) -> list:
    return recent_and_earlier(selectors.note_threads(patient), RECENT_NOTES)[1]


def page_orders(patient, history=None) -> list:
    """The patient page's orders (`patient_orders` with only what the page shows), their doses given
    counted from the page's `history` when it has read it."""
    return selectors.patient_orders(patient, columns=PAGE_ORDER_COLUMNS, history=history)


# What the patient page reads of a visit: the list shows its time, kind and unit.
_VISIT_FIELDS = ("id", "patient_id", "unit_id", "kind", "started_at")


def page_visits(patient, newest: int | None) -> tuple[list, int, list]:
    """The `newest` visits (all when None) with their declarations, how many more there are, and the
    vaccination visits started today. Every visit is read as a row and only those shown are made models
    (a long history has dozens of visits, of which the page shows three): two queries."""
    read = Visit.objects.filter(patient=patient).order_by("-started_at", "-id")
    rows = list(read.values_list("id", "unit_id", "kind", "started_at", "unit__name"))
    today = timezone.localdate()
    made: dict[int, Visit] = {}

    def visit(row) -> Visit:
        if row[0] not in made:
            made[row[0]] = model = Visit.from_db(read.db, _VISIT_FIELDS, (row[0], patient.pk, *row[1:4]))
            # Made as the ORM makes a joined row: any other field is read when asked for.
            model.unit = Unit.from_db(read.db, ("id", "name"), (row[1], row[4]))
        return made[row[0]]

    shown = [visit(row) for row in (rows if newest is None else rows[:newest])]
    selectors.with_declarations(shown)
    today_open = [
        visit(row)
        for row in rows
        if row[2] == VisitKind.VACCINATION and timezone.localtime(row[3]).date() == today
    ]
    return shown, len(rows) - len(shown), today_open


def _open(order) -> bool:
    return order.is_open


def patient_journal(patient, *, user, unit, everything: bool = False) -> PatientJournal:
    """What the patient page shows of the journal to `user`, who holds the journal right, working at `unit`
    (`everything`: every item of the long lists, not only the newest few)."""
    history = page_history(patient)
    recent_visits, earlier_visits, open_visits = page_visits(patient, None if everything else RECENT_VISITS)
    threads = selectors.note_threads(patient)
    recent_threads, older_threads = recent_and_earlier(threads, None if everything else RECENT_NOTES)
    orders = page_orders(patient, history)
    recent_orders, older_orders = recent_and_earlier(
        orders, None if everything else RECENT_ORDERS, keep=_open
    )
    blocks = _blocks(patient, history)
    mark_blocked(history, blocks)
    recent_history, older_history = recent_and_earlier(history, None if everything else RECENT_DOSES)
    return PatientJournal(
        history=history,
        recent_history=recent_history,
        earlier_history=len(older_history),
        threads=threads,
        recent_threads=recent_threads,
        earlier_threads=len(older_threads),
        orders=orders,
        recent_orders=recent_orders,
        earlier_orders=len(older_orders),
        signals=selectors.active_signals(patient),
        shared=selectors.shared_record(patient, user=user, unit=unit),
        recent_visits=recent_visits,
        earlier_visits=earlier_visits,
        open_visits=open_visits,
        blocks=blocks,
        whole_record_blocked=any(b.vaccination_id is None for b in blocks),
        next_due=latest_in_series_due(history),
        can_register=user.has_right(Right.VACCINATION_REGISTER),
        can_order=user.has_right(Right.VACCINE_ORDER),
        can_assess=user.has_right(Right.ASSESSMENT_WRITE),
    )


def latest_in_series_due(history) -> list:
    """The valid doses with a next due date that no later valid dose against the same disease has made
    history (one pass over the history, not one per dose)."""
    valid = selectors.valid_doses(history)
    latest: dict[str, object] = {}
    for dose in valid:
        if dose.product_id:
            disease = dose.product.disease
            if disease not in latest or dose.given_at > latest[disease]:
                latest[disease] = dose.given_at
    return [
        v
        for v in valid
        if v.next_due_date and (v.product_id is None or v.given_at >= latest[v.product.disease])
    ]
