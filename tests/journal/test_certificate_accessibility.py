"""The vaccination certificate is a tagged PDF (PDF/UA): a resident with a screen reader can read it."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from tests.conftest import client_for
from tests.journal.factories import ready_visit, register

pytestmark = pytest.mark.django_db


def test_certificate_is_a_tagged_pdf_with_language_and_title(cast, patient_a):
    ready = ready_visit(cast, patient=patient_a)
    register(cast, ready)
    response = client_for(cast.alice).get(reverse("journal:certificate", args=[patient_a.pk]))
    assert response["Content-Type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(response.content))
    root = pdf.trailer["/Root"]
    assert "/StructTreeRoot" in root  # headings, tables and text in reading order for assistive technology
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "sv"
    assert pdf.metadata.title == "Vaccinationsintyg"
