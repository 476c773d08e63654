"""The clinical journal: the vaccination screen (checks and dose), orders, notes, signals, shared record.

Views parse input, check rights, call one service and render. Every view under a patient id goes
through `patient_view` (tenancy, right, access log). A view answers an htmx request with the named
partial of its template and a plain request with the whole page (after POST: a redirect), so every
step also works without JavaScript.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from journal import extensions, fhir, schedule, selectors, services
from journal.access import patient_view
from journal.forms import (
    AssessmentForm,
    BlockForm,
    CommentForm,
    ConfirmChecksForm,
    DeclarationForm,
    DoseForm,
    ElsewhereForm,
    EmergencyAccessForm,
    NoteCorrectForm,
    NoteForm,
    NotGivenForm,
    OrderForm,
    ReasonForm,
    SignalForm,
)
from journal.models import (
    AttentionSignal,
    Batch,
    HealthDeclaration,
    Note,
    NoteKind,
    Order,
    SharedRecordBlock,
    Vaccination,
    Visit,
)
from mittvaccin.decorators import require_right
from mittvaccin.models import AccessLogEntry
from mittvaccin.rights import Right
from mittvaccin.services import access_log_record, client_address
from mittvaccin.tenancy import owned, owned_or_404

KEEP_SESSION_KEY = "journal_keep_dose"
# The "not given" form shares the screen with the dose form: its own prefix keeps ids and names apart.
NOT_GIVEN_PREFIX = "ej"


def _visit(request, patient, visit_id) -> Visit:
    return owned_or_404(
        Visit.objects.select_related("unit", "patient"), request, pk=visit_id, patient=patient
    )


def _hhmm(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def _date(value) -> str:
    return value.isoformat() if value else ""


# Service field names that a form calls differently (the batch is typed as its lot number).
FIELD_ALIASES = {"batch": "lot"}


def _error_to_form(form, error: services.JournalError) -> None:
    field = FIELD_ALIASES.get(error.field, error.field)
    field = field if field in form.fields else None
    form.add_error(field, error.message)


def _posted_int(request, name):
    try:
        return int(request.POST.get(name) or request.GET.get(name) or 0) or None
    except (TypeError, ValueError):
        return None


# --- Shared record reads are logged at both caregivers ------------------------------------------------


def _log_shared_read(request, patient, shared) -> None:
    """Every look into another caregiver's record leaves a row in their access log too (R6)."""
    if not shared.open or not (shared.doses or shared.blocked_count):
        return
    access_log_record(request=request, patient=patient, what=_("Sammanhållen journal"))
    seen = {}
    for dose in shared.doses:
        seen.setdefault(dose.patient_id, dose)
    rows = [
        AccessLogEntry(
            user=request.user,
            caregiver_id=dose.caregiver_id,
            unit=None,
            patient_id=dose.patient_id,
            patient_identity=patient.identity_number,
            patient_protected=patient.protected_identity,
            what=(
                _("Sammanhållen journal, läst av %(caregiver)s") % {"caregiver": request.user.caregiver.name}
            )[:120],
            path=request.get_full_path()[:400],
            client_address=client_address(request),
            reason=shared.emergency.reason if shared.emergency else "",
        )
        for dose in seen.values()
    ]
    AccessLogEntry.objects.bulk_create(rows)


# --- The vaccination screen ------------------------------------------------------------------------


def _dose_initial(request, checks, user, selected_order):
    now = timezone.localtime().replace(second=0, microsecond=0)
    initial = {
        "idempotency_key": uuid.uuid4(),
        "given_at": now,
        "prepared_by": user.pk,
        "given_by": user.pk,
        "dose_amount": "full",
    }
    if selected_order is not None:
        product = selected_order.product
        initial.update(
            order=selected_order.pk,
            dose_ml=selected_order.dose_ml,
            route=product.default_route,
            dose_number=selected_order.suggested_dose_number,
        )
        kept = request.session.get(KEEP_SESSION_KEY) or {}
        if kept.get("product") == product.pk:
            initial.update(
                lot=kept.get("lot", ""),
                site=kept.get("site", ""),
                route=kept.get("route") or product.default_route,
            )
            initial["keep"] = True
    return initial


def _annotate_schedule(checks, patient):
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


def _given_here(checks) -> set[str]:
    """Diseases a dose was given against at this very visit (not entered in error)."""
    return {
        v.product.disease
        for v in checks.history
        if v.visit_id == checks.visit.pk
        and v.status == "given"
        and v.product_id
        and not selectors.is_entered_in_error(v)
    }


def _selected_order(request, checks, posted=None):
    """The order the dose form starts from: the one asked for, the kept product's, or the first still to give."""
    given_here = _given_here(checks)
    orders = sorted(checks.open_orders, key=lambda o: o.product.disease in given_here)
    wanted = posted or _posted_int(request, "order")
    if wanted:
        for order in orders:
            if order.pk == wanted:
                return order
    kept = request.session.get(KEEP_SESSION_KEY) or {}
    for order in orders:
        if order.product_id == kept.get("product") and order.product.disease not in given_here:
            return order
    return orders[0] if orders else None


def _visit_context(
    request,
    patient,
    visit,
    *,
    dose_form=None,
    declaration_form=None,
    not_given_form=None,
    assessment_form=None,
    confirm_error="",
    correcting=False,
    selected_order=None,
):
    checks = selectors.visit_checks(visit, user=request.user, unit=visit.unit)
    _annotate_schedule(checks, patient)
    _log_shared_read(request, patient, checks.shared)
    order = selected_order or _selected_order(request, checks)
    if dose_form is None:
        dose_form = DoseForm(
            orders=checks.orders,
            caregiver=patient.caregiver_id,
            initial=_dose_initial(request, checks, request.user, order),
        )
    if not_given_form is None:
        not_given_form = NotGivenForm(
            orders=checks.open_orders,
            initial={"idempotency_key": uuid.uuid4(), "order": order.pk if order else None},
            prefix=NOT_GIVEN_PREFIX,
        )
    questionnaire = (
        checks.declaration.questionnaire if checks.declaration else services.questionnaire_current()
    )
    if declaration_form is None and (checks.declaration is None or correcting):
        initial = dict(checks.declaration.answers) if checks.declaration else {}
        if checks.declaration:
            initial["supersedes"] = checks.declaration.pk
        declaration_form = DeclarationForm(questionnaire=questionnaire, initial=initial)
    if assessment_form is None and checks.needs_assessment and request.user.has_right(Right.ASSESSMENT_WRITE):
        assessment_form = AssessmentForm(initial={"declaration": checks.declaration.pk})
    product_ids = {o.product_id for o in checks.open_orders}
    batches = (
        list(
            owned(Batch, request)
            .filter(product_id__in=product_ids, expiry_date__gte=timezone.localdate())
            .select_related("product")
            .order_by("product__name", "expiry_date")
        )
        if product_ids
        else []
    )
    # After a dose the panel does not offer the next dose of the same series at once: a second dose of
    # one vaccine at one visit is a deliberate choice, never the default.
    another_dose = (
        order is not None
        and not dose_form.is_bound
        and not request.GET.get("ytterligare")
        and order.product.disease in _given_here(checks)
    )
    return {
        "patient": patient,
        "visit": visit,
        "checks": checks,
        "another_dose": another_dose,
        "dose_form": dose_form,
        "not_given_form": not_given_form,
        "declaration_form": declaration_form,
        "assessment_form": assessment_form,
        "confirm_form": ConfirmChecksForm(initial={"fingerprint": checks.fingerprint}),
        "confirm_error": confirm_error,
        "selected_order": order,
        "batches": batches,
        "dose_form_parts": [reverse(name) for name in extensions.dose_form_parts()],
        "billing_data": {k: v for k, v in request.POST.items() if k.startswith("billing-")},
        "can_register": request.user.has_right(Right.VACCINATION_REGISTER),
        "can_order": request.user.has_right(Right.VACCINE_ORDER),
        "kept": request.session.get(KEEP_SESSION_KEY),
    }


def _render_visit(request, patient, visit, **kwargs):
    context = _visit_context(request, patient, visit, **kwargs)
    template = "journal/visit.html#workspace" if request.htmx else "journal/visit.html"
    return render(request, template, context)


def _after_post(request, patient, visit):
    if request.htmx:
        return _render_visit(request, patient, visit)
    return redirect("journal:visit", patient_id=patient.pk, visit_id=visit.pk)


@require_POST
@patient_view(_("Besök påbörjat"))
def visit_start(request, patient):
    """A walk-in: open a vaccination visit at the unit the nurse works at now."""
    if not request.user.has_right(Right.VACCINATION_REGISTER):
        raise PermissionDenied
    if request.unit is None:
        messages.error(request, _("Välj först vilken enhet du arbetar på."))
        return redirect("journal:patient", patient_id=patient.pk)
    visit = services.visit_open(patient=patient, unit=request.unit, user=request.user)
    messages.success(request, _("Besöket är påbörjat på %(unit)s.") % {"unit": request.unit.name})
    return redirect("journal:visit", patient_id=patient.pk, visit_id=visit.pk)


@require_GET
@patient_view(_("Vaccinationsbesök: kontroller och vaccination"))
def visit(request, patient, visit_id):
    visit = _visit(request, patient, visit_id)
    correcting = request.GET.get("ratta") == "deklaration"
    if request.htmx and request.GET.get("panel") == "dose":
        context = _visit_context(request, patient, visit)
        return render(request, "journal/_dose_panel.html", context)
    return _render_visit(request, patient, visit, correcting=correcting)


@require_POST
@patient_view(_("Hälsodeklaration registrerad"))
def visit_declaration(request, patient, visit_id):
    visit = _visit(request, patient, visit_id)
    current = selectors.current_declaration(visit)
    questionnaire = current.questionnaire if current else services.questionnaire_current()
    form = DeclarationForm(request.POST, questionnaire=questionnaire)
    if form.is_valid():
        try:
            declaration = services.declaration_record(
                visit=visit,
                user=request.user,
                answers=form.answers(),
                supersedes_id=form.cleaned_data["supersedes"],
            )
        except services.JournalError as error:
            _error_to_form(form, error)
        else:
            if declaration.flagged:
                messages.warning(
                    request,
                    _(
                        "Hälsodeklarationen är sparad %(time)s. Markerade svar ska bedömas av läkare före vaccination."
                    )
                    % {"time": _hhmm(declaration.recorded_at)},
                )
            else:
                messages.success(
                    request,
                    _("Hälsodeklarationen är sparad %(time)s.") % {"time": _hhmm(declaration.recorded_at)},
                )
            return _after_post(request, patient, visit)
    return _render_visit(request, patient, visit, declaration_form=form, correcting=True)


@require_POST
@patient_view(_("Bedömning före vaccination"))
def visit_assessment(request, patient, visit_id):
    visit = _visit(request, patient, visit_id)
    if not request.user.has_right(Right.ASSESSMENT_WRITE):
        raise PermissionDenied
    form = AssessmentForm(request.POST)
    if form.is_valid():
        declaration = HealthDeclaration.objects.filter(
            pk=form.cleaned_data["declaration"], visit=visit
        ).first()
        if declaration is None:
            form.add_error(None, _("Hälsodeklarationen finns inte på besöket."))
        else:
            try:
                note = services.note_create(
                    patient=patient,
                    user=request.user,
                    text=form.cleaned_data["text"],
                    kind=NoteKind.ASSESSMENT,
                    outcome=form.cleaned_data["outcome"],
                    declaration=declaration,
                )
            except services.JournalError as error:
                _error_to_form(form, error)
            else:
                messages.success(
                    request, _("Bedömningen är signerad %(time)s.") % {"time": _hhmm(note.signed_at)}
                )
                return _after_post(request, patient, visit)
    return _render_visit(request, patient, visit, assessment_form=form)


@require_POST
@patient_view(_("Kontroller före vaccination bekräftade"))
def visit_confirm(request, patient, visit_id):
    visit = _visit(request, patient, visit_id)
    form = ConfirmChecksForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            confirmation = services.checks_confirm(
                visit=visit, user=request.user, unit=visit.unit, fingerprint=form.cleaned_data["fingerprint"]
            )
        except services.JournalError as exc:
            error = exc.message
        else:
            messages.success(
                request,
                _("Kontrollerna är bekräftade %(time)s.") % {"time": _hhmm(confirmation.confirmed_at)},
            )
            return _after_post(request, patient, visit)
    else:
        error = _("Sidan saknade uppgifter. Ladda om sidan och gör kontrollerna igen.")
    return _render_visit(request, patient, visit, confirm_error=error)


def _resolve_batch(request, lot: str, product):
    """The caregiver's batch with this lot number, preferring the ordered product's."""
    candidates = list(owned(Batch, request).filter(lot_number__iexact=lot.strip()).select_related("product"))
    for batch in candidates:
        if product is not None and batch.product_id == product.pk:
            return batch
    return candidates[0] if candidates else None


@require_POST
@patient_view(_("Vaccination registrerad"))
def visit_dose(request, patient, visit_id):
    visit = _visit(request, patient, visit_id)
    orders = selectors.patient_orders(patient)
    form = DoseForm(request.POST, orders=orders, caregiver=patient.caregiver_id)
    selected = None
    if form.is_valid():
        data = form.cleaned_data
        order = data["order"]
        batch = _resolve_batch(request, data["lot"], order.product)
        if batch is None:
            form.add_error(
                "lot", _("Batchnumret %(lot)s finns inte i vårdgivarens lager.") % {"lot": data["lot"]}
            )
        else:
            try:
                vaccination = services.vaccination_register(
                    visit=visit,
                    user=request.user,
                    unit=visit.unit,
                    order=order,
                    batch=batch,
                    site=data["site"],
                    route=data["route"],
                    dose_ml=data["dose_ml"],
                    dose_amount=data["dose_amount"],
                    dose_number=data["dose_number"],
                    given_at=data["given_at"],
                    prepared_by=data["prepared_by"],
                    given_by=data["given_by"],
                    override_reason=data["override_reason"],
                    comment=data["comment"],
                    idempotency_key=data["idempotency_key"],
                    billing_data={k: v for k, v in request.POST.items() if k.startswith("billing-")},
                )
            except services.JournalError as error:
                if error.existing is not None:
                    messages.info(
                        request,
                        _("Vaccinationen var redan signerad %(time)s; den registrerades inte en gång till.")
                        % {"time": _hhmm(error.existing.recorded_at)},
                    )
                    return _after_post(request, patient, visit)
                _error_to_form(form, error)
            else:
                if data["keep"]:
                    request.session[KEEP_SESSION_KEY] = {
                        "product": order.product_id,
                        "lot": batch.lot_number,
                        "site": data["site"],
                        "route": data["route"],
                    }
                else:
                    request.session.pop(KEEP_SESSION_KEY, None)
                text = _("Vaccination signerad %(time)s: %(product)s dos %(n)d, batch %(lot)s.") % {
                    "time": _hhmm(vaccination.recorded_at),
                    "product": order.product.name,
                    "n": vaccination.dose_number,
                    "lot": batch.lot_number,
                }
                if vaccination.next_due_date:
                    text += " " + _("Nästa dos (dos %(n)d) senast %(date)s.") % {
                        "n": vaccination.dose_number + 1,
                        "date": _date(vaccination.next_due_date),
                    }
                messages.success(request, text)
                return _after_post(request, patient, visit)
        selected = order
    checks_orders = selectors.patient_orders(patient)
    if selected is not None:
        selected = next((o for o in checks_orders if o.pk == selected.pk and o.is_open), None)
    return _render_visit(request, patient, visit, dose_form=form, selected_order=selected)


@require_POST
@patient_view(_("Vaccination ej given registrerad"))
def visit_not_given(request, patient, visit_id):
    visit = _visit(request, patient, visit_id)
    orders = selectors.open_orders(selectors.patient_orders(patient))
    form = NotGivenForm(request.POST, orders=orders, prefix=NOT_GIVEN_PREFIX)
    if form.is_valid():
        data = form.cleaned_data
        try:
            record = services.vaccination_not_given(
                visit=visit,
                user=request.user,
                unit=visit.unit,
                reason=data["reason"],
                order=data["order"],
                product=data["product"],
                comment=data["comment"],
                idempotency_key=data["idempotency_key"],
            )
        except services.JournalError as error:
            if error.existing is None:
                _error_to_form(form, error)
            else:
                return _after_post(request, patient, visit)
        else:
            messages.success(
                request,
                _("Registrerat %(time)s: %(product)s ej given (%(reason)s).")
                % {
                    "time": _hhmm(record.recorded_at),
                    "product": record.vaccine_name,
                    "reason": record.get_not_given_reason_display(),
                },
            )
            return _after_post(request, patient, visit)
    return _render_visit(request, patient, visit, not_given_form=form)


# --- Patient overview ----------------------------------------------------------------------------


def patient_journal_context(request, patient) -> dict:
    """Everything the patient page shows, in a constant number of queries however long the history."""
    if not request.user.has_right(Right.JOURNAL_READ):
        return {"journal": False}
    history = selectors.vaccination_history(patient)
    shared = selectors.shared_record(patient, user=request.user, unit=request.unit)
    _log_shared_read(request, patient, shared)
    today = timezone.localdate()
    visits = selectors.declarations_by_visit(patient)
    open_visits = [
        v for v in visits if v.kind == "vaccination" and timezone.localtime(v.started_at).date() == today
    ]
    blocks = list(
        SharedRecordBlock.objects.filter(
            patient=patient, lifts__isnull=True, lifted_by__isnull=True
        ).select_related("vaccination__product")
    )
    blocked_ids = {b.vaccination_id for b in blocks}
    for dose in history:
        dose.is_blocked = dose.pk in blocked_ids
    next_due = [
        v for v in selectors.valid_doses(history) if v.next_due_date and not _superseded_in_series(v, history)
    ]
    return {
        "journal": True,
        "history": history,
        "threads": selectors.note_threads(patient),
        "orders": selectors.patient_orders(patient),
        "signals": selectors.active_signals(patient),
        "shared": shared,
        "visits": visits,
        "open_visits": open_visits,
        "blocks": blocks,
        "whole_record_blocked": any(b.vaccination_id is None for b in blocks),
        "next_due": next_due,
        "elsewhere_form": ElsewhereForm(initial={"idempotency_key": uuid.uuid4()}),
        "comment_form": CommentForm(),
        "can_register": request.user.has_right(Right.VACCINATION_REGISTER),
        "can_order": request.user.has_right(Right.VACCINE_ORDER),
        "can_assess": request.user.has_right(Right.ASSESSMENT_WRITE),
    }


def _superseded_in_series(dose, history) -> bool:
    """A later valid dose against the same disease makes this dose's "next due" date history."""
    if dose.product_id is None:
        return False
    return any(
        other.given_at > dose.given_at and other.product_id and other.product.disease == dose.product.disease
        for other in selectors.valid_doses(history)
    )


@require_POST
@patient_view(_("Tidigare vaccination registrerad"))
def vaccination_elsewhere(request, patient):
    form = ElsewhereForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.vaccination_record_elsewhere(
                patient=patient,
                user=request.user,
                given_on=data["given_on"],
                product=data["product"],
                product_text=data["product_text"],
                place=data["place"],
                dose_number=data["dose_number"],
                lot_number=data["lot_number"],
                comment=data["comment"],
                idempotency_key=data["idempotency_key"],
            )
        except services.JournalError as error:
            if error.existing is None:
                _error_to_form(form, error)
            else:
                return redirect(reverse("journal:patient", args=[patient.pk]) + "#historik")
        else:
            messages.success(request, _("Den tidigare vaccinationen är registrerad."))
            return redirect(reverse("journal:patient", args=[patient.pk]) + "#historik")
    return render(
        request,
        "journal/form_page.html",
        {
            "patient": patient,
            "form": form,
            "title": _("Tidigare vaccination (annan vårdgivare eller utomlands)"),
            "submit": _("Registrera"),
            "action": reverse("journal:vaccination_elsewhere", args=[patient.pk]),
        },
    )


@patient_view(_("Vaccination: markera felregistrerad"))
def vaccination_error(request, patient, vaccination_id):
    vaccination = owned_or_404(
        Vaccination.objects.select_related("product"), request, pk=vaccination_id, patient=patient
    )
    return _mark_with_reason(
        request,
        patient,
        mark=lambda reason: services.vaccination_enter_in_error(
            vaccination=vaccination, user=request.user, reason=reason
        ),
        done=_("Raden är markerad som felregistrerad. Den finns kvar, överstruken, med skälet."),
        anchor="#historik",
        title=_("Markera vaccination som felregistrerad"),
        intro=_("%(vaccine)s %(date)s. Raden tas inte bort: den visas överstruken med skälet.")
        % {
            "vaccine": vaccination.vaccine_name,
            "date": timezone.localtime(vaccination.given_at).strftime("%Y-%m-%d %H:%M"),
        },
        submit=_("Markera som felregistrerad"),
    )


def _mark_with_reason(request, patient, *, mark, done, anchor, title, intro, submit):
    """The one page for marking a signed entry (dose, order, signal) with a reason: it stays readable."""
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mark(form.cleaned_data["reason"])
        except services.JournalError as error:
            _error_to_form(form, error)
        else:
            messages.success(request, done)
            return redirect(reverse("journal:patient", args=[patient.pk]) + anchor)
    return render(
        request,
        "journal/form_page.html",
        {"patient": patient, "form": form, "title": title, "intro": intro, "submit": submit, "danger": True},
    )


# --- Orders (R2) -----------------------------------------------------------------------------------


@patient_view(_("Ordination"))
def order_create(request, patient):
    if not request.user.has_right(Right.VACCINE_ORDER):
        raise PermissionDenied
    visit_id = _posted_int(request, "besok")
    visit = _visit(request, patient, visit_id) if visit_id else None
    today = timezone.localdate()
    form = OrderForm(
        request.POST or None, initial={"valid_until": today + dt.timedelta(days=365), "doses_total": 1}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = services.order_create(
                patient=patient,
                user=request.user,
                unit=request.unit,
                product=data["product"],
                dose_ml=data["dose_ml"] or data["product"].default_dose_ml,
                doses_total=data["doses_total"],
                valid_until=data["valid_until"],
                schedule_text=data["schedule_text"],
                instructions=data["instructions"],
                visit=visit,
            )
        except services.JournalError as error:
            _error_to_form(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "Ordinationen är signerad %(time)s: %(product)s, %(n)d dos.",
                    "Ordinationen är signerad %(time)s: %(product)s, %(n)d doser.",
                    order.doses_total,
                )
                % {"time": _hhmm(order.ordered_at), "product": order.product.name, "n": order.doses_total},
            )
            if visit is not None:
                return redirect("journal:visit", patient_id=patient.pk, visit_id=visit.pk)
            return redirect(reverse("journal:patient", args=[patient.pk]) + "#ordinationer")
    action = reverse("journal:order_create", args=[patient.pk]) + (f"?besok={visit.pk}" if visit else "")
    return render(
        request,
        "journal/form_page.html",
        {
            "patient": patient,
            "form": form,
            "title": _("Ordinera vaccin"),
            "intro": _(
                "Ordinationen signeras av dig och gäller hos alla enheter hos vårdgivaren. Den görs på %(unit)s."
            )
            % {"unit": request.unit.name if request.unit else "–"},
            "submit": _("Signera ordination"),
            "action": action,
            "back": reverse("journal:visit", args=[patient.pk, visit.pk]) if visit else None,
        },
    )


@patient_view(_("Ordination: makulera"))
def order_error(request, patient, order_id):
    order = owned_or_404(Order.objects.select_related("product"), request, pk=order_id, patient=patient)
    if not request.user.has_right(Right.VACCINE_ORDER):
        raise PermissionDenied
    return _mark_with_reason(
        request,
        patient,
        mark=lambda reason: services.order_enter_in_error(order=order, user=request.user, reason=reason),
        done=_("Ordinationen är makulerad. Den finns kvar i journalen med skälet."),
        anchor="#ordinationer",
        title=_("Makulera ordination"),
        intro=f"{order.product.name} · {order.signature}",
        submit=_("Makulera"),
    )


# --- Notes (R12) -------------------------------------------------------------------------------------


@patient_view(_("Ny anteckning"))
def note_create(request, patient):
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            note = services.note_create(patient=patient, user=request.user, text=form.cleaned_data["text"])
        except services.JournalError as error:
            _error_to_form(form, error)
        else:
            messages.success(
                request, _("Anteckningen är signerad %(time)s.") % {"time": _hhmm(note.signed_at)}
            )
            return redirect(reverse("journal:patient", args=[patient.pk]) + "#anteckningar")
    return render(
        request,
        "journal/form_page.html",
        {
            "patient": patient,
            "form": form,
            "title": _("Ny anteckning"),
            "submit": _("Signera anteckning"),
        },
    )


@patient_view(_("Anteckning: rätta"))
def note_correct(request, patient, note_id):
    note = owned_or_404(Note, request, pk=note_id, patient=patient)
    form = NoteCorrectForm(request.POST or None, initial={"text": note.text, "outcome": note.outcome})
    if note.kind != NoteKind.ASSESSMENT:
        form.fields.pop("outcome")
    if request.method == "POST" and form.is_valid():
        try:
            services.note_correct(
                note=note,
                user=request.user,
                text=form.cleaned_data["text"],
                reason=form.cleaned_data["reason"],
                outcome=form.cleaned_data.get("outcome") or None,
            )
        except services.JournalError as error:
            _error_to_form(form, error)
        else:
            messages.success(request, _("Den rättade versionen är signerad. Den tidigare texten finns kvar."))
            return redirect(reverse("journal:patient", args=[patient.pk]) + "#anteckningar")
    return render(
        request,
        "journal/form_page.html",
        {
            "patient": patient,
            "form": form,
            "title": _("Rätta anteckning"),
            "intro": _(
                "Den nuvarande versionen, signerad %(who)s %(when)s, finns kvar och visas som tidigare version."
            )
            % {"who": note.signature, "when": timezone.localtime(note.signed_at).strftime("%Y-%m-%d %H:%M")},
            "quote": note.text,
            "submit": _("Signera rättelse"),
        },
    )


@require_POST
@patient_view(_("Anteckning: kommentar"))
def note_comment(request, patient, note_id):
    note = owned_or_404(Note, request, pk=note_id, patient=patient)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.note_comment(note=note, user=request.user, text=form.cleaned_data["text"])
        except services.JournalError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Kommentaren är signerad."))
    else:
        messages.error(request, _("Skriv kommentaren innan du sparar."))
    next_url = request.POST.get("next") or ""
    if next_url.startswith(f"/patient/{patient.pk}/"):
        return redirect(next_url)
    return redirect(reverse("journal:patient", args=[patient.pk]) + "#anteckningar")


# --- Attention signals (R13) ----------------------------------------------------------------------


@patient_view(_("Ny uppmärksamhetssignal"))
def signal_create(request, patient):
    form = SignalForm(request.POST or None, initial={"kind": "hypersensitivity"})
    if request.method == "POST" and form.is_valid():
        try:
            signal = services.signal_create(patient=patient, user=request.user, **form.cleaned_data)
        except services.JournalError as error:
            _error_to_form(form, error)
        else:
            messages.success(
                request,
                _(
                    "Uppmärksamhetssignalen är registrerad: %(summary)s. Dokumentera den också i huvudjournalen."
                )
                % {"summary": signal.summary},
            )
            return redirect(reverse("journal:patient", args=[patient.pk]) + "#signaler")
    return render(
        request,
        "journal/form_page.html",
        {
            "patient": patient,
            "form": form,
            "title": _("Ny uppmärksamhetssignal"),
            "intro": _(
                "Signalen visas överst på alla patientens sidor. En att göra-post skapas: dokumentera i huvudjournalen."
            ),
            "submit": _("Registrera signal"),
        },
    )


@require_POST
@patient_view(_("Uppmärksamhetssignal: dokumenterad i huvudjournalen"))
def signal_documented(request, patient, signal_id):
    signal = owned_or_404(AttentionSignal, request, pk=signal_id, patient=patient)
    try:
        services.signal_mark_documented(signal=signal, user=request.user)
    except services.JournalError as error:
        messages.info(request, error.message)
    else:
        messages.success(request, _("Markerad som dokumenterad i huvudjournalen."))
    if request.POST.get("next") == "todos":
        return redirect("journal:signal_todos")
    return redirect(reverse("journal:patient", args=[patient.pk]) + "#signaler")


@patient_view(_("Uppmärksamhetssignal: inaktivera"))
def signal_inactivate(request, patient, signal_id):
    signal = owned_or_404(AttentionSignal, request, pk=signal_id, patient=patient)
    return _mark_with_reason(
        request,
        patient,
        mark=lambda reason: services.signal_inactivate(signal=signal, user=request.user, reason=reason),
        done=_("Signalen är inaktiverad. Den finns kvar i journalen."),
        anchor="#signaler",
        title=_("Inaktivera uppmärksamhetssignal"),
        intro=signal.summary,
        submit=_("Inaktivera"),
    )


@require_GET
@patient_view(_("Uppmärksamhetssignal: FHIR-export"))
def signal_fhir(request, patient, signal_id):
    signal = owned_or_404(
        AttentionSignal.objects.select_related("inactivation", "patient"),
        request,
        pk=signal_id,
        patient=patient,
    )
    response = JsonResponse(
        fhir.signal_resource(signal), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Type"] = "application/fhir+json; charset=utf-8"
    if request.GET.get("ladda-ner"):
        response["Content-Disposition"] = f'attachment; filename="uppmarksamhetssignal-{signal.pk}.json"'
    return response


@require_right(Right.JOURNAL_READ)
@require_GET
def signal_todos(request):
    """Signals still to be documented in the main health record (R13)."""
    todos = selectors.signal_todos(request)
    for signal in todos:
        access_log_record(
            request=request, patient=signal.patient, what=_("Att dokumentera: uppmärksamhetssignal")
        )
    return render(request, "journal/signal_todos.html", {"todos": todos})


# --- Shared record (R4, R6) ---------------------------------------------------------------------------


@require_POST
@patient_view(_("Sammanhållen journal: samtycke"))
def consent(request, patient):
    given = request.POST.get("given") == "yes"
    if request.POST.get("given") not in ("yes", "no"):
        messages.error(request, _("Ange om patienten samtycker."))
    else:
        services.consent_record(patient=patient, user=request.user, given=given)
        messages.success(
            request,
            _("Patientens samtycke till sammanhållen journalföring är registrerat.")
            if given
            else _("Att patienten inte samtycker är registrerat."),
        )
    next_url = request.POST.get("next") or ""
    if next_url.startswith(f"/patient/{patient.pk}/"):
        return redirect(next_url)
    return redirect(reverse("journal:patient", args=[patient.pk]) + "#sammanhallen")


@require_POST
@patient_view(_("Sammanhållen journal: spärr"))
def block(request, patient):
    form = BlockForm(request.POST)
    if form.is_valid():
        vaccination = None
        if form.cleaned_data["vaccination"]:
            vaccination = owned_or_404(
                Vaccination, request, pk=form.cleaned_data["vaccination"], patient=patient
            )
        services.block_record(
            patient=patient, user=request.user, vaccination=vaccination, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("Spärren är registrerad: andra vårdgivare ser inte uppgiften."))
    else:
        messages.error(request, _("Spärren kunde inte registreras."))
    return redirect(reverse("journal:patient", args=[patient.pk]) + "#sammanhallen")


@require_POST
@patient_view(_("Sammanhållen journal: häv spärr"))
def block_lift(request, patient, block_id):
    block = owned_or_404(SharedRecordBlock, request, pk=block_id, patient=patient)
    try:
        services.block_lift(block=block, user=request.user)
    except services.JournalError as error:
        messages.info(request, error.message)
    else:
        messages.success(request, _("Spärren är hävd."))
    return redirect(reverse("journal:patient", args=[patient.pk]) + "#sammanhallen")


@patient_view(_("Nödåtkomst: övervägd"))
def emergency_access(request, patient):
    """Two explicit steps: this page explains and asks for a reason; the POST opens the blocked information."""
    form = EmergencyAccessForm(request.POST or None)
    back = request.GET.get("tillbaka") or request.POST.get("tillbaka") or ""
    if not back.startswith(f"/patient/{patient.pk}/"):
        back = reverse("journal:patient", args=[patient.pk])
    if request.method == "POST" and form.is_valid():
        try:
            services.emergency_access_open(
                request=request, patient=patient, reason=form.cleaned_data["reason"]
            )
        except services.JournalError as error:
            _error_to_form(form, error)
        else:
            messages.warning(
                request,
                _("Nödåtkomst öppnad i %(hours)d timmar. Spärrad information visas och åtkomsten granskas.")
                % {"hours": services.EMERGENCY_ACCESS_HOURS},
            )
            return redirect(back)
    return render(request, "journal/emergency_access.html", {"patient": patient, "form": form, "back": back})


# --- Certificate --------------------------------------------------------------------------------------


@require_GET
@patient_view(_("Vaccinationsintyg (PDF)"))
def certificate(request, patient):
    # The data is read first; the PDF is rendered after, outside any transaction or lock.
    from journal.certificate import certificate_pdf

    pdf = certificate_pdf(patient=patient, user=request.user, unit=request.unit)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="vaccinationsintyg-{timezone.localdate():%Y%m%d}.pdf"'
    )
    return response


# --- Physicians' list -----------------------------------------------------------------------------------


@require_right(Right.ASSESSMENT_WRITE)
@require_GET
def assessments(request):
    """Patients whose health declaration has answers waiting for a physician's assessment."""
    scope = request.GET.get("enhet", "denna")
    queue = selectors.assessment_queue(request, unit=request.unit if scope == "denna" else None)
    for declaration in queue:
        access_log_record(
            request=request, patient=declaration.visit.patient, what=_("Lista: väntar på bedömning")
        )
        declaration.flag_rows = [row for row in declaration.answer_rows() if row["flag"]]
    return render(request, "journal/assessments.html", {"queue": queue, "scope": scope})
