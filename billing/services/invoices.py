"""Invoices and credit notes (R15): gapless numbers, OCR references, immutable documents."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import (
    AdjustmentAction,
    Charge,
    ChargeAdjustment,
    ChargeStatus,
    Invoice,
    InvoiceKind,
    InvoiceLine,
)
from billing.references import ocr_reference
from billing.services.common import BillingError
from billing.services.prices import billing_settings_for
from journal.models import Patient
from journal.population_register import has_protected_identity

ZERO = Decimal("0.00")


def next_invoice_number(caregiver, *, first_number: int = 1) -> int:
    """Take the caregiver's next number. Call inside the issuing transaction only.

    The UPDATE holds the counter row's lock until commit: a concurrent issuer waits, and a rollback
    returns the number, so the series has no gaps and no number is used twice.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO billing_invoicecounter (caregiver_id, last_number) VALUES (%s, %s) "
            "ON CONFLICT (caregiver_id) DO NOTHING",
            [caregiver.pk, first_number - 1],
        )
        cursor.execute(
            "UPDATE billing_invoicecounter SET last_number = last_number + 1 "
            "WHERE caregiver_id = %s RETURNING last_number",
            [caregiver.pk],
        )
        return cursor.fetchone()[0]


def patient_is_protected(patient) -> bool:
    """R7: protected in our journal, or according to the population register (which may know first)."""

    return patient.protected_identity or has_protected_identity(patient.identity_number)


def recipient_of(patient) -> dict:
    protected = patient_is_protected(patient)
    return {
        "recipient_name": f"{patient.given_names} {patient.family_name}".strip(),
        "recipient_identity": patient.identity_display,
        "recipient_protected": protected,
        # R7: nothing of a protected patient's whereabouts is copied onto the invoice.
        "recipient_address": "" if protected else patient.address,
        "recipient_postal_code": "" if protected else patient.postal_code,
        "recipient_city": "" if protected else patient.city,
    }


def sender_of(settings_row) -> dict:
    caregiver = settings_row.caregiver
    address = settings_row.invoice_address or caregiver.address
    postal_code = settings_row.invoice_postal_code or caregiver.postal_code
    city = settings_row.invoice_city or caregiver.city
    lines = [line for line in [address, f"{postal_code} {city}".strip()] if line]
    return {
        "sender_name": settings_row.sender_name,
        "sender_organisation_number": caregiver.organisation_number,
        "sender_address_lines": lines,
        "sender_phone": settings_row.invoice_phone or caregiver.phone,
        "sender_email": settings_row.invoice_email,
        "bankgiro": settings_row.bankgiro,
    }


def check_ready_to_invoice(settings_row) -> None:
    if not settings_row.bankgiro:
        raise BillingError(
            _(
                "Vårdgivaren saknar bankgironummer. En administratör anger det under Faktureringsinställningar "
                "innan fakturor kan skapas."
            )
        )


def _queue_pdf(invoice) -> None:
    from billing.tasks import invoice_render_pdf  # noqa: PLC0415  (tasks import the services; a service reaches its task only after commit)

    invoice_id, number = invoice.pk, invoice.number
    transaction.on_commit(lambda: invoice_render_pdf.delay(invoice_id, number))


@transaction.atomic
def invoice_issue_for_patient(*, caregiver, patient, charge_ids, user, invoice_date: dt.date | None = None):
    """One invoice for the patient's approved charges among `charge_ids`. All or nothing.

    Charges that someone else invoiced meanwhile are left out (they are locked, then re-read). When
    everything to pay is 0 kr (free campaigns) the charges are closed without an invoice. Returns the
    invoice, or None when there was nothing to invoice.
    """
    settings_row = billing_settings_for(caregiver)
    check_ready_to_invoice(settings_row)
    charges = list(
        Charge.objects.select_for_update(of=("self",))
        .filter(caregiver=caregiver, patient=patient, pk__in=list(charge_ids), status=ChargeStatus.APPROVED)
        .select_related("unit", "campaign")
        .order_by("service_date", "pk")
    )
    if not charges:
        return None
    now = timezone.now()
    total = sum((c.amount for c in charges), ZERO)
    if total == ZERO:
        _close_charges(charges, user, now, ChargeStatus.NO_INVOICE, AdjustmentAction.NO_INVOICE)
        return None
    invoice_date = invoice_date or timezone.localdate()
    number = next_invoice_number(caregiver, first_number=settings_row.first_invoice_number)
    invoice = Invoice.objects.create(
        caregiver=caregiver,
        patient=patient,
        kind=InvoiceKind.INVOICE,
        number=number,
        invoice_date=invoice_date,
        due_date=invoice_date + dt.timedelta(days=settings_row.terms_days),
        ocr=ocr_reference(number),
        total=total,
        issued_at=now,
        issued_by=user,
        **sender_of(settings_row),
        **recipient_of(patient),
    )
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                invoice=invoice,
                position=position,
                charge=charge,
                service_date=charge.service_date,
                description=charge.description,
                unit_name=charge.unit.name,
                list_price=charge.list_price,
                campaign_name=charge.campaign.name if charge.campaign else "",
                amount=charge.amount,
            )
            for position, charge in enumerate(charges, start=1)
        ]
    )
    _close_charges(charges, user, now, ChargeStatus.INVOICED, AdjustmentAction.INVOICED)
    _queue_pdf(invoice)
    return invoice


def _close_charges(charges, user, now, status, action) -> None:
    Charge.objects.filter(pk__in=[c.pk for c in charges]).update(status=status)
    ChargeAdjustment.objects.bulk_create(
        [
            ChargeAdjustment(
                charge=charge,
                at=now,
                by=user,
                action=action,
                amount_before=charge.amount,
                amount_after=charge.amount,
                status_before=charge.status,
                status_after=status,
            )
            for charge in charges
        ]
    )
    for charge in charges:
        charge.status = status


@dataclass
class IssueResult:
    invoices: list = field(default_factory=list)
    closed_without_invoice: int = 0
    errors: list = field(default_factory=list)


def invoices_issue(
    *, caregiver, user, unit=None, date_from=None, date_to=None, patient_ids=None
) -> IssueResult:
    """Invoices for every patient with approved charges in the selection, each in its own transaction.

    One patient's problem never leaves a half-made invoice and never stops the others.
    """
    settings_row = billing_settings_for(caregiver)
    check_ready_to_invoice(settings_row)
    charges = Charge.objects.filter(caregiver=caregiver, status=ChargeStatus.APPROVED)
    if unit is not None:
        charges = charges.filter(unit=unit)
    if date_from:
        charges = charges.filter(service_date__gte=date_from)
    if date_to:
        charges = charges.filter(service_date__lte=date_to)
    if patient_ids is not None:
        charges = charges.filter(patient_id__in=patient_ids)
    by_patient: dict[int, list[int]] = defaultdict(list)
    for charge_id, patient_id in charges.order_by("patient_id", "pk").values_list("pk", "patient_id"):
        by_patient[patient_id].append(charge_id)

    patients = Patient.objects.in_bulk(list(by_patient))
    result = IssueResult()
    for patient_id, ids in by_patient.items():
        try:
            invoice = invoice_issue_for_patient(
                caregiver=caregiver, patient=patients[patient_id], charge_ids=ids, user=user
            )
        except (BillingError, IntegrityError) as error:
            result.errors.append((patients[patient_id], error))
            continue
        if invoice is None:
            result.closed_without_invoice += 1
        else:
            result.invoices.append(invoice)
    return result


@transaction.atomic
def credit_note_issue(*, invoice: Invoice, user, reason: str, lines=None, reopen: bool = False) -> Invoice:
    """A credit note with negated lines that refers to `invoice` (all its uncredited lines by default).

    A credit note is never credited. With `reopen`, each credited charge gets a fresh copy back in
    review, so a wrong amount can be corrected and invoiced again.
    """
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise BillingError(_("Skriv varför fakturan krediteras."), field="reason")
    if invoice.kind != InvoiceKind.INVOICE:
        raise BillingError(_("En kreditfaktura kan inte krediteras."))
    caregiver = invoice.caregiver
    wanted = [line.pk for line in lines] if lines is not None else None
    # Lock the charges first: a second credit of the same lines waits here, then finds them credited.
    charge_ids = list(
        InvoiceLine.objects.filter(
            invoice=invoice, **({"pk__in": wanted} if wanted is not None else {})
        ).values_list("charge_id", flat=True)
    )
    locked = {c.pk: c for c in Charge.objects.select_for_update().filter(pk__in=charge_ids).order_by("pk")}
    originals = [
        line
        for line in InvoiceLine.objects.filter(invoice=invoice, credit_line__isnull=True).order_by("position")
        if (wanted is None or line.pk in wanted) and locked[line.charge_id].status == ChargeStatus.INVOICED
    ]
    if not originals:
        raise BillingError(_("Fakturan %(number)s är redan krediterad.") % {"number": invoice.number})
    settings_row = billing_settings_for(caregiver)
    now = timezone.now()
    total = -sum((line.amount for line in originals), ZERO)
    number = next_invoice_number(caregiver, first_number=settings_row.first_invoice_number)
    patient = invoice.patient
    recipient = recipient_of(patient)
    note = Invoice.objects.create(
        caregiver=caregiver,
        patient=patient,
        kind=InvoiceKind.CREDIT_NOTE,
        number=number,
        credited_invoice=invoice,
        invoice_date=timezone.localdate(),
        due_date=None,
        ocr="",
        total=total,
        reason=reason,
        issued_at=now,
        issued_by=user,
        **sender_of(settings_row),
        **recipient,
    )
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                invoice=note,
                position=position,
                charge_id=line.charge_id,
                credited_line=line,
                service_date=line.service_date,
                description=line.description,
                unit_name=line.unit_name,
                list_price=line.list_price,
                campaign_name=line.campaign_name,
                amount=-line.amount,
            )
            for position, line in enumerate(originals, start=1)
        ]
    )
    credited = [locked[line.charge_id] for line in originals]
    Charge.objects.filter(pk__in=[c.pk for c in credited]).update(status=ChargeStatus.CREDITED)
    ChargeAdjustment.objects.bulk_create(
        [
            ChargeAdjustment(
                charge=charge,
                at=now,
                by=user,
                action=AdjustmentAction.CREDITED,
                amount_before=charge.amount,
                amount_after=charge.amount,
                status_before=ChargeStatus.INVOICED,
                status_after=ChargeStatus.CREDITED,
                reason=reason,
            )
            for charge in credited
        ]
    )
    if reopen:
        for charge in credited:
            Charge.objects.create(
                caregiver=charge.caregiver,
                unit=charge.unit,
                patient=charge.patient,
                visit=charge.visit,
                source=charge.source,
                product=charge.product,
                article=charge.article,
                vaccination=charge.vaccination,
                service_date=charge.service_date,
                description=charge.description,
                price=charge.price,
                list_price=charge.list_price,
                campaign=charge.campaign,
                campaign_confirmation=charge.campaign_confirmation,
                amount=charge.amount,
                note=_("Åter till granskning efter kreditfaktura %(number)s") % {"number": number},
                corrects=charge,
                created_by=user,
            )
    _queue_pdf(note)
    return note
