"""What the journal's screens say: wording and numbers a clinician reads between patients."""

import pytest
from django.urls import reverse

from journal import services
from tests.conftest import client_for
from tests.journal.factories import ready_visit

pytestmark = pytest.mark.django_db


def test_visit_without_declaration_says_none_not_zero_versions(cast, patient_a):
    services.visit_open(patient=patient_a, unit=cast.unit_a, user=cast.alice)
    page = client_for(cast.alice).get(reverse("journal:patient", args=[patient_a.pk])).content.decode()
    assert "ingen hälsodeklaration" in page
    assert "0 versioner" not in page


def test_order_choices_show_the_dose_with_a_decimal_comma(cast):
    ready = ready_visit(cast)
    page = client_for(cast.alice).get(reverse("journal:visit", args=[ready.patient.pk, ready.visit.pk]))
    content = page.content.decode()
    assert "0,50 ml" in content
    assert "0.50 ml" not in content
