"""Lot recall look-back: find everyone who got a lot, tell them, and keep the record of having done so.

`recall_create` runs the look-back (a product and lot, or a product at a unit in a period) at the
user's caregiver, stores the doses it found and writes one access-log row per patient with the purpose
"recall". `recall_message_create` stores the user's message; the worker (`recall_message_deliver`)
claims each patient before sending, so a send that runs twice reaches nobody twice. A patient with
protected identity is reached only through the tax agency's forwarding route: no address is shown,
exported or used, and nothing is sent from here.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from journal import access
from journal.models import Batch, Patient, Vaccination, VaccinationStatus, VaccineProduct
from journal.recall_models import Recall, RecallDelivery, RecallEntry, RecallMessage
from journal.recall_rows import ROUTE_LABELS, RecallRow, page_rows
from journal.services.common import JournalError
from mittvaccin import outbox
from mittvaccin.access_log import access_log_record
from mittvaccin.exports import csv_text
from mittvaccin.messaging import send_email, send_sms
from mittvaccin.rights import Right

# The order of a recall's list, by name (the positions of its entries; also in journal migration 0012).
LIST_ORDER = "patient.family_name, patient.given_names, sub.patient_id, sub.given_at, sub.id"


class RecallError(JournalError):
    pass


def recall_doses(*, caregiver_id: int, product, batch=None, unit=None, period_from=None, period_to=None):
    """The doses the look-back finds: given here (not elsewhere), not entered in error."""
    doses = Vaccination.objects.filter(
        caregiver_id=caregiver_id,
        status=VaccinationStatus.GIVEN,
        product=product,
        entered_in_error__isnull=True,
    )
    if batch is not None:
        doses = doses.filter(batch=batch)
    if unit is not None:
        doses = doses.filter(unit=unit)
    if period_from is not None:
        doses = doses.filter(given_at__gte=_start_of(period_from))
    if period_to is not None:
        doses = doses.filter(given_at__lt=_start_of(period_to + dt.timedelta(days=1)))
    return doses


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@transaction.atomic
def recall_create(
    *,
    request,
    product: VaccineProduct | None,
    batch: Batch | None = None,
    unit=None,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
    reason: str,
) -> Recall:
    """Run and record a look-back. Every patient found gets an access-log row with the purpose "recall"."""
    user = request.user
    if not user.has_right(Right.LOT_RECALL):
        raise RecallError(_("Du saknar behörighet att göra batchåterkallelser."))
    if product is None:
        raise RecallError(_("Välj vaccin."), field="product")
    if batch is not None:
        if batch.caregiver_id != user.caregiver_id:
            raise RecallError(_("Batchen finns inte hos vårdgivaren."), field="lot_number")
        if batch.product_id != product.pk:
            raise RecallError(
                _("Batch %(lot)s är av %(other)s, inte av %(product)s.")
                % {"lot": batch.lot_number, "other": batch.product.name, "product": product.name},
                field="lot_number",
            )
    else:
        if unit is None or unit.caregiver_id != user.caregiver_id:
            raise RecallError(_("Ange batchnummer, eller enhet och period."), field="unit")
        if period_from is None or period_to is None:
            raise RecallError(_("Ange periodens första och sista dag."), field="period_from")
        if period_from > period_to:
            raise RecallError(_("Periodens första dag ligger efter den sista."), field="period_to")
    reason = (reason or "").strip()
    if not reason:
        raise RecallError(
            _("Ange skälet till återkallelsen (t.ex. tillverkarens meddelande)."), field="reason"
        )

    doses = recall_doses(
        caregiver_id=user.caregiver_id,
        product=product,
        batch=batch,
        unit=None if batch is not None else unit,
        period_from=None if batch is not None else period_from,
        period_to=None if batch is not None else period_to,
    )
    counts = doses.aggregate(doses=Count("id"), patients=Count("patient_id", distinct=True))
    recall = Recall.objects.create(
        caregiver_id=user.caregiver_id,
        product=product,
        batch=batch,
        unit=unit if batch is None else None,
        period_from=period_from if batch is None else None,
        period_to=period_to if batch is None else None,
        reason=reason,
        created_by=user,
        signature=user.signature,
        patient_count=counts["patients"],
        dose_count=counts["doses"],
    )
    # The list, set-based: one INSERT … SELECT however many thousand doses the lot went into, each dose
    # numbered in the list's order (LIST_ORDER) so that its pages are read by position.
    select_sql, params = doses.values_list("patient_id", "id", "given_at").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO journal_recallentry (recall_id, patient_id, vaccination_id, position) "  # noqa: S608
            f"SELECT %s, sub.patient_id, sub.id, row_number() OVER (ORDER BY {LIST_ORDER}) "
            f"FROM ({select_sql}) AS sub JOIN journal_patient AS patient ON patient.id = sub.patient_id",
            (recall.pk, *params),
        )
    _log_patients(request, recall, Patient.objects.filter(pk__in=doses.values("patient_id")))
    return recall


def _log_patients(request, recall: Recall, patients) -> int:
    return access_log_record(
        request=request,
        patients=patients.only("id", "identity_number", "protected_identity"),
        action=access.RECALL,
        reason=_("Återkallelse %(id)d: %(reason)s") % {"id": recall.pk, "reason": recall.reason[:200]},
    )


# --- The list, on screen and as CSV ------------------------------------------------------------------------


def recall_rows(recall: Recall) -> list[RecallRow]:
    """The whole list, in its order, with the patients and doses as model instances (the CSV)."""
    entries = (
        RecallEntry.objects.filter(recall=recall)
        .select_related("patient", "vaccination__unit")
        .order_by("position")
    )
    return [RecallRow(entry.patient, entry.vaccination) for entry in entries]


def recall_page(request, recall: Recall, *, page: int, per_page: int = 100):
    """One page of the list; the patients on it are read, so each gets a log row with the purpose "recall"."""
    total = recall.dose_count  # one entry per dose found, written with the recall and never changed
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = page_rows(recall, offset=(page - 1) * per_page, limit=per_page)
    access_log_record(
        request=request,
        patients=[row.patient for row in rows],
        action=access.RECALL,
        reason=_("Återkallelse %(id)d: %(reason)s") % {"id": recall.pk, "reason": recall.reason[:200]},
    )
    return rows, page, pages, total


CSV_COLUMNS = [
    ("personnummer", gettext_lazy("Personnummer")),
    ("namn", gettext_lazy("Namn")),
    ("dosdatum", gettext_lazy("Dosdatum")),
    ("enhet", gettext_lazy("Enhet")),
    ("dosnummer", gettext_lazy("Dosnummer")),
    ("vaccin", gettext_lazy("Vaccin")),
    ("batch", gettext_lazy("Batch")),
    ("kontaktvag", gettext_lazy("Kontaktväg")),
    ("telefon", gettext_lazy("Telefon")),
    ("epost", gettext_lazy("E-post")),
    ("adress", gettext_lazy("Adress")),
    ("postnummer", gettext_lazy("Postnummer")),
    ("ort", gettext_lazy("Ort")),
]


def recall_csv(request, recall: Recall) -> str:
    """The whole list as CSV (UTF-8 with BOM, `;`, CRLF). Protected identity: number and route only."""
    rows = recall_rows(recall)
    _log_patients(request, recall, Patient.objects.filter(pk__in={row.patient.pk for row in rows}))
    lines = []
    for row in rows:
        patient, dose = row.patient, row.dose
        protected = patient.protected_identity
        lines.append(
            [
                patient.identity_display,
                "" if protected else f"{patient.family_name}, {patient.given_names}",
                timezone.localtime(dose.given_at).strftime("%Y-%m-%d"),
                dose.unit.name if dose.unit_id else "",
                dose.dose_number or "",
                dose.vaccine_name,
                dose.lot_number,
                str(ROUTE_LABELS[row.route]),
                "" if protected else patient.phone,
                "" if protected else patient.email,
                "" if protected else patient.address,
                "" if protected else patient.postal_code,
                "" if protected else patient.city,
            ]
        )
    # The one formula-safe writer (mittvaccin.exports): UTF-8 with BOM, semicolons, CRLF.
    return csv_text([str(label) for _key, label in CSV_COLUMNS], lines)


# --- The message ------------------------------------------------------------------------------------------


@transaction.atomic
def recall_message_create(
    *, recall: Recall, user, subject: str, body: str, idempotency_key=None
) -> RecallMessage:
    """Store the user's message and queue its sending after commit. A double submit makes one message."""
    if not user.has_right(Right.LOT_RECALL) or user.caregiver_id != recall.caregiver_id:
        raise RecallError(_("Du saknar behörighet att göra batchåterkallelser."))
    key = idempotency_key or uuid.uuid4()
    existing = RecallMessage.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject:
        raise RecallError(_("Skriv en rubrik."), field="subject")
    if not body:
        raise RecallError(_("Skriv meddelandet."), field="body")
    if len(body) > 1000:
        raise RecallError(
            _("Meddelandet får vara högst 1000 tecken (det skickas också som SMS)."), field="body"
        )
    message = RecallMessage.objects.create(
        recall=recall, subject=subject[:200], body=body, created_by=user, signature=user.signature,
        idempotency_key=key,
    )  # fmt: skip
    # Through the outbox: written with the message, handed to the worker after the commit (also when
    # Redis is away at that moment; the beat's flush hands it over later).
    outbox.enqueue("journal.send_recall_message", message.pk)
    return message


# Claims, set-based: one INSERT … SELECT per batch of patients, skipping those claimed before.
_CLAIM = """
INSERT INTO journal_recalldelivery (message_id, patient_id, channel, claimed_at)
SELECT %(message)s, p.id,
       CASE WHEN p.protected_identity THEN 'forwarding'
            WHEN p.phone <> '' THEN 'sms'
            WHEN p.email <> '' THEN 'email'
            ELSE 'none' END,
       %(now)s
FROM journal_patient p
WHERE p.id = ANY(%(ids)s)
ON CONFLICT (message_id, patient_id) DO NOTHING
RETURNING patient_id, channel
"""


def recall_message_deliver(message_id: int, *, batch_size: int = 500) -> int:
    """Send the message to every patient of the recall not yet claimed for it. Returns how many were sent.

    The claim commits before the send: a crash between them leaves that patient unsent rather than
    messaged twice (the recall page shows who was reached).
    """

    message = RecallMessage.objects.select_related("recall__caregiver").get(pk=message_id)
    recall = message.recall
    caregiver = recall.caregiver
    text = f"{message.body}\n\n{caregiver.name}"
    sent = 0
    after = 0
    while True:
        window = list(
            RecallEntry.objects.filter(recall=recall, patient_id__gt=after)
            .order_by("patient_id")
            .values_list("patient_id", flat=True)
            .distinct()[:batch_size]
        )
        if not window:
            return sent
        after = window[-1]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_CLAIM, {"message": message.pk, "now": timezone.now(), "ids": window})
            claimed = dict(cursor.fetchall())
        if not claimed:
            continue
        for patient in Patient.objects.filter(pk__in=claimed).only(
            "id", "phone", "email", "protected_identity"
        ):
            channel = claimed[patient.pk]
            reference = f"recall-message:{message.pk}:patient:{patient.pk}"
            if patient.protected_identity:
                continue  # R7: reached only through the tax agency's forwarding route, never from here
            if channel == "sms":
                send_sms(
                    to=patient.phone,
                    body=text,
                    caregiver=caregiver,
                    purpose="recall",
                    reference=reference,
                    patient_id=patient.pk,  # a later protection marking empties the stored recipient
                )
                sent += 1
            elif channel == "email":
                send_email(
                    to=patient.email, subject=message.subject, body=text, caregiver=caregiver, purpose="recall",
                    reference=reference, patient_id=patient.pk,
                )  # fmt: skip
                sent += 1


def message_status(message: RecallMessage) -> dict:
    """How many patients each route reached (claims made so far)."""
    counts = dict(
        RecallDelivery.objects.filter(message=message)
        .values_list("channel")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        "sms": counts.get("sms", 0),
        "email": counts.get("email", 0),
        "forwarding": counts.get("forwarding", 0),
        "none": counts.get("none", 0),
        "total": sum(counts.values()),
    }
