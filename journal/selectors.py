"""Reads of the journal that are more than a filter. Each takes a constant number of queries."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from journal import checks_reads
from journal.extensions import booking_times, care_relationship_checks
from journal.models import (
    AssessmentOutcome,
    AttentionSignal,
    EmergencyAccess,
    HealthDeclaration,
    IdentityKind,
    Note,
    NoteComment,
    NoteKind,
    Order,
    OrderRequest,
    PreVisitDeclaration,
    SharedRecordBlock,
    SharedRecordConsent,
    Vaccination,
    VaccinationStatus,
    Visit,
)
from mittvaccin.tenancy import owned

_UNREAD = object()  # an argument the caller did not give


# --------------------------------------------------------------------------------------------------
# The journal: every read below takes a constant number of queries, however long the history.
# --------------------------------------------------------------------------------------------------


def attention_signals_by_patient(patient_ids) -> dict[int, list[AttentionSignal]]:
    """Active attention signals of many patients in one query (for lists such as the day view)."""
    result: dict[int, list[AttentionSignal]] = defaultdict(list)
    ids = [pk for pk in patient_ids if pk is not None]
    if not ids:
        return {}
    # The ids as one array parameter: as `IN (%s, %s, …)` each of a day's hundreds was normalized by
    # Django and bound by psycopg, whose parsed-statement cache stops at 50 parameters (issue 11).
    patients = RawSQL("SELECT unnest(%s::bigint[])", (ids,))
    for signal in AttentionSignal.objects.filter(patient_id__in=patients, inactivation__isnull=True).order_by(
        "patient_id", "-recorded_at", "-id"
    ):
        result[signal.patient_id].append(signal)
    return dict(result)


def active_signals(patient, refresh: bool = False) -> list[AttentionSignal]:
    """The patient's active signals, cached on the patient object for the rest of the request."""
    cached = None if refresh else getattr(patient, "_active_signals", None)
    if cached is None:
        cached = newest_first(
            AttentionSignal.objects.filter(patient=patient, inactivation__isnull=True)
            .select_related("documented")
            .order_by(),
            "recorded_at",
        )
        patient._active_signals = cached
    return cached


def current_declaration(visit, related=("questionnaire", "previsit")) -> HealthDeclaration | None:
    return (
        HealthDeclaration.objects.filter(visit=visit, superseded_by__isnull=True)
        .select_related(*related)
        .order_by("-recorded_at", "-id")
        .first()
    )


# --- Notes ------------------------------------------------------------------------------------------


@dataclass
class NoteThread:
    """A note as it stands now (`current`), its earlier versions (newest first) and all its comments."""

    current: Note
    earlier: list = field(default_factory=list)
    comments: list = field(default_factory=list)

    @property
    def last_activity(self):
        times = [self.current.signed_at] + [c.signed_at for c in self.comments]
        return max(times)


def note_threads(patient) -> list[NoteThread]:
    """Every note of the patient with its versions and comments: two queries."""
    notes = newest_first(Note.objects.filter(patient=patient).order_by(), "signed_at")
    threads = list({note.thread_id for note in notes})
    comments = NoteComment.objects.filter(thread_id__in=threads).order_by("signed_at", "id")
    return threads_of(notes, comments if threads else [])  # without notes, no query for comments


def threads_of(notes, comments) -> list[NoteThread]:
    """The threads of `notes` (newest first) with their `comments` (oldest first)."""
    by_thread: dict[int, list[Note]] = defaultdict(list)
    for note in notes:
        by_thread[note.thread_id].append(note)
    by_comment_thread: dict[int, list[NoteComment]] = defaultdict(list)
    for comment in comments:
        by_comment_thread[comment.thread_id].append(comment)
    threads = []
    for thread_id, versions in by_thread.items():
        superseded = {v.supersedes_id for v in versions if v.supersedes_id}
        current = next(v for v in versions if v.pk not in superseded)
        earlier = [v for v in versions if v.pk != current.pk]
        threads.append(
            NoteThread(current=current, earlier=earlier, comments=by_comment_thread.get(thread_id, []))
        )
    threads.sort(key=lambda t: (t.current.signed_at, t.current.pk), reverse=True)
    return threads


# --- Vaccinations and orders ------------------------------------------------------------------------


HISTORY_RELATED = ("product", "product_version", "unit", "entered_in_error", "visit", "next_dose_reminder")


def vaccination_history(patient, related=HISTORY_RELATED, columns=None) -> list[Vaccination]:
    """All dose rows of the patient at this caregiver, newest first, with error marks: one query.
    `columns`: only those (`screens.PAGE_HISTORY_COLUMNS`), for a page that shows no more."""
    doses = Vaccination.objects.filter(patient=patient).select_related(*related)
    if columns:
        doses = doses.only(*columns)
    return newest_first(doses.order_by(), "given_at")


def valid_doses(history) -> list[Vaccination]:
    """Doses that count for the schedule: given here or elsewhere, not entered in error."""
    return [
        v
        for v in history
        if v.status in (VaccinationStatus.GIVEN, VaccinationStatus.GIVEN_ELSEWHERE)
        and not is_entered_in_error(v)
    ]


def next_dose_reminded_at(dose):
    """When the patient was reminded of the dose's next due date, or None."""
    try:
        return dose.next_dose_reminder.sent_at
    except Vaccination.next_dose_reminder.RelatedObjectDoesNotExist:
        return None


def is_entered_in_error(obj) -> bool:
    try:
        return obj.entered_in_error is not None
    except obj.__class__.entered_in_error.RelatedObjectDoesNotExist:
        return False


ORDER_RELATED = ("product", "unit", "entered_in_error")


def patient_orders(patient, related=ORDER_RELATED, columns=None, history=None) -> list[Order]:
    """Every order of the patient with `doses_given` and `remaining`: one query. `columns`: only those
    (`screens.PAGE_ORDER_COLUMNS`), for a page that shows no more. `history`: the patient's every dose
    (`vaccination_history`, with `order_id` and error marks) already read, which the doses given are
    counted from instead of a join and a GROUP BY (a dose's order is always its own patient's: the
    `vaccination_consistent` trigger)."""
    orders = Order.objects.filter(patient=patient).select_related(*related)
    if columns:
        orders = orders.only(*columns)
    if history is None:
        orders = orders.annotate(
            doses_given=Count(
                "vaccinations",
                filter=Q(
                    vaccinations__status=VaccinationStatus.GIVEN, vaccinations__entered_in_error__isnull=True
                ),
            )
        )
    orders = newest_first(orders.order_by(), "ordered_at")
    if history is not None:
        given = Counter(
            dose.order_id
            for dose in history
            if dose.order_id and dose.status == VaccinationStatus.GIVEN and not is_entered_in_error(dose)
        )
        for order in orders:
            order.doses_given = given[order.pk]
    today = timezone.localdate()
    for order in orders:
        order.remaining = max(order.doses_total - order.doses_given, 0)
        order.withdrawn = is_entered_in_error(order)
        order.expired = order.valid_until < today
        order.is_open = order.remaining > 0 and not order.withdrawn and not order.expired
    return orders


def patient_order_choices(patient) -> list[Order]:
    """The patient's orders as the dose form chooses among them, with their products, newest first:
    one query without counts. Whether the chosen one may still be used is for the dose's service to
    say, from what it reads under the order's lock."""
    return list(
        Order.objects.filter(patient=patient).select_related("product").order_by("-ordered_at", "-id")
    )


def open_orders(orders) -> list[Order]:
    return [o for o in orders if o.is_open]


def next_dose_number(history, product) -> int:
    """The suggested dose number of `product`: valid earlier doses against the same disease, plus one."""
    if product is None:
        return 1
    return 1 + sum(1 for v in valid_doses(history) if v.product_id and v.product.disease == product.disease)


def previous_dose(history, product, before=None):
    """The latest valid dose against the same disease as `product` (before `before`, if given)."""
    for dose in valid_doses(history):  # newest first
        same_disease = dose.product_id and dose.product.disease == product.disease
        if same_disease and (before is None or dose.given_at <= before):
            return dose
    return None


# --- The shared record (R4, R6) ---------------------------------------------------------------------


@dataclass
class SharedRecord:
    consent: SharedRecordConsent | None = None
    care_relationship: bool = False
    doses: list = field(default_factory=list)  # other caregivers' doses that may be shown
    blocked_count: int = 0  # other caregivers' doses hidden by a block
    emergency: EmergencyAccess | None = None
    applicable: bool = True  # false for reserve numbers: no common identity across caregivers

    @property
    def consented(self) -> bool:
        return bool(self.consent and self.consent.given)

    @property
    def open(self) -> bool:
        return self.applicable and self.consented and self.care_relationship

    @property
    def state(self) -> str:
        if not self.applicable:
            return "not_applicable"
        if not self.consented:
            return "no_consent"
        if not self.care_relationship:
            return "no_care_relationship"
        return "open"


def care_relationship(patient, unit, now=None) -> bool:
    """A current care relationship with the unit: a visit there within the configured days, or a booking."""
    if unit is None:
        return False
    now = now or timezone.now()
    days = getattr(settings, "JOURNAL_CARE_RELATIONSHIP_DAYS", 30)
    if Visit.objects.filter(
        patient=patient, unit=unit, started_at__gte=now - dt.timedelta(days=days), started_at__lte=now
    ).exists():
        return True

    return any(check(patient, unit) for check in care_relationship_checks())


def shared_record(patient, *, user, unit, now=None, consent=_UNREAD) -> SharedRecord:
    """Other caregivers' vaccinations of the same person, as far as consent, relationship and blocks allow.

    Deliberately outside the tenancy helpers (R6 is the one place where another caregiver's data is
    read); the caller logs the read at both caregivers. `consent`: the latest row, if read already.
    """
    now = now or timezone.now()
    record = SharedRecord()
    if patient.identity_kind == IdentityKind.RESERVNUMMER:
        record.applicable = False
        return record
    if consent is _UNREAD:
        # The newest of the patient's few consent rows (`newest_first`: without an ORDER BY to compile).
        consent = next(
            iter(newest_first(SharedRecordConsent.objects.filter(patient=patient).order_by(), "recorded_at")),
            None,
        )
    record.consent = consent
    if not record.consented:
        return record
    record.care_relationship = care_relationship(patient, unit, now)
    if not record.care_relationship:
        return record
    others = list(
        Vaccination.objects.filter(
            patient__identity_kind=patient.identity_kind, patient__identity_number=patient.identity_number
        )
        .exclude(caregiver_id=patient.caregiver_id)
        .select_related("product", "product_version", "unit", "caregiver", "entered_in_error", "patient")
        .order_by("-given_at", "-id")
    )
    blocks = SharedRecordBlock.objects.filter(
        patient_id__in={v.patient_id for v in others}, lifts__isnull=True, lifted_by__isnull=True
    ).values_list("patient_id", "vaccination_id")
    whole = {p for p, v in blocks if v is None}
    single = {v for p, v in blocks if v is not None}
    record.emergency = (
        EmergencyAccess.objects.filter(patient=patient, user=user, valid_until__gt=now)
        .order_by("-at")
        .first()
    )
    for dose in others:
        dose.blocked = dose.patient_id in whole or dose.pk in single
        if dose.blocked:
            record.blocked_count += 1
            if record.emergency is None:
                continue
        record.doses.append(dose)
    return record


# --- The checks before vaccination (R6) ------------------------------------------------------------


@dataclass
class VisitChecks:
    visit: Visit
    signals: list
    threads: list
    history: list
    declaration: HealthDeclaration | None
    assessment: Note | None
    orders: list
    shared: SharedRecord
    confirmation: object
    shown: dict
    fingerprint: str

    @property
    def open_orders(self):
        return open_orders(self.orders)

    @property
    def schedule_history(self) -> list:
        """This caregiver's doses and the other caregivers' doses the shared record shows, newest first."""
        if not self.shared.doses:
            return self.history
        shown = [v for v in self.shared.doses if not is_entered_in_error(v)]
        return sorted(self.history + shown, key=lambda v: (v.given_at, v.pk), reverse=True)

    @property
    def confirmed(self) -> bool:
        return self.confirmation is not None and self.confirmation.fingerprint == self.fingerprint

    @property
    def stale_confirmation(self) -> bool:
        return self.confirmation is not None and self.confirmation.fingerprint != self.fingerprint

    @property
    def needs_assessment(self) -> bool:
        return bool(self.declaration and self.declaration.flagged and self.assessment is None)

    @property
    def blockers(self) -> list[str]:
        """Why a dose cannot be registered yet, in the order the nurse resolves them."""

        reasons = []
        if self.declaration is None:
            reasons.append(_("Hälsodeklaration saknas för besöket."))
        elif self.needs_assessment:
            reasons.append(_("Hälsodeklarationen har svar som läkaren ska bedöma före vaccination."))
        elif self.assessment is not None and self.assessment.outcome == AssessmentOutcome.DO_NOT_VACCINATE:
            reasons.append(_("Läkaren har bedömt att vaccination inte ska ges."))
        if not self.confirmed:
            if self.stale_confirmation:
                reasons.append(
                    _("Ny information har tillkommit sedan kontrollerna bekräftades: gör om kontrollerna.")
                )
            else:
                reasons.append(_("Kontrollerna före vaccination är inte bekräftade."))
        return reasons

    @property
    def ready(self) -> bool:
        return not self.blockers


def visit_checks(visit, *, user, unit, now=None, to_sign=False) -> VisitChecks:
    """The five checks of R6 for a visit, and a fingerprint of exactly what they show.

    `to_sign`: for a service that confirms or signs: the small reads in one statement (`checks_reads`),
    the history and the orders without what only the screen shows. The same rows, the same fingerprint.
    """
    patient = visit.patient
    # Read afresh: what the checks show must be what the journal holds now.
    small = checks_reads.read_to_sign(patient_id=patient.pk, visit_id=visit.pk) if to_sign else None
    if to_sign:
        signals, threads = small.signals, threads_of(small.notes, small.comments)
    else:
        signals, threads = active_signals(patient, refresh=True), note_threads(patient)
    history = (
        checks_reads.history_to_sign(patient) if to_sign else vaccination_history(patient, HISTORY_RELATED)
    )
    declaration = small.declaration if small else current_declaration(visit, ("questionnaire", "previsit"))
    assessment = None
    if declaration is not None:
        # A physician's assessment of the resident's answers before the visit holds for the recorded
        # declaration as long as the nurse changed none of those answers (A15).
        previsit_id = (
            declaration.previsit_id
            if declaration.previsit_id and declaration.answers == declaration.previsit.answers
            else None
        )
        assessments = [
            t.current
            for t in threads
            if t.current.kind == NoteKind.ASSESSMENT
            and (
                t.current.declaration_id == declaration.pk
                or (previsit_id and t.current.previsit_id == previsit_id)
            )
        ]
        assessment = max(assessments, key=lambda n: (n.signed_at, n.pk), default=None)
    orders = patient_orders(patient, ("entered_in_error",) if to_sign else ORDER_RELATED)
    shared = shared_record(
        patient, user=user, unit=unit, now=now, consent=small.consent if small else _UNREAD
    )
    confirmation = (
        small.confirmation if small else visit.check_confirmations.order_by("-confirmed_at", "-id").first()
    )
    shown = {
        "signals": sorted(s.pk for s in signals),
        "notes": sorted(t.current.pk for t in threads),
        "comments": sorted(c.pk for t in threads for c in t.comments),
        # Doses of this very visit are what the nurse is doing now; they do not make the checks stale.
        "history": sorted(v.pk for v in history if v.visit_id != visit.pk),
        "history_in_error": sorted(
            v.pk for v in history if is_entered_in_error(v) and v.visit_id != visit.pk
        ),
        "declaration": declaration.pk if declaration else None,
        "declaration_flagged": bool(declaration and declaration.flagged),
        "assessment": assessment.pk if assessment else None,
        # Orders as made or withdrawn; counting one off by a dose of this visit changes nothing here.
        "orders": sorted(o.pk for o in orders if o.visit_id != visit.pk),
        "orders_withdrawn": sorted(o.pk for o in orders if o.withdrawn),
        "shared_state": shared.state,
        "shared_doses": sorted(v.pk for v in shared.doses),
        "shared_blocked": shared.blocked_count,
    }
    fingerprint = hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()
    return VisitChecks(
        visit=visit,
        signals=signals,
        threads=threads,
        history=history,
        declaration=declaration,
        assessment=assessment,
        orders=orders,
        shared=shared,
        confirmation=confirmation,
        shown=shown,
        fingerprint=fingerprint,
    )


# --- Lists -------------------------------------------------------------------------------------------


def assessment_queue(who, *, unit=None, since_days: int = 14) -> list[HealthDeclaration]:
    """Flagged current declarations of recent visits that no physician has assessed yet."""
    since = timezone.now() - dt.timedelta(days=since_days)
    declarations = (
        owned(HealthDeclaration, who)
        .filter(flagged=True, superseded_by__isnull=True, visit__started_at__gte=since)
        .exclude(assessments__kind=NoteKind.ASSESSMENT)
        .select_related("visit__patient", "visit__unit", "questionnaire")
        .order_by("recorded_at", "id")
    )
    if unit is not None:
        declarations = declarations.filter(visit__unit=unit)
    return list(declarations)


def open_order_requests(who, *, unit=None) -> list:
    """Nurses' requests for an order that no order or physician has answered yet, oldest first."""

    requests = (
        owned(OrderRequest, who)
        .filter(answer__isnull=True)
        .select_related("patient", "product", "unit", "visit")
        .order_by("requested_at", "id")
    )
    if unit is not None:
        requests = requests.filter(unit=unit)
    return list(requests)


def previsit_for_booking(booking_id) -> PreVisitDeclaration | None:
    """The resident's latest answers before the booked visit (A15), or None."""
    if not booking_id:
        return None
    return (
        PreVisitDeclaration.objects.filter(booking_id=booking_id, superseded_by__isnull=True)
        .select_related("questionnaire")
        .order_by("-answered_at", "-id")
        .first()
    )


def previsit_assessment_queue(who, *, unit=None) -> list[PreVisitDeclaration]:
    """Residents' flagged answers for visits still to come that no physician has assessed (A15)."""

    candidates = (
        owned(PreVisitDeclaration, who)
        .filter(flagged=True, superseded_by__isnull=True)
        .exclude(assessments__kind=NoteKind.ASSESSMENT)
        .select_related("patient", "unit", "questionnaire")
        .order_by("answered_at", "id")
    )
    if unit is not None:
        candidates = candidates.filter(unit=unit)
    candidates = list(candidates[:500])
    times = booking_times([c.booking_id for c in candidates])
    now = timezone.now()
    upcoming = []
    for previsit in candidates:
        starts_at = times.get(previsit.booking_id)
        if starts_at is not None and starts_at > now:
            previsit.visit_starts_at = starts_at
            previsit.flag_rows = [row for row in previsit.answer_rows() if row["flag"]]
            upcoming.append(previsit)
    return sorted(upcoming, key=lambda p: (p.visit_starts_at, p.pk))


def signal_todos(who) -> list[AttentionSignal]:
    """Signals whose "document in the main health record" to-do is still open."""
    return list(
        owned(AttentionSignal, who)
        .filter(documented__isnull=True)
        .select_related("patient")
        .order_by("recorded_at", "id")
    )


def declarations_by_visit(patient, *, newest: int | None = None) -> list[Visit]:
    """The patient's visits, newest first, each of the `newest` first (all when None) with all its
    declarations (every version): two queries."""
    visits = list(
        Visit.objects.filter(patient=patient)
        .select_related("unit")
        .only("patient_id", "kind", "started_at", "unit__name")
        .order_by("-started_at", "-id")
    )
    with_declarations(visits if newest is None else visits[:newest])
    return visits


def with_declarations(visits) -> None:
    """Each of `visits` with `declaration_list`, all its declarations (every version), newest first: one
    query. Sorted here rather than by an ORDER BY, for which the ORM hashes every selected column of the
    four joined tables (`newest_first`)."""
    by_visit: dict[int, list[HealthDeclaration]] = defaultdict(list)
    if visits:
        declarations = HealthDeclaration.objects.filter(visit_id__in=[v.pk for v in visits])
        for declaration in declarations.select_related("questionnaire", "previsit__questionnaire").order_by():
            by_visit[declaration.visit_id].append(declaration)
    for visit in visits:
        visit.declaration_list = newest_first(by_visit[visit.pk], "recorded_at")


def newest_first(rows, moment: str) -> list:
    """`rows` as ORDER BY `moment` DESC, id DESC gives them (the moments are never null). A read sorted
    here skips the ORM's compiling of an ORDER BY, which hashes each selected column through `inspect`
    (for a small read of a few rows, more than the sort)."""
    return sorted(rows, key=lambda row: (getattr(row, moment), row.pk), reverse=True)
