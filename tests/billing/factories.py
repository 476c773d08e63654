"""Billing test data, made through the billing services where a service exists (so tests see real rows)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.db import connections
from django.utils import timezone

from billing import services
from billing.models import ArticleKind, Qualification
from booking.models import ActorKind, Booking
from booking.services import booking_cancel, booking_create, booking_mark_no_show
from journal.identity import identity_with_check_digit
from journal.models import Patient, VisitKind
from journal.services import visit_open
from tests.booking.factories import ScheduleFactory, VisitTypeFactory, make_slot
from tests.factories import VaccineProductFactory

BANKGIRO = "5050-1055"


def day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def ready_caregiver(caregiver, *, bankgiro=BANKGIRO, **fields):
    """Billing settings with payment details, so invoices can be issued."""
    row = services.billing_settings_for(caregiver)
    row.bankgiro = bankgiro
    row.invoice_address = fields.pop("invoice_address", "Box 1")
    row.invoice_postal_code = fields.pop("invoice_postal_code", "651 82")
    row.invoice_city = fields.pop("invoice_city", "Karlstad")
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    return row


def product_with_price(caregiver, amount="345.00", *, valid_from=None, name=None):
    product = VaccineProductFactory(**({"name": name} if name else {}))
    services.price_set(
        caregiver=caregiver,
        product=product,
        amount=Decimal(amount),
        valid_from=valid_from or dt.date(2020, 1, 1),
    )
    return product


def article(caregiver, kind):
    return services.articles_ensure(caregiver)[kind]


def article_price(caregiver, kind, amount, *, valid_from=None):
    item = article(caregiver, kind)
    services.price_set(
        caregiver=caregiver,
        article=item,
        amount=Decimal(amount),
        valid_from=valid_from or dt.date(2020, 1, 1),
    )
    return item


def campaign(caregiver, *, products=(), articles=(), price="0", **fields):
    data = {
        "name": fields.pop("name", "Kampanj"),
        "description": "",
        "campaign_price": Decimal(price),
        "qualification": fields.pop("qualification", Qualification.AGE),
        "min_age": fields.pop("min_age", 0),
        "max_age": fields.pop("max_age", 17),
        "birth_year_from": fields.pop("birth_year_from", None),
        "birth_year_to": fields.pop("birth_year_to", None),
        "risk_group": fields.pop("risk_group", ""),
        "starts_on": fields.pop("starts_on", dt.date(2020, 1, 1)),
        "ends_on": fields.pop("ends_on", None),
    }
    data.update(fields)
    return services.campaign_save(caregiver=caregiver, data=data, products=products, articles=articles)


def visit(patient, unit, *, day=None, kind=VisitKind.VACCINATION, booking_id=None, user=None):
    return visit_open(
        patient=patient,
        unit=unit,
        user=user,
        kind=kind,
        booking_id=booking_id,
        started_at=day_start(day or timezone.localdate()),
    )


_spread = itertools.count(1)


def _birth(age_years: int) -> dt.date:
    # Different days keep generated identity numbers apart; the age in whole years stays the same.
    today = timezone.localdate()
    anniversary = dt.date(today.year - age_years, today.month, min(today.day, 28))
    return anniversary - dt.timedelta(days=1 + next(_spread) % 300)


_serials = itertools.count()


def patient(caregiver, *, birth_date=None, protected=False, **fields):
    """A patient made here rather than with PatientFactory, so billing's many patients leave that
    factory's sequence (which other apps' tests derive birth dates from) as it would be without them.

    Birth numbers are odd (men) in the test series 981–999; PatientFactory's default women use even ones.
    """

    n = next(_serials)
    birth = birth_date or _birth(40)
    values = {
        "caregiver": caregiver,
        "identity_kind": "personnummer",
        "identity_number": identity_with_check_digit(birth.year, birth.month, birth.day, 981 + (n % 10) * 2),
        "family_name": f"Betalarsson{n}",
        "given_names": "Testa",
        "sex": "M",
        "birth_date": birth,
        "protected_identity": protected,
    }
    if not protected:
        values.update(address="Testgatan 1", postal_code="652 25", city="Karlstad", phone="070-123 45 67")
    values.update(fields)
    return Patient.objects.create(**values)


def child(caregiver, *, age_years=8, **fields):
    return patient(caregiver, birth_date=_birth(age_years), **fields)


def adult(caregiver, **fields):
    return patient(caregiver, birth_date=_birth(40), **fields)


def dose_charge(patient, unit, product, *, user=None, day=None, billing_data=None):
    """The charges a dose makes (the same service the journal's signal calls)."""
    v = visit(patient, unit, day=day, user=user)
    return services.charges_for_dose(visit=v, product=product, user=user, billing_data=billing_data or {})


def approved(charges, user):
    services.charges_approve(caregiver=charges[0].caregiver, charge_ids=[c.pk for c in charges], user=user)
    for charge in charges:
        charge.refresh_from_db()
    return charges


__all__ = ["ArticleKind"]


# --- Bookings (the booking app's own services, at chosen moments) ----------------------------------


def timebook_for(unit):
    visit_type = VisitTypeFactory(
        unit=unit, name=f"Vaccination {unit.pk}-{next(_spread)}", minimum_age_years=0
    )
    schedule = ScheduleFactory(unit=unit, visit_types=[visit_type], hours=[])
    return visit_type, schedule


def booking_for(patient, unit, *, starts_at, made_at, timebook=None, identity_verified=True):
    """A resident's booking; by default as if made with e-identification, so its fees are invoiced by the
    jobs (a web booking without it goes to review instead: identity_verified=False)."""

    visit_type, schedule = timebook or timebook_for(unit)
    slot = make_slot(schedule, starts_at, capacity=50)
    booking = booking_create(
        slot=slot, visit_type=visit_type, patient=patient, made_by_kind=ActorKind.RESIDENT, now=made_at
    )
    Booking.objects.filter(pk=booking.pk).update(identity_verified=identity_verified)
    booking.identity_verified = identity_verified
    return booking


def no_show(patient, unit, user, *, hours_ago=3, made_days_before=5, timebook=None, identity_verified=True):
    """A booking whose time passed `hours_ago` hours ago, marked as a no-show now (R8)."""

    starts_at = timezone.now() - dt.timedelta(hours=hours_ago)
    booking = booking_for(
        patient,
        unit,
        starts_at=starts_at,
        made_at=starts_at - dt.timedelta(days=made_days_before),
        timebook=timebook,
        identity_verified=identity_verified,
    )
    return booking_mark_no_show(booking=booking, user=user)


def late_cancellation(
    patient, unit, *, hours_before=10, made_hours_before=72, timebook=None, identity_verified=True
):
    """A booking cancelled by the resident now, `hours_before` hours before its time (R9)."""

    starts_at = timezone.now() + dt.timedelta(hours=hours_before)
    booking = booking_for(
        patient,
        unit,
        starts_at=starts_at,
        made_at=starts_at - dt.timedelta(hours=made_hours_before),
        timebook=timebook,
        identity_verified=identity_verified,
    )
    return booking_cancel(booking=booking, by_kind=ActorKind.RESIDENT)


def no_shows_with_the_fourth_held(cast, count: int = 6, held: int = 1):
    """`count` no-shows at caregiver A priced 400 kr, and another connection that holds an uncommitted
    visit for the fourth (by time), and for the `held - 1` after it: a run (one booking per chunk)
    blocks there after three bookings, on each of `held` connections when it runs that many chunks at
    once, as the kill-half-way tests need. Returns (bookings, the holding connection, its backend pid);
    the caller closes it."""
    article_price(cast.caregiver_a, ArticleKind.NO_SHOW, "400")
    timebook = timebook_for(cast.unit_a)
    bookings = [
        no_show(adult(cast.caregiver_a), cast.unit_a, cast.alice, timebook=timebook) for _ in range(count)
    ]
    blockers = sorted(bookings, key=lambda b: (b.starts_at, b.pk))[3 : 3 + held]
    holder = connections.create_connection("default")
    holder.set_autocommit(False)
    with holder.cursor() as cursor:
        for blocker in blockers:
            cursor.execute(
                "INSERT INTO journal_visit (patient_id, unit_id, kind, started_at, booking_id) VALUES (%s, %s, %s, now(), %s)",
                [blocker.patient_id, cast.unit_a.pk, VisitKind.NO_SHOW, blocker.pk],
            )
        cursor.execute("SELECT pg_backend_pid()")
        holder_pid = cursor.fetchone()[0]
    return bookings, holder, holder_pid
