"""What the residents' pages read: one person's journal rows at every caregiver of the installation."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from booking.models import Booking
from journal.identity import IdentityKind
from journal.models import Patient, Vaccination, VaccinationStatus


def subject_patients(identity_number: str) -> list[Patient]:
    """The person's patient row at each caregiver (a personnummer or samordningsnummer is the person)."""
    return list(
        Patient.objects.filter(
            identity_number=identity_number,
            identity_kind__in=[IdentityKind.PERSONNUMMER, IdentityKind.SAMORDNINGSNUMMER],
        )
        .select_related("caregiver")
        .order_by("caregiver__name")
    )


def doses(patients) -> list[Vaccination]:
    """Doses given, here or elsewhere, at every caregiver; doses entered in error are left out."""
    return list(
        Vaccination.objects.filter(
            patient__in=patients,
            status__in=[VaccinationStatus.GIVEN, VaccinationStatus.GIVEN_ELSEWHERE],
            entered_in_error__isnull=True,
        )
        .select_related("product", "unit", "caregiver")
        .order_by("-given_at", "-id")
    )


@dataclass
class DueDose:
    vaccine: str
    disease: str
    due: object
    caregiver: str
    overdue: bool


def next_due(history: list[Vaccination]) -> list[DueDose]:
    """Per disease, the next dose the latest dose asks for (none when a later dose exists)."""
    latest: dict[str, Vaccination] = {}
    for dose in history:  # newest first
        key = dose.product.disease if dose.product_id else dose.product_text
        latest.setdefault(key, dose)
    today = timezone.localdate()
    due = [
        DueDose(
            vaccine=dose.vaccine_name,
            disease=key,
            due=dose.next_due_date,
            caregiver=dose.caregiver.name,
            overdue=dose.next_due_date < today,
        )
        for key, dose in latest.items()
        if dose.next_due_date
    ]
    return sorted(due, key=lambda d: d.due)


def bookings(patients, *, now=None) -> tuple[list[Booking], list[Booking]]:
    """(coming bookings, the last ten past or cancelled ones)."""
    now = now or timezone.now()
    rows = list(
        Booking.objects.filter(patient__in=patients)
        .select_related("unit", "unit__caregiver", "visit_type", "patient")
        .order_by("starts_at", "id")
    )
    coming = [b for b in rows if b.status == Booking.Status.BOOKED and b.starts_at > now]
    earlier = [b for b in rows if b not in coming][-10:][::-1]
    return coming, earlier


def booking_of(resident_subject: str, booking_id) -> Booking | None:
    """The booking, if it is the person's own (the subject's): else None, as if it did not exist."""
    return (
        Booking.objects.select_related("unit", "unit__caregiver", "visit_type", "patient", "slot")
        .filter(
            pk=booking_id,
            patient__identity_number=resident_subject,
            patient__identity_kind__in=[IdentityKind.PERSONNUMMER, IdentityKind.SAMORDNINGSNUMMER],
        )
        .first()
    )
