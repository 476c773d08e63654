"""Invoices and credit notes (R15): gapless numbers, OCR references, immutable documents."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import (
    AdjustmentAction,
    Campaign,
    Charge,
    ChargeAdjustment,
    ChargeStatus,
    Invoice,
    InvoiceKind,
    InvoiceLine,
)
from billing.references import ocr_reference
from billing.selectors import charges_within
from billing.services.common import BillingError, status_adjustment
from billing.services.prices import billing_settings_for
from journal.models import Patient
from journal.population_register import RegisterUnavailable
from journal.services.protection import protection_refresh_many
from mittvaccin import outbox
from mittvaccin.bulk import insert_rows
from mittvaccin.models import Unit

ZERO = Decimal("0.00")
# Patients whose invoices are written in one transaction with one block of numbers.
ISSUE_BATCH = 500


def next_invoice_numbers(caregiver, count: int, *, first_number: int = 1) -> range:
    """Take the caregiver's next `count` numbers in one counter update. Inside the issuing transaction only.

    The UPDATE holds the counter row's lock until commit: a concurrent issuer waits, and a rollback
    returns the whole block, so the series has no gaps and no number is used twice.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO billing_invoicecounter (caregiver_id, last_number) VALUES (%s, %s) "
            "ON CONFLICT (caregiver_id) DO NOTHING",
            [caregiver.pk, first_number - 1],
        )
        cursor.execute(
            "UPDATE billing_invoicecounter SET last_number = last_number + %s "
            "WHERE caregiver_id = %s RETURNING last_number",
            [count, caregiver.pk],
        )
        last = cursor.fetchone()[0]
    return range(last - count + 1, last + 1)


def next_invoice_number(caregiver, *, first_number: int = 1) -> int:
    """Take the caregiver's next number (see next_invoice_numbers)."""
    return next_invoice_numbers(caregiver, 1, first_number=first_number)[0]


def patient_is_protected(patient) -> bool:
    """R7: the one fact on the patient row. The register's answer reaches it only through the journal's
    protection service (`invoices_issue` asks the register before each batch of invoices)."""
    return patient.protected_identity


def address_missing(patient) -> bool:
    """No address to send the invoice to. A protected patient is never missing one: the invoice goes
    through the tax agency's forwarding route (R7)."""
    return not patient_is_protected(patient) and not patient.has_postal_address


def address_missing_message(patient) -> str:
    return _("%(name)s saknar adress: komplettera adressen innan fakturan godkänns.") % {
        "name": patient.display_name
    }


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


# Invoices of a batch whose PDFs one task renders: a message per invoice cost more than the issuing
# itself, and a few tasks per batch still spread the rendering over the workers.
PDF_TASK_SIZE = 25


def _queue_pdf(invoice) -> None:
    _queue_pdfs([invoice])


def _queue_pdfs(invoices) -> None:
    # Through the outbox: the PDFs are rendered even when Redis is away at the moment of issue.
    pairs = [[invoice.pk, invoice.number] for invoice in invoices]
    outbox.enqueue_many(
        "billing.invoice_render_pdfs",
        [[pairs[start : start + PDF_TASK_SIZE]] for start in range(0, len(pairs), PDF_TASK_SIZE)],
    )


@dataclass
class IssueResult:
    invoices: list = field(default_factory=list)
    closed_without_invoice: int = 0
    errors: list = field(default_factory=list)


@transaction.atomic
def invoice_issue_for_patient(*, caregiver, patient, charge_ids, user, invoice_date: dt.date | None = None):
    """One invoice for the patient's approved charges among `charge_ids`. All or nothing.

    Charges that someone else invoiced meanwhile are left out (they are locked, then re-read). When
    everything to pay is 0 kr (free campaigns) the charges are closed without an invoice. Returns the
    invoice, or None when there was nothing to invoice.
    """
    settings_row = billing_settings_for(caregiver)
    check_ready_to_invoice(settings_row)
    issued = _issue_batch(
        caregiver=caregiver,
        settings_row=settings_row,
        patients={patient.pk: patient},
        charge_ids={patient.pk: charge_ids},
        user=user,
        invoice_date=invoice_date,
    )
    if issued.errors:
        raise issued.errors[0][1]
    return issued.invoices[0] if issued.invoices else None


def _issue_batch(*, caregiver, settings_row, patients, charge_ids, user, invoice_date=None) -> IssueResult:
    """Invoices for a batch of patients in the caller's transaction, written set-based.

    `charge_ids` maps each patient's id to the ids of their charges to invoice. The charges are locked
    (in id order, so concurrent issuers never deadlock) and re-read; the numbers of the whole batch
    come from one counter update; invoices, lines, status changes and adjustment rows are one
    statement each, the lines copied from their charges in the database.
    """
    wanted = {charge_id: patient_id for patient_id, ids in charge_ids.items() for charge_id in ids}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, patient_id, amount, service_date FROM {Charge._meta.db_table} "  # noqa: S608
            "WHERE caregiver_id = %s AND status = %s AND id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE",
            [caregiver.pk, ChargeStatus.APPROVED, list(wanted)],
        )
        locked = [row for row in cursor.fetchall() if wanted[row[0]] == row[1]]
    result = IssueResult()
    by_patient: dict[int, list[tuple]] = defaultdict(list)
    for row in sorted(locked, key=lambda r: (r[3], r[0])):  # lines in the order of the service dates
        by_patient[row[1]].append(row)
    now = timezone.now()
    totals = {pid: sum((row[2] for row in rows), ZERO) for pid, rows in by_patient.items()}
    free = [pid for pid, total in totals.items() if total == ZERO]
    if free:
        _close_charges(
            [r[0] for pid in free for r in by_patient.pop(pid)], user, now, AdjustmentAction.NO_INVOICE
        )
        result.closed_without_invoice = len(free)
    for pid in [pid for pid in by_patient if address_missing(patients[pid])]:
        # Approved before the address check existed, or the address was removed since: not sent blind.
        # Its charges stay approved; the others of the batch are invoiced.
        by_patient.pop(pid)
        result.errors.append((patients[pid], BillingError(address_missing_message(patients[pid]))))
    if not by_patient:
        return result
    invoice_date = invoice_date or timezone.localdate()
    numbers = next_invoice_numbers(caregiver, len(by_patient), first_number=settings_row.first_invoice_number)
    recipients = [recipient_of(patients[pid]) for pid in by_patient]
    issued = insert_rows(
        Invoice,
        columns={
            "patient_id": list(by_patient),
            "number": list(numbers),
            "ocr": [ocr_reference(number) for number in numbers],
            "total": [totals[pid] for pid in by_patient],
            **{key: [recipient[key] for recipient in recipients] for key in recipients[0]},
        },
        constants={
            "caregiver_id": caregiver.pk,
            "kind": InvoiceKind.INVOICE,
            "invoice_date": invoice_date,
            "due_date": invoice_date + dt.timedelta(days=settings_row.terms_days),
            "issued_at": now,
            "issued_by_id": getattr(user, "pk", None),
            **sender_of(settings_row),
        },
        returning=("id", "patient_id"),
    )
    invoice_of = {patient_id: invoice_id for invoice_id, patient_id in issued}
    lines = [
        (invoice_of[pid], position, row[0])
        for pid, rows in by_patient.items()
        for position, row in enumerate(rows, start=1)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {InvoiceLine._meta.db_table} (invoice_id, position, charge_id, service_date,
                description, unit_name, list_price, campaign_name, amount)
            SELECT t.invoice_id, t.position, c.id, c.service_date, c.description, u.name, c.list_price,
                   COALESCE(k.name, ''), c.amount
              FROM unnest(%s::bigint[], %s::int[], %s::bigint[]) AS t(invoice_id, position, charge_id)
              JOIN {Charge._meta.db_table} c ON c.id = t.charge_id
              JOIN {Unit._meta.db_table} u ON u.id = c.unit_id
              LEFT JOIN {Campaign._meta.db_table} k ON k.id = c.campaign_id
            """,  # noqa: S608  (table names from the models, values as parameters)
            [list(column) for column in zip(*lines, strict=True)],
        )
    _close_charges([line[2] for line in lines], user, now, AdjustmentAction.INVOICED)
    invoices = list(
        Invoice.objects.filter(pk__in=[invoice_id for invoice_id, _patient in issued]).order_by("number")
    )
    _queue_pdfs(invoices)
    result.invoices = invoices
    return result


# The status each closing action leaves the charge in.
_CLOSED_STATUS = {
    AdjustmentAction.INVOICED: ChargeStatus.INVOICED,
    AdjustmentAction.NO_INVOICE: ChargeStatus.NO_INVOICE,
}


def _close_charges(charge_ids, user, now, action) -> None:
    """Approved charges become invoiced (or closed without invoice), each with its adjustment row (R11)."""
    status = _CLOSED_STATUS[action]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH closed AS (
                UPDATE {Charge._meta.db_table} SET status = %s
                 WHERE id = ANY(%s::bigint[]) AND status = %s
                RETURNING id, amount
            )
            INSERT INTO {ChargeAdjustment._meta.db_table} (charge_id, at, by_id, action, amount_before,
                amount_after, status_before, status_after, reason)
            SELECT id, %s, %s, %s, amount, amount, %s, %s, '' FROM closed
            """,  # noqa: S608  (table names from the models, values as parameters)
            [
                status,
                list(charge_ids),
                ChargeStatus.APPROVED,
                now,
                getattr(user, "pk", None),
                action,
                ChargeStatus.APPROVED,
                status,
            ],
        )


def invoices_issue(
    *, caregiver, user, unit=None, date_from=None, date_to=None, patient_ids=None
) -> IssueResult:
    """Invoices for every patient with approved charges in the selection.

    Patients are issued ISSUE_BATCH at a time, each batch one transaction with one block of numbers.
    Should a batch fail, it rolls back whole (its numbers with it) and is done again patient by
    patient, each in a transaction of its own: one patient's problem never leaves a half-made invoice
    and never stops the others.
    """

    settings_row = billing_settings_for(caregiver)
    check_ready_to_invoice(settings_row)
    charges = charges_within(
        Charge.objects.filter(caregiver=caregiver, status=ChargeStatus.APPROVED),
        unit=unit,
        date_from=date_from,
        date_to=date_to,
    )
    if patient_ids is not None:
        charges = charges.filter(patient_id__in=patient_ids)
    by_patient: dict[int, list[int]] = defaultdict(list)
    for charge_id, patient_id in charges.order_by("patient_id", "pk").values_list("pk", "patient_id"):
        by_patient[patient_id].append(charge_id)
    result = IssueResult()
    order = list(by_patient)
    for start in range(0, len(order), ISSUE_BATCH):
        batch = {patient_id: by_patient[patient_id] for patient_id in order[start : start + ISSUE_BATCH]}
        patients = Patient.objects.in_bulk(list(batch))
        try:
            # Asked outside the invoices' transaction (no network under a lock), the whole batch in one
            # question: a person the register protects is marked first, so the invoice carries no
            # address of theirs (R7, A5).
            protection_refresh_many(list(patients.values()), user=user)
        except RegisterUnavailable:
            unavailable = BillingError(_("Folkbokföringen svarar inte just nu. Försök igen."))
            result.errors.extend((patients[patient_id], unavailable) for patient_id in batch)
            continue
        try:
            with transaction.atomic():
                issued = _issue_batch(
                    caregiver=caregiver,
                    settings_row=settings_row,
                    patients=patients,
                    charge_ids=batch,
                    user=user,
                )
        except (BillingError, IntegrityError, DataError):
            issued = _issue_one_by_one(caregiver, user, patients, batch)
        result.invoices.extend(issued.invoices)
        result.closed_without_invoice += issued.closed_without_invoice
        result.errors.extend(issued.errors)
    return result


def _issue_one_by_one(caregiver, user, patients, batch) -> IssueResult:
    result = IssueResult()
    for patient_id, ids in batch.items():
        try:
            invoice = invoice_issue_for_patient(
                caregiver=caregiver, patient=patients[patient_id], charge_ids=ids, user=user
            )
        except (BillingError, IntegrityError, DataError) as error:
            result.errors.append((patients[patient_id], error))
            continue
        if invoice is None:
            result.closed_without_invoice += 1
        else:
            result.invoices.append(invoice)
    return result


@transaction.atomic
def credit_note_issue(
    *, invoice: Invoice, user, reason: str, lines=None, reopen: bool = False, submission_key: str = ""
) -> Invoice:
    """A credit note with negated lines that refers to `invoice` (all its uncredited lines by default).

    A credit note is never credited. With `reopen`, each credited charge gets a fresh copy back in
    review, so a wrong amount can be corrected and invoiced again. The same form sent twice
    (`submission_key` repeated) returns the credit note the first one made.
    """
    submission_key = (submission_key or "")[:40]
    if submission_key and (made := _credit_submitted(invoice, submission_key)):
        return made
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
        # A second submission that waited for the first one's lock finds its credit note committed.
        if submission_key and (made := _credit_submitted(invoice, submission_key)):
            return made
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
        submission_key=submission_key,
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
            status_adjustment(
                charge,
                at=now,
                by=user,
                action=AdjustmentAction.CREDITED,
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


def _credit_submitted(invoice: Invoice, submission_key: str) -> Invoice | None:
    return Invoice.objects.filter(
        caregiver_id=invoice.caregiver_id, credited_invoice=invoice, submission_key=submission_key
    ).first()
