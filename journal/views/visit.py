"""The vaccination screen (R3, R6, R1): visit, health declaration, assessment, checks, dose, not given."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from journal import access, extensions, selectors, services
from journal.access import patient_view
from journal.forms import AssessmentForm, ConfirmChecksForm, DeclarationForm, DoseForm, NotGivenForm
from journal.models import HealthDeclaration, NoteKind
from journal.screens import batch_for_lot, visit_screen
from journal.views.common import _date, _hhmm, _posted_int, _sent_before, _visit
from journal.views.shared_record import _log_shared_read
from mittvaccin.refusals import refusal_to_form
from mittvaccin.rights import Right

KEEP_SESSION_KEY = "journal_keep_dose"
# The dose service speaks of the batch; the nurse types its lot number.
DOSE_FORM_FIELDS = {"batch": "lot"}


# The "not given" form shares the screen with the dose form: its own prefix keeps ids and names apart.
NOT_GIVEN_PREFIX = "ej"


def _render_visit(
    request,
    patient,
    visit,
    *,
    template="journal/visit.html",
    dose_form=None,
    declaration_form=None,
    not_given_form=None,
    assessment_form=None,
    confirm_error="",
    correcting=False,
):
    """The screen as the selector reads it, with the forms given (a refused POST) or opened afresh."""
    screen = visit_screen(
        visit,
        user=request.user,
        wanted_order_id=_posted_int(request, "order"),
        kept=request.session.get(KEEP_SESSION_KEY),
        correcting=correcting,
    )
    checks = screen.checks
    _log_shared_read(request, patient, checks.shared)
    if dose_form is None:
        dose_form = DoseForm(
            orders=checks.orders, caregiver=patient.caregiver_id, initial=screen.dose_initial
        )
    if not_given_form is None:
        not_given_form = NotGivenForm(
            orders=checks.open_orders, initial=screen.not_given_initial, prefix=NOT_GIVEN_PREFIX
        )
    if declaration_form is None and screen.declaration_initial is not None:
        declaration_form = DeclarationForm(
            questionnaire=screen.questionnaire, initial=screen.declaration_initial
        )
    if assessment_form is None and screen.assessment_initial is not None:
        assessment_form = AssessmentForm(initial=screen.assessment_initial)
    context = {
        "patient": patient,
        "visit": visit,
        "checks": checks,
        "another_dose": screen.repeats_a_series_given_here
        and not dose_form.is_bound
        and not request.GET.get("ytterligare"),
        "dose_form": dose_form,
        "not_given_form": not_given_form,
        "declaration_form": declaration_form,
        "assessment_form": assessment_form,
        "confirm_form": ConfirmChecksForm(initial={"fingerprint": checks.fingerprint}),
        "confirm_error": confirm_error,
        "selected_order": screen.selected_order,
        "batches": screen.batches,
        "selected_lot": _selected_lot(dose_form, screen.batches),
        "dose_form_parts": [reverse(name) for name in extensions.dose_form_parts()],
        "billing_data": {k: v for k, v in request.POST.items() if k.startswith("billing-")},
        "can_register": screen.can_register,
        "can_order": screen.can_order,
        "previsit": screen.previsit,
        "kept": request.session.get(KEEP_SESSION_KEY),
    }
    if request.htmx and template == "journal/visit.html":
        template = "journal/visit.html#workspace"
    return render(request, template, context)


def _selected_lot(dose_form, batches) -> str:
    """The lot the form shows chosen: the one posted or kept if it is offered, else the earliest expiry."""
    wanted = (dose_form["lot"].value() or "").strip().lower()
    for batch in batches:
        if batch.lot_number.lower() == wanted:
            return batch.lot_number
    return batches[0].lot_number if batches else ""


def _after_post(request, patient, visit):
    if request.htmx:
        return _render_visit(request, patient, visit)
    return redirect("journal:visit", patient_id=patient.pk, visit_id=visit.pk)


@require_POST
@patient_view(access.VISIT_START, right=Right.VACCINATION_REGISTER)
def visit_start(request, patient):
    """A walk-in: open a vaccination visit at the unit the nurse works at now."""
    if request.unit is None:
        messages.error(request, _("Välj först vilken enhet du arbetar på."))
        return redirect("journal:patient", patient_id=patient.pk)
    visit = services.visit_open(patient=patient, unit=request.unit, user=request.user)
    messages.success(request, _("Besöket är påbörjat på %(unit)s.") % {"unit": request.unit.name})
    return redirect("journal:visit", patient_id=patient.pk, visit_id=visit.pk)


@require_GET
@patient_view(access.VISIT)
def visit(request, patient, visit_id):
    visit = _visit(request, patient, visit_id)
    correcting = request.GET.get("ratta") == "deklaration"
    if request.htmx and request.GET.get("panel") == "dose":
        return _render_visit(request, patient, visit, template="journal/_dose_panel.html")
    return _render_visit(request, patient, visit, correcting=correcting)


@require_POST
@patient_view(access.VISIT_DECLARATION, right=Right.VACCINATION_REGISTER)
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
                previsit_id=form.cleaned_data.get("previsit"),
            )
        except services.JournalError as error:
            refusal_to_form(form, error)
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
@patient_view(access.VISIT_ASSESSMENT, right=Right.ASSESSMENT_WRITE)
def visit_assessment(request, patient, visit_id):
    visit = _visit(request, patient, visit_id)
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
                refusal_to_form(form, error)
            else:
                messages.success(
                    request, _("Bedömningen är signerad %(time)s.") % {"time": _hhmm(note.signed_at)}
                )
                return _after_post(request, patient, visit)
    return _render_visit(request, patient, visit, assessment_form=form)


@require_POST
@patient_view(access.VISIT_CONFIRM, right=Right.VACCINATION_REGISTER)
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


@require_POST
@patient_view(access.VISIT_DOSE, right=Right.VACCINATION_REGISTER)
def visit_dose(request, patient, visit_id):
    visit = _visit(request, patient, visit_id)
    # A refused form is shown with the screen's own orders (`checks.open_orders`), not these.
    orders = selectors.patient_order_choices(patient)
    form = DoseForm(request.POST, orders=orders, caregiver=patient.caregiver_id)
    if form.is_valid():
        data = form.cleaned_data
        order = data["order"]
        batch = batch_for_lot(request, data["lot"], order.product)
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
                refusal_to_form(form, error, DOSE_FORM_FIELDS)
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
    # The refused form is shown again, starting from the order it was posted with (if still open), so
    # it still reads "dos 1 av 3" beside the nurse's input.
    return _render_visit(request, patient, visit, dose_form=form)


@require_POST
@patient_view(access.VISIT_NOT_GIVEN, right=Right.VACCINATION_REGISTER)
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
            if _sent_before(form, error):
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
