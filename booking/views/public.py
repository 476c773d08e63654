"""Resident self-service (R14): public pages, no staff login.

They show a unit's visit types and free seats (counts only, never who booked), take a booking, and
give the resident a private signed link to see, move or cancel it. Nothing here reveals anything about
any resident but the one holding the link. Units without a timebook (R5) have no public page.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from booking import notices, public_reads, ratelimit, services
from booking.extensions import public_price
from booking.forms import ResidentBookingForm
from booking.models import ActorKind, Booking, Slot, VisitType
from booking.timebook import day_bounds
from booking.tokens import LinkExpired, LinkInvalid, booking_for_token, make_token
from booking.views.online import (
    bookable_units,
    days_and_slots,
    unit_and_visit_type_or_404,
    unit_or_404,
    visit_type_or_404,
)
from mittvaccin.decorators import public
from mittvaccin.parsing import day_or_none, int_or_none
from mittvaccin.services import client_address

# The refusals that mean "this time is gone": answered with other times to pick, not with the form.
_TIME_GONE = ("slot_full", "past", "closed")


def _with_price(visit_type: VisitType, day: dt.date) -> VisitType:
    """R18: the price list's figures for the visit type on `day` (what the invoice would carry)."""
    visit_type.public_price = public_price(visit_type, day)
    return visit_type


def _too_many(request, unit=None) -> HttpResponse:
    return render(request, "booking/public/too_many.html", {"unit": unit}, status=429)


@public
def public_index(request):
    return render(request, "booking/public/index.html", {"units": bookable_units()})


@public
def public_unit(request, unit_slug):
    unit = unit_or_404(unit_slug)
    visit_types = list(
        VisitType.objects.filter(unit=unit, is_active=True, online_bookable=True).prefetch_related("vaccines")
    )
    for visit_type in visit_types:
        visit_type.unit = unit
        _with_price(visit_type, timezone.localdate())
    return render(
        request,
        "booking/public/unit.html",
        {"unit": unit, "visit_types": visit_types, "rule": notices.cancellation_rule(unit), "step": 1},
    )


def _times_context(unit, visit_type, chosen_day, now):
    days, chosen_day, slots = days_and_slots(unit, visit_type, chosen_day, now)
    day_list = [d for d, _free in days]
    index = day_list.index(chosen_day) if chosen_day else 0
    # Show a week of day tabs around the chosen day; earlier and later weeks are one tap away.
    start = max(0, index - index % 7)
    return {
        "days": days[start : start + 7],
        "earlier": day_list[start - 7] if start >= 7 else None,
        "later": day_list[start + 7] if start + 7 < len(day_list) else None,
        "chosen_day": chosen_day,
        "slots": slots,
    }


@public
def public_times(request, unit_slug, visit_type_id):
    unit = unit_or_404(unit_slug)
    visit_type = _with_price(visit_type_or_404(unit, visit_type_id), timezone.localdate())
    context = {
        "unit": unit,
        "visit_type": visit_type,
        "step": 2,
        **_times_context(unit, visit_type, day_or_none(request.GET.get("dag")), timezone.now()),
    }
    template = "booking/public/times.html#times" if request.htmx else "booking/public/times.html"
    return render(request, template, context)


def _alternatives(unit, visit_type, slot: Slot, now) -> list[tuple[str, str]]:
    """(link, "tis 8/12 10:35") of up to six other free times near a time just taken.

    Shown to most of a rush: the label is put together here, as the template's `date:"D j/n"` and
    `time:"H:i"` would write it, at a third of their cost.
    """
    # The fortnight from the time's day on (as selectors.free_slots(days=14) would read it).
    first_day = timezone.localtime(max(slot.starts_at, now)).date()
    start, _unused = day_bounds(first_day)
    _unused, end = day_bounds(first_day + dt.timedelta(days=13))
    free = public_reads.free_times(unit, visit_type, start=max(start, now), end=end, but=slot.pk, limit=6)
    # One reverse for all six: their links differ only in the time's id, the path's last part.
    link = reverse("booking:public_book", args=[unit.slug, visit_type.pk, 0]).removesuffix("0/")
    times = []
    for pk, starts_at in free:
        local = timezone.localtime(starts_at)
        times.append(
            (f"{link}{pk}/", f"{WEEKDAYS_ABBR[local.weekday()]} {local.day}/{local.month} {local:%H:%M}")
        )
    return times


@public
@never_cache
@require_http_methods(["GET", "POST"])
def public_book(request, unit_slug, visit_type_id, slot_id):
    unit, visit_type = unit_and_visit_type_or_404(unit_slug, visit_type_id)
    submission = request.POST.get("submission", "")[:40] if request.method == "POST" else ""
    slot = public_reads.slot_with_submission(unit, slot_id, submission, visit_type)
    if slot is None:
        raise Http404
    slot.unit = unit  # read with its caregiver (cached): the checks and the messages ask for both
    now = timezone.now()
    error = None
    if request.method == "POST":
        form = ResidentBookingForm(request.POST)
        valid = form.is_valid()
        # The address and, from a valid form, the personnummer: counted together (one round trip).
        identity = form.cleaned_data["identity"] if valid else None
        if not ratelimit.booking_allowed(client_address(request), identity and identity.value):
            return _too_many(request, unit)
        if valid and slot.submitted_id:
            # This very form was sent before (a double tap, a reload): the booking it made.
            done = Booking.objects.get(pk=slot.submitted_id)
            return redirect(reverse("booking:manage", kwargs={"token": make_token(done)}) + "?ny=1")
        # A time already full (most of a rush) is answered below without a booking attempt.
        if valid and not (slot.free <= 0 and not slot.is_closed and slot.starts_at > now):
            data = form.cleaned_data
            try:
                booking = services.booking_create_online(
                    slot=slot,
                    visit_type=visit_type,
                    request=services.OnlineRequest(
                        identity=identity,
                        given_names=data["given_names"],
                        family_name=data["family_name"],
                        phone=data["phone"],
                        email=data["email"],
                        submission_key=submission,
                    ),
                    key_checked=True,
                    # Read with the slot: only a schedule found to offer the type is not asked again.
                    schedule_checked=slot.offers_visit_type,
                    now=now,
                )
            except services.BookingError as refusal:
                error = refusal
            else:
                return redirect(reverse("booking:manage", kwargs={"token": make_token(booking)}) + "?ny=1")
    else:
        form = ResidentBookingForm()
    unavailable = slot.starts_at <= now or slot.free <= 0 or slot.is_closed
    if error is None and unavailable:
        error = services.SlotFull(_("Tiden är inte längre ledig. Välj en annan tid."))
    alternatives = []
    if error is not None and error.code in _TIME_GONE:
        alternatives = _alternatives(unit, visit_type, slot, now)
    status = 200
    if error is not None:
        status = 409 if error.code in _TIME_GONE else 422
    # The price only for a page that shows it (a booking made answers with a redirect).
    _with_price(visit_type, timezone.localtime(slot.starts_at).date())
    context = {
        "unit": unit,
        "visit_type": visit_type,
        "slot": slot,
        "form": form,
        "error": error,
        "alternatives": alternatives,
        "step": 3,
    }
    if error is None or error.code not in _TIME_GONE:
        # Only the form shows the rule and carries a key; a time gone (most of a rush) shows neither.
        # The rule for this very time: a booking made at short notice may carry no fee.
        context["rule"] = notices.cancellation_rule(unit, starts_at=slot.starts_at)
        context["submission"] = uuid.uuid4().hex
    response = render(
        request, "booking/public/book.html", context, status=status if request.method == "POST" else 200
    )
    if response.status_code == 409:
        # "This time was just taken" is the expected answer to four posts of five in a rush, not a
        # fault: django.request would log each as a warning ("Conflict: …"), hundreds of lines a rush.
        # It skips a response marked as logged; every other 4xx and 5xx is still logged.
        response._has_been_logged = True
    return response


# --- The private link -------------------------------------------------------------------------------


def _from_link(request, token, *, for_update=False):
    try:
        return booking_for_token(token, for_update=for_update), None
    except LinkInvalid:
        return None, render(request, "booking/public/link_invalid.html", status=404)
    except LinkExpired as expired:
        return None, render(
            request, "booking/public/link_expired.html", {"unit": expired.booking.unit}, status=410
        )


def _masked_identity(booking: Booking) -> str:
    number = booking.patient.identity_number
    return f"{number[:8]}-****"


@public
@never_cache
def manage(request, token):
    booking, failure = _from_link(request, token)
    if failure:
        return failure
    return render(
        request,
        "booking/public/manage.html",
        {
            "booking": booking,
            "unit": booking.unit,
            "token": token,
            "new": request.GET.get("ny") == "1",
            "masked_identity": _masked_identity(booking),
            "late": booking.is_late_to_cancel(),
            "late_fee": notices.booking_fees(booking)["late_cancellation"],
            "rule": notices.cancellation_rule(
                booking.unit, made_at=booking.made_at, starts_at=booking.starts_at
            ),
        },
    )


@public
@never_cache
def manage_ics(request, token):
    booking, failure = _from_link(request, token)
    if failure:
        return failure
    response = HttpResponse(notices.ics(booking), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="besok-{booking.reference}.ics"'
    return response


@public
@never_cache
@require_http_methods(["GET", "POST"])
def manage_cancel(request, token):
    booking, failure = _from_link(request, token)
    if failure:
        return failure
    error = None
    if request.method == "POST":
        if not ratelimit.address_allowed(client_address(request)):
            return _too_many(request, booking.unit)
        try:
            booking = services.booking_cancel(booking=booking, by_kind=ActorKind.RESIDENT)
        except services.BookingError as refusal:
            if refusal.code == "already_cancelled":
                return redirect("booking:manage", token=token)
            error = refusal
        else:
            if booking.late_cancellation and notices.booking_fees(booking)["late_cancellation"]:
                messages.warning(
                    request,
                    _(
                        "Tiden är avbokad. Avbokningen kom mindre än 24 timmar före besöket, så en faktura för sent avbokat besök skickas."
                    ),
                )
            else:
                messages.success(request, _("Tiden är avbokad. Välkommen att boka en ny tid."))
            return redirect("booking:manage", token=token)
    return render(
        request,
        "booking/public/cancel.html",
        {
            "booking": booking,
            "unit": booking.unit,
            "token": token,
            "late": booking.is_late_to_cancel(),
            "late_fee": notices.booking_fees(booking)["late_cancellation"],
            "error": error,
            "rule": notices.cancellation_rule(
                booking.unit, made_at=booking.made_at, starts_at=booking.starts_at
            ),
        },
        status=422 if error else 200,
    )


@public
@never_cache
@require_http_methods(["GET", "POST"])
def manage_move(request, token):
    booking, failure = _from_link(request, token)
    if failure:
        return failure
    now = timezone.now()
    error = None
    if request.method == "POST":
        if not ratelimit.address_allowed(client_address(request)):
            return _too_many(request, booking.unit)
        target = Slot.objects.filter(unit=booking.unit, pk=int_or_none(request.POST.get("slot"))).first()
        if target is None:
            error = services.BookingError(_("Välj en av de lediga tiderna."))
        elif not request.POST.get("confirm") and booking.status == Booking.Status.BOOKED:
            # A tap on a time only proposes it: the move happens when the resident confirms.
            return render(
                request,
                "booking/public/move_confirm.html",
                {"booking": booking, "unit": booking.unit, "token": token, "target": target},
            )
        else:
            try:
                booking = services.booking_move(
                    booking=booking, new_slot=target, by_kind=ActorKind.RESIDENT, now=now
                )
            except services.PatientBusy:
                error = services.CallTheClinic(services.call_clinic_message(booking.unit))
            except services.BookingError as refusal:
                error = refusal
            else:
                messages.success(
                    request,
                    _("Tiden är flyttad till %(when)s. En ny bekräftelse skickas.")
                    % {"when": notices.when_text(booking)},
                )
                return redirect("booking:manage", token=make_token(booking))
    context = {
        "booking": booking,
        "unit": booking.unit,
        "visit_type": booking.visit_type,
        "token": token,
        "error": error,
        "too_late": booking.is_late_to_cancel(now),
        **_times_context(booking.unit, booking.visit_type, day_or_none(request.GET.get("dag")), now),
    }
    template = "booking/public/move.html#times" if request.htmx else "booking/public/move.html"
    return render(request, template, context, status=422 if error else 200)
