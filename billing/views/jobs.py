"""The invoicing jobs and the manual late-cancel path (clinic staff, R8, R9)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from billing import access, services
from billing.forms import JobStartForm
from billing.models import Charge, JobKind, JobRun
from billing.money import format_kr
from billing.services.jobs import JobAlreadyRunning, due_bookings, job_queue
from billing.services.jobs import late_cancellation_charge as charge_booking
from booking.models import Booking
from booking.selectors import fee_needs_review_q
from mittvaccin.access_log import access_log_record
from mittvaccin.decorators import require_right
from mittvaccin.rights import Right
from mittvaccin.tenancy import owned, owned_or_404


@require_right(Right.INVOICING_REVIEW)
@require_GET
def job_runs(request):
    runs = list(owned(JobRun, request).select_related("triggered_by")[:30])
    template = "billing/job_runs.html#runs" if request.htmx else "billing/job_runs.html"
    return render(
        request, template, {"runs": runs, "any_active": any(r.is_active for r in runs), "kinds": JobKind}
    )


@require_right(Right.INVOICING_REVIEW)
@require_POST
def job_start(request):
    form = JobStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Okänt jobb."))
        return redirect("billing:job_runs")
    try:
        run = job_queue(caregiver=request.user.caregiver, kind=form.cleaned_data["kind"], user=request.user)
    except JobAlreadyRunning as running:
        messages.warning(
            request, _("%(job)s pågår redan; följ den nedan.") % {"job": running.run.get_kind_display()}
        )
    else:
        messages.success(request, _("%(job)s har startat.") % {"job": run.get_kind_display()})
    return redirect("billing:job_runs")


@require_right(Right.INVOICING_REVIEW)
@require_GET
def job_run_detail(request, run_id):
    run = owned_or_404(JobRun, request, pk=run_id)
    template = "billing/job_run.html#run" if request.htmx else "billing/job_run.html"
    return render(request, template, {"run": run})


@require_right(Right.INVOICING_REVIEW)
@require_GET
def late_cancellations(request):
    """The unit's recent late cancellations and whether each is charged; each can be charged now."""

    unit = request.unit
    since = timezone.now() - dt.timedelta(days=14)
    bookings = []
    if unit is not None:
        bookings = list(
            due_bookings(kind=JobKind.LATE_CANCELLATION, caregiver=request.user.caregiver, since=since)
            .filter(unit=unit)
            .order_by("-starts_at", "-pk")[:200]
        )
    articles = services.articles_ensure(request.user.caregiver)
    no_shows = []
    if unit is not None:
        # Web bookings' no-shows are not invoiced by the job: they wait here for a person's review.
        no_shows = list(
            due_bookings(kind=JobKind.NO_SHOW, caregiver=request.user.caregiver, since=since)
            .filter(unit=unit)
            .filter(fee_needs_review_q())
            .order_by("-starts_at", "-pk")[:200]
        )
    charged = {
        c.booking_id: c
        for c in Charge.objects.filter(
            booking_id__in=[b.pk for b in bookings + no_shows],
            article__in=[articles["late_cancellation"], articles["no_show"]],
        )
    }
    access_log_record(
        request=request, patients=[b.patient for b in bookings + no_shows], action=access.LATE_CANCELLATIONS
    )
    rows = [{"booking": b, "charge": charged.get(b.pk)} for b in bookings]
    review_rows = [{"booking": b, "charge": charged.get(b.pk)} for b in no_shows]
    return render(
        request, "billing/late_cancellations.html", {"rows": rows, "no_show_rows": review_rows, "unit": unit}
    )


@require_right(Right.INVOICING_REVIEW)
def late_cancellation_charge(request, booking_id):
    """The manual late-cancel path for one booking: show the facts, charge on POST (R9)."""

    booking = owned_or_404(
        Booking.objects.select_related("unit", "patient", "visit_type"), request, pk=booking_id
    )
    access_log_record(request=request, patient=booking.patient, action=access.LATE_CANCELLATION)
    if request.method == "POST":
        try:
            charge = charge_booking(booking=booking, user=request.user)
        except services.BillingError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(article)s debiterad: %(amount)s. Debiteringen finns nu i granskningen.")
                % {"article": charge.description, "amount": format_kr(charge.amount)},
            )
            return redirect("billing:charge", charge_id=charge.pk)
    no_show = booking.status == Booking.Status.NO_SHOW
    article = services.articles_ensure(request.user.caregiver)["no_show" if no_show else "late_cancellation"]
    charge = Charge.objects.filter(booking_id=booking.pk, article=article).first()
    needs_review = booking.made_by_kind == "resident" and not booking.identity_verified
    return render(
        request,
        "billing/late_cancellation.html",
        {"booking": booking, "charge": charge, "no_show": no_show, "needs_review": needs_review},
    )
