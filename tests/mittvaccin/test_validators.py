"""Postcode and phone are validated the Swedish way (international phone with +); names refuse control
characters. Every form that takes them says what is wrong and saves nothing."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from journal.models import Patient
from mittvaccin.validators import clean_name, clean_phone, clean_postal_code
from tests.booking.conftest import Timebook
from tests.booking.factories import ScheduleFactory, VisitTypeFactory, in_days, make_slot
from tests.booking.test_public import book_url, form_data
from tests.conftest import client_for


@pytest.mark.parametrize(
    ("typed", "kept"), [("65225", "652 25"), ("652 25", "652 25"), (" 111 22 ", "111 22"), ("", "")]
)
def test_postcode_is_stored_the_swedish_way(typed, kept):
    assert clean_postal_code(typed) == kept


@pytest.mark.parametrize("bad", ["6522", "652 255", "SE-652 25", "abcde"])
def test_a_postcode_that_is_not_five_digits_is_refused(bad):
    with pytest.raises(ValidationError, match="fem siffror"):
        clean_postal_code(bad)


@pytest.mark.parametrize(
    "good",
    ["070-123 45 67", "0701234567", "054-10 20 30", "08-123 456 78", "+46 70 123 45 67", "+44 20 7946 0958"],
)
def test_swedish_and_international_phone_numbers_are_accepted(good):
    assert clean_phone(good) == " ".join(good.split())


@pytest.mark.parametrize("bad", ["070-1", "12345", "070 123 45 67 89 10", "ring mig", "+1 555"])
def test_a_phone_number_that_cannot_be_dialled_is_refused(bad):
    with pytest.raises(ValidationError):
        clean_phone(bad)


@pytest.mark.parametrize("bad", ["Anna\nBerg", "Anna\tBerg", "Anna\x00", "An\u200bna"])
def test_names_refuse_control_characters(bad):
    with pytest.raises(ValidationError, match="otillåtna tecken"):
        clean_name(bad)


def test_names_keep_what_names_have():
    assert clean_name(" Åsa-Märta O'Brien ") == "Åsa-Märta O'Brien"


@pytest.mark.django_db
def test_staff_registration_explains_a_bad_postcode_phone_and_name_and_saves_nothing(cast):
    response = client_for(cast.alice).post(
        reverse("journal:patient_create"),
        {
            "identity_kind": "auto",
            "identity": "19850412-9860",
            "family_name": "Eriksson\r\nX",
            "given_names": "Maja",
            "sex": "U",
            "postal_code": "6522",
            "phone": "070-1",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "fem siffror" in page and "Telefonnumret är inte giltigt" in page and "otillåtna tecken" in page
    assert not Patient.objects.exists()


@pytest.mark.django_db
def test_the_public_booking_form_refuses_a_name_with_a_line_break(cast):

    visit_type = VisitTypeFactory(unit=cast.unit_a, minimum_age_years=0)
    schedule = ScheduleFactory(unit=cast.unit_a, visit_types=[visit_type], hours=[])
    timebook = Timebook(
        unit=cast.unit_a, visit_type=visit_type, schedule=schedule, slot=make_slot(schedule, in_days(3))
    )
    response = Client().post(
        book_url(timebook), form_data(given_names="Elin\nSvensson", phone="+44 20 7946 0958")
    )
    assert response.status_code == 200
    assert "otillåtna tecken" in response.content.decode()
    assert not Patient.objects.exists()
