"""R15: invoices with gapless numbers, OCR, due date and payment details; immutable; credit notes;
the PDF (R7: protected identity); the accounts-receivable export."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from billing import services
from billing.models import ArticleKind, ChargeStatus, Invoice, InvoiceDocument, InvoiceKind, InvoiceLine
from billing.pdf import invoice_pdf_bytes, invoice_pdf_store, render_invoice_pdf
from billing.references import ocr_is_valid
from billing.selectors import export_csv, invoices_for_export
from billing.services import BillingError
from billing.tasks import invoice_render_pdf, invoice_render_pdfs
from mittvaccin import pdf
from tests.billing.factories import (
    adult,
    approved,
    article_price,
    campaign,
    child,
    dose_charge,
    ready_caregiver,
)
from tests.billing.factories import (
    patient as billing_patient,
)
from tests.conftest import client_for
from tests.factories import register_person


def issue(cast, user):
    return services.invoices_issue(caregiver=cast.caregiver_a, user=user)


def check_deferred_constraints_now():
    """Tests run inside a transaction that never commits: make the commit-time triggers fire now."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def invoiced(cast, alice, clinic_user, billing_ready, product, grown_up):
    approved(dose_charge(grown_up, cast.unit_a, product, user=alice), clinic_user)
    [invoice] = issue(cast, clinic_user).invoices
    return invoice


def test_r15_approved_charges_become_one_invoice_per_patient(
    cast, alice, clinic_user, billing_ready, product
):
    article_price(cast.caregiver_a, ArticleKind.VISIT_FEE, "100")
    first, second = adult(cast.caregiver_a), adult(cast.caregiver_a)
    approved(dose_charge(first, cast.unit_a, product, user=alice), clinic_user)
    approved(dose_charge(second, cast.unit_a, product, user=alice), clinic_user)
    dose_charge(second, cast.unit_a, product, user=alice)  # not approved: stays out
    result = issue(cast, clinic_user)
    assert len(result.invoices) == 2
    by_patient = {i.patient_id: i for i in result.invoices}
    invoice = by_patient[first.pk]
    assert invoice.total == Decimal("445.00")
    assert [(line.description, line.amount) for line in invoice.lines.all()] == [
        (product.name, Decimal("345.00")),
        ("Besöksavgift", Decimal("100.00")),
    ]
    assert invoice.lines.first().unit_name == cast.unit_a.name
    assert sorted(i.number for i in result.invoices) == [1, 2]
    assert {c.status for c in second.charges.all()} == {ChargeStatus.INVOICED, ChargeStatus.OPEN}


def test_r15_invoice_carries_dates_ocr_and_payment_details(invoiced):
    assert invoiced.invoice_date == timezone.localdate()
    assert invoiced.due_date == invoiced.invoice_date + dt.timedelta(days=30)
    assert ocr_is_valid(invoiced.ocr)
    assert invoiced.ocr.startswith(str(invoiced.number))
    assert invoiced.bankgiro == "5050-1055"
    assert invoiced.sender_organisation_number == invoiced.caregiver.organisation_number


def test_r15_payment_terms_are_configurable(cast, alice, clinic_user, product, grown_up, settings):
    settings.BILLING_PAYMENT_TERMS_DAYS = 20
    ready_caregiver(cast.caregiver_a)
    approved(dose_charge(grown_up, cast.unit_a, product, user=alice), clinic_user)
    [invoice] = issue(cast, clinic_user).invoices
    assert invoice.due_date - invoice.invoice_date == dt.timedelta(days=20)
    ready_caregiver(cast.caregiver_a, payment_terms_days=10)
    approved(dose_charge(grown_up, cast.unit_a, product, user=alice), clinic_user)
    [invoice] = issue(cast, clinic_user).invoices
    assert invoice.due_date - invoice.invoice_date == dt.timedelta(days=10)


def test_r15_series_can_start_at_a_chosen_number(cast, alice, clinic_user, product, grown_up):
    ready_caregiver(cast.caregiver_a, first_invoice_number=50001)
    approved(dose_charge(grown_up, cast.unit_a, product, user=alice), clinic_user)
    [invoice] = issue(cast, clinic_user).invoices
    assert invoice.number == 50001


def test_r15_numbers_are_per_caregiver(cast, alice, charlie, clinic_user, product, grown_up):
    ready_caregiver(cast.caregiver_a)
    ready_caregiver(cast.caregiver_b)
    approved(dose_charge(grown_up, cast.unit_a, product, user=alice), clinic_user)
    patient_b = adult(cast.caregiver_b)
    services.price_set(
        caregiver=cast.caregiver_b, product=product, amount=Decimal("99"), valid_from=dt.date(2020, 1, 1)
    )
    approved(dose_charge(patient_b, cast.unit_b, product, user=charlie), charlie)
    [a] = issue(cast, clinic_user).invoices
    [b] = services.invoices_issue(caregiver=cast.caregiver_b, user=charlie).invoices
    assert (a.number, b.number) == (1, 1)


def test_r10_only_free_charges_close_without_an_invoice(cast, alice, clinic_user, billing_ready, product):
    kids = campaign(cast.caregiver_a, products=[product])
    charges = approved(
        dose_charge(
            child(cast.caregiver_a),
            cast.unit_a,
            product,
            user=alice,
            billing_data={"billing-campaign": str(kids.pk)},
        ),
        clinic_user,
    )
    result = issue(cast, clinic_user)
    assert result.invoices == []
    assert result.closed_without_invoice == 1
    charges[0].refresh_from_db()
    assert charges[0].status == ChargeStatus.NO_INVOICE
    assert not Invoice.objects.exists()


def test_r15_no_bankgiro_means_no_invoice_and_a_clear_message(cast, alice, clinic_user, product, grown_up):
    charges = approved(dose_charge(grown_up, cast.unit_a, product, user=alice), clinic_user)
    with pytest.raises(BillingError, match="bankgironummer"):
        issue(cast, clinic_user)
    response = client_for(cast.clinic_a).post(reverse("billing:invoices_create"), follow=True)
    assert "bankgironummer" in response.content.decode()
    assert not Invoice.objects.exists()
    charges[0].refresh_from_db()
    assert charges[0].status == ChargeStatus.APPROVED


def test_r15_issued_invoice_and_lines_never_change(invoiced):
    with pytest.raises(DatabaseError, match="invoice_immutable"), transaction.atomic():
        Invoice.objects.filter(pk=invoiced.pk).update(total=Decimal("1"))
    with (
        pytest.raises(DatabaseError, match="invoice_immutable"),
        transaction.atomic(),
        connection.cursor() as sql,
    ):
        sql.execute("DELETE FROM billing_invoice WHERE id = %s", [invoiced.pk])
    line = invoiced.lines.first()
    with pytest.raises(DatabaseError, match="invoiceline_immutable"), transaction.atomic():
        InvoiceLine.objects.filter(pk=line.pk).update(amount=Decimal("1"))
    with pytest.raises(DatabaseError, match="invoiceline_immutable"), transaction.atomic():
        line.delete()


def test_r15_invoice_number_is_unique_per_caregiver(invoiced):
    values = {
        f.attname: getattr(invoiced, f.attname) for f in Invoice._meta.concrete_fields if f.attname != "id"
    }
    with pytest.raises(IntegrityError, match="invoice_number_unique"), transaction.atomic():
        Invoice.objects.create(**values)


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"total": Decimal("-1")}, "invoice_kind_consistent"),
        ({"ocr": ""}, "invoice_has_ocr_and_due_date"),
        ({"due_date": dt.date(2000, 1, 1)}, "invoice_due_after_date"),
        ({"recipient_protected": True}, "invoice_protected_has_no_address"),
        (
            {"kind": InvoiceKind.CREDIT_NOTE, "total": Decimal("-1"), "credited_invoice_id": 0},
            "credit_note_has_reason",
        ),
    ],
)
def test_r15_invoice_check_constraints(invoiced, changes, constraint):
    values = {
        f.attname: getattr(invoiced, f.attname) for f in Invoice._meta.concrete_fields if f.attname != "id"
    }
    values.update(number=invoiced.number + 100, recipient_address="Gatan 1")
    if changes.get("credited_invoice_id") == 0:
        changes["credited_invoice_id"] = invoiced.pk
    values.update(changes)
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Invoice.objects.create(**values)


def test_r15_invoice_without_lines_cannot_be_committed(invoiced):
    """The deferred trigger checks at commit that the lines add up to the total: never a half-made invoice."""
    values = {
        f.attname: getattr(invoiced, f.attname) for f in Invoice._meta.concrete_fields if f.attname != "id"
    }
    values["number"] = invoiced.number + 1
    with transaction.atomic():
        Invoice.objects.create(**values)
        with pytest.raises(IntegrityError, match="invoice_lines_add_up"), transaction.atomic():
            check_deferred_constraints_now()
        transaction.set_rollback(True)


def test_r15_line_added_to_an_issued_invoice_is_refused(invoiced):
    line = invoiced.lines.first()
    with transaction.atomic():
        InvoiceLine.objects.create(
            invoice=invoiced,
            position=99,
            charge=line.charge,
            service_date=line.service_date,
            description="smuggled",
            unit_name="x",
            list_price=Decimal("1"),
            amount=Decimal("1"),
        )
        # Either deferred check may fire first (the fixture's own invoice is not committed yet either).
        with pytest.raises(IntegrityError, match=r"sum.* to 346\.00, total is 345\.00"), transaction.atomic():
            check_deferred_constraints_now()
        transaction.set_rollback(True)


def test_r15_credit_note_negates_the_lines_and_refers_to_the_invoice(invoiced, clinic_user):
    note = services.credit_note_issue(invoice=invoiced, user=clinic_user, reason="Fel patient")
    assert note.kind == InvoiceKind.CREDIT_NOTE
    assert note.credited_invoice == invoiced
    assert note.number == invoiced.number + 1
    assert note.total == -invoiced.total
    assert [line.amount for line in note.lines.all()] == [-line.amount for line in invoiced.lines.all()]
    assert {line.credited_line_id for line in note.lines.all()} == {line.pk for line in invoiced.lines.all()}
    assert {c.status for c in invoiced.patient.charges.all()} == {ChargeStatus.CREDITED}
    assert note.ocr == ""


def test_r15_crediting_a_credit_note_is_refused(invoiced, cast, clinic_user):
    note = services.credit_note_issue(invoice=invoiced, user=clinic_user, reason="Fel patient")
    with pytest.raises(BillingError, match="kreditfaktura kan inte krediteras"):
        services.credit_note_issue(invoice=note, user=clinic_user, reason="Igen")
    response = client_for(cast.clinic_a).post(
        reverse("billing:invoice_credit", args=[note.pk]), {"reason": "Igen"}, follow=True
    )
    assert response.status_code == 200
    assert "kreditfaktura kan inte krediteras" in response.content.decode()
    assert Invoice.objects.count() == 2


def test_r15_database_refuses_a_credit_note_of_a_credit_note(invoiced, clinic_user):
    note = services.credit_note_issue(invoice=invoiced, user=clinic_user, reason="Fel patient")
    values = {f.attname: getattr(note, f.attname) for f in Invoice._meta.concrete_fields if f.attname != "id"}
    values.update(number=note.number + 1, credited_invoice_id=note.pk)
    with pytest.raises(IntegrityError, match="invoice_credit_refers_to_invoice"), transaction.atomic():
        Invoice.objects.create(**values)


def test_r15_crediting_twice_is_refused(invoiced, clinic_user):
    services.credit_note_issue(invoice=invoiced, user=clinic_user, reason="Fel patient")
    with pytest.raises(BillingError, match="redan krediterad"):
        services.credit_note_issue(invoice=invoiced, user=clinic_user, reason="Igen")


def test_r15_line_is_credited_at_most_once_by_the_database(invoiced, clinic_user):
    note = services.credit_note_issue(invoice=invoiced, user=clinic_user, reason="Fel patient")
    line = note.lines.first()
    with pytest.raises(IntegrityError, match="credited_line"), transaction.atomic():
        InvoiceLine.objects.create(
            invoice=note,
            position=9,
            charge=line.charge,
            credited_line=line.credited_line,
            service_date=line.service_date,
            description="again",
            unit_name="x",
            list_price=line.list_price,
            amount=line.amount,
        )


def test_r11_credit_and_reopen_lets_staff_invoice_a_corrected_amount(cast, invoiced, clinic_user):
    services.credit_note_issue(invoice=invoiced, user=clinic_user, reason="Fel belopp", reopen=True)
    [fresh] = invoiced.patient.charges.filter(status=ChargeStatus.OPEN)
    assert fresh.corrects.status == ChargeStatus.CREDITED
    services.charge_adjust(charge=fresh, amount=Decimal("300"), reason="Rätt pris", user=clinic_user)
    approved([fresh], clinic_user)
    [corrected] = issue(cast, clinic_user).invoices
    assert corrected.total == Decimal("300.00")


def test_r15_invoice_pages(cast, invoiced):
    client = client_for(cast.clinic_a)
    listing = client.get(reverse("billing:invoices")).content.decode()
    assert str(invoiced.number) in listing
    detail = client.get(reverse("billing:invoice", args=[invoiced.pk])).content.decode()
    assert invoiced.ocr in detail
    assert "345,00" in detail
    response = client.get(reverse("billing:invoice_pdf", args=[invoiced.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_r15_pdf_is_swedish_and_complete(invoiced):
    pdf, protected = render_invoice_pdf(invoiced)
    text = pdf_text(pdf)
    assert not protected
    for expected in (
        "FAKTURA",
        "Fakturanummer",
        "Förfallodatum",
        "OCR-nummer",
        invoiced.ocr,
        "5050-1055",
        "Att betala",
        "345,00",
        "ingen moms",
        invoiced.recipient_name,
        "Testgatan 1",
    ):
        assert expected in text, expected


def test_r7_protected_patient_invoice_has_no_address_and_goes_via_the_tax_agency(
    cast, alice, clinic_user, billing_ready, product
):
    patient = billing_patient(cast.caregiver_a, protected=True, family_name="Skyddad")
    approved(dose_charge(patient, cast.unit_a, product, user=alice), clinic_user)
    [invoice] = issue(cast, clinic_user).invoices
    assert invoice.recipient_protected
    assert invoice.recipient_address_lines == []
    pdf, protected = render_invoice_pdf(invoice)
    text = pdf_text(pdf)
    assert protected
    assert "Skatteverket" in text
    assert "Box 2820" in text
    assert "403 20 Göteborg" in text
    for forbidden in ("Testgatan", "Karlstad 652", "652 25"):
        assert forbidden not in text


def test_r7_patient_protected_after_issue_gets_no_address_in_the_pdf(cast, invoiced, clinic_user):
    invoice_pdf_store(invoiced)
    assert "Testgatan 1" in pdf_text(invoice_pdf_bytes(invoiced))
    patient = invoiced.patient
    patient.protected_identity = True
    patient.blank_contact_details()
    patient.save()
    text = pdf_text(invoice_pdf_bytes(Invoice.objects.get(pk=invoiced.pk)))
    assert "Testgatan 1" not in text
    assert "Box 2820" in text
    assert invoiced.document.rendered_protected is False  # the old row object; the stored one is replaced
    invoiced.document.refresh_from_db()
    assert invoiced.document.rendered_protected


def test_r7_patient_protected_in_the_population_register_is_treated_as_protected(
    cast, alice, clinic_user, billing_ready, product, grown_up
):
    approved(dose_charge(grown_up, cast.unit_a, product, user=alice), clinic_user)
    # The tax agency protects the person after the dose; the register says so at invoicing (A5).
    register_person(grown_up.identity_number, protected=True)
    [invoice] = issue(cast, clinic_user).invoices
    assert invoice.recipient_protected
    assert invoice.recipient_address == ""
    grown_up.refresh_from_db()
    assert grown_up.protected_identity and grown_up.address == ""  # one fact, on the patient


def test_r15_credit_note_pdf(invoiced, clinic_user):
    note = services.credit_note_issue(invoice=invoiced, user=clinic_user, reason="Fel patient")
    text = pdf_text(render_invoice_pdf(note)[0])
    assert "KREDITFAKTURA" in text
    assert "Krediterar faktura" in text
    assert "Fel patient" in text
    assert "−345,00" in text


def test_r15_export_lists_invoices_and_credit_notes_as_documented(
    cast, invoiced, clinic_user, alice, product
):
    note = services.credit_note_issue(invoice=invoiced, user=clinic_user, reason="Fel patient")
    protected = billing_patient(cast.caregiver_a, protected=True)
    approved(dose_charge(protected, cast.unit_a, product, user=alice), clinic_user)
    [secret] = issue(cast, clinic_user).invoices
    today = timezone.localdate()
    response = client_for(cast.clinic_a).get(
        reverse("billing:invoices_export"),
        {"date_from": today.isoformat(), "date_to": today.isoformat(), "hamta": "1"},
    )
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = [line.split(";") for line in text.strip().split("\r\n")]
    header, body = rows[0], rows[1:]
    assert header[:7] == ["typ", "nummer", "krediterar", "fakturadatum", "forfallodatum", "ocr", "belopp"]
    by_number = {int(r[1]): dict(zip(header, r, strict=True)) for r in body}
    assert by_number[invoiced.number]["belopp"] == "345.00"
    assert by_number[invoiced.number]["adress"] == "Testgatan 1"
    assert by_number[note.number]["typ"] == "KREDIT"
    assert by_number[note.number]["krediterar"] == str(invoiced.number)
    assert by_number[note.number]["belopp"] == "-345.00"
    assert by_number[secret.number]["skyddad_identitet"] == "1"
    assert by_number[secret.number]["namn"] == by_number[secret.number]["adress"] == ""
    # The page documents every column.
    page = client_for(cast.clinic_a).get(reverse("billing:invoices_export")).content.decode()
    for name in header:
        assert f"<code>{name}</code>" in page


def test_r15_export_period_is_inclusive_and_bounded(cast, invoiced):
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    assert list(invoices_for_export(who=cast.clinic_a, date_from=yesterday, date_to=yesterday)) == []
    assert list(invoices_for_export(who=cast.clinic_a, date_from=today, date_to=today)) == [invoiced]
    assert list(invoices_for_export(who=cast.charlie, date_from=today, date_to=today)) == []
    assert export_csv([]).startswith("\ufefftyp;")


def test_r15_pdf_task_renders_once_and_ignores_an_invoice_of_another_database(invoiced, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assert invoice_render_pdf(invoiced.pk, invoiced.number + 1) is None
    assert not InvoiceDocument.objects.exists()
    path = invoice_render_pdf(invoiced.pk, invoiced.number)
    assert invoice_render_pdf(invoiced.pk, invoiced.number) == path
    assert InvoiceDocument.objects.get().path == path
    assert invoice_render_pdf(10**9) is None


def test_r15_pdfs_of_a_batch_share_fonts_and_the_parsed_stylesheet(invoiced, clinic_user, settings, tmp_path):

    settings.MEDIA_ROOT = tmp_path
    note = services.credit_note_issue(invoice=invoiced, user=clinic_user, reason="Fel patient")
    fonts_before = pdf._fonts.cache_info()
    assert invoice_render_pdfs([[invoiced.pk, invoiced.number], [note.pk, note.number]]) == 2
    # Both documents, built with the one font configuration and stylesheet this process keeps.
    assert set(InvoiceDocument.objects.values_list("invoice_id", flat=True)) == {invoiced.pk, note.pk}
    assert pdf._fonts.cache_info().currsize == 1
    assert pdf._fonts.cache_info().hits >= fonts_before.hits + 2
    assert pdf._stylesheet.cache_info().currsize == 1
    assert "KREDITFAKTURA" in pdf_text(
        (tmp_path / InvoiceDocument.objects.get(invoice=note).path).read_bytes()
    )
