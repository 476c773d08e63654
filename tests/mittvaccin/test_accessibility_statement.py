"""The accessibility statement (lag 2018:1937): public, linked from every public page, the caregiver's words."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import client_for
from tests.e2e.a11y import page_targets, public_pages
from tests.e2e.a11y_ids import walk_values

STATEMENT = reverse("accessibility_statement")


@pytest.mark.django_db
def test_statement_is_public_and_says_what_the_law_asks(cast):
    response = Client().get(STATEMENT)
    assert response.status_code == 200
    text = response.content.decode()
    assert "<h1>Tillgänglighetsredogörelse för MittVaccin</h1>" in text
    assert "Rapportera brister i tjänstens tillgänglighet" in text
    assert "Innehåll som inte är tillgängligt" in text
    # The supervisory authority and where to complain to it.
    assert "Myndigheten för digital förvaltning (DIGG)" in text
    assert 'href="https://www.digg.se/tdosanmalan"' in text


@pytest.mark.django_db
def test_statement_reached_from_a_unit_names_its_caregiver_and_contacts(cast):
    unit = cast.unit_a
    unit.phone = "054-10 20 30"
    unit.save()
    caregiver = unit.caregiver
    caregiver.phone, caregiver.address, caregiver.postal_code, caregiver.city = (
        "010-123 45 67",
        "Box 1",
        "651 82",
        "Karlstad",
    )
    caregiver.save()
    text = Client().get(STATEMENT, {"enhet": unit.slug}).content.decode()
    assert f"{caregiver.name} står bakom MittVaccin" in text
    assert 'href="tel:054102030"' in text
    assert 'href="tel:0101234567"' in text
    assert "Box 1, 651 82 Karlstad" in text
    assert reverse("booking:public_unit", args=[unit.slug]) in text
    # Several caregivers and no unit named: the statement speaks for "the caregiver", not one of them.
    generic = Client().get(STATEMENT, {"enhet": "finns-inte"}).content.decode()
    assert "Vårdgivaren står bakom MittVaccin" in generic
    assert caregiver.name not in generic


@pytest.mark.django_db
def test_every_public_page_links_to_the_statement(cast):
    values = walk_values(cast)
    names = public_pages(values)
    assert {
        "booking:public_index",
        "booking:public_book",
        "booking:manage",
        "accessibility_statement",
    } <= names
    client = Client()
    missing = []
    for target in page_targets(values):
        if target.name not in names:
            continue
        response = client.get(target.url, follow=True)
        if STATEMENT not in response.content.decode():
            missing.append(target.url)
    for error_url in ("/finns-inte/", f"/boka/{values['unit_slug']}/999999/"):
        response = client.get(error_url)
        assert response.status_code == 404
        if STATEMENT not in response.content.decode():
            missing.append(error_url)
    assert not missing, f"Public pages without a link to the accessibility statement: {missing}"


@pytest.mark.django_db
def test_staff_pages_link_to_the_statement_too(cast):
    response = client_for(cast.alice).get("/")
    assert STATEMENT in response.content.decode()
