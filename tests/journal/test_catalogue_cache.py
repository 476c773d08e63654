"""The patient page's "given elsewhere" form is made once per catalogue generation (journal.catalogue_cache):
a change to the catalogue shows on the next page view, and without the shared cache every page reads the
database as before."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from journal import catalogue_cache
from journal.catalogue import product_save
from journal.catalogue_forms import ProductForm
from tests.conftest import client_for
from tests.factories import PatientFactory
from tests.journal.factories import tbe_product
from tests.journal.test_catalogue import form_data

pytestmark = pytest.mark.django_db

PRODUCTS = 'FROM "journal_vaccineproduct"'


def page(client, patient) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("journal:patient", args=[patient.pk]))
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries.captured_queries]


def product_select(html: str) -> str:
    start = html.index('<select name="product"')
    return html[start : html.index("</select>", start)]


def test_a_catalogue_change_shows_in_the_elsewhere_form_at_once(cast):
    patient = PatientFactory(caregiver=cast.caregiver_a)
    product = tbe_product("Vaccin Före")
    client = client_for(cast.alice)
    html, _ = page(client, patient)
    assert f'<option value="{product.pk}">Vaccin Före (TBE)</option>' in product_select(html)
    again, sql = page(client, patient)
    assert product_select(again) == product_select(html)
    assert not any(PRODUCTS in q for q in sql), sql  # the list came from the cached form

    # A maintainer renames the product (a new catalogue version): the next page view shows the new name.
    form = ProductForm(form_data(name="Vaccin Efter", diseases=["tbe"]), product=product)
    assert form.is_valid(), form.errors
    product_save(product=product, data=form.cleaned_data, source="screen")
    renamed, _ = page(client, patient)
    assert "Vaccin Efter" in product_select(renamed)
    assert "Vaccin Före" not in renamed

    # A product added to the catalogue is offered at once too.
    added = tbe_product("Nytt vaccin")
    html, sql = page(client, patient)
    assert f'<option value="{added.pk}">Nytt vaccin (TBE)</option>' in product_select(html)
    assert any(PRODUCTS in q for q in sql)


def test_the_cached_form_is_kept_per_language(cast):
    patient = PatientFactory(caregiver=cast.caregiver_a)
    tbe_product()
    client = client_for(cast.alice)
    swedish, _ = page(client, patient)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english, _ = page(client, patient)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    swedish_again, _ = page(client, patient)
    assert '<label for="id_place">Var (vårdgivare, land):</label>' in swedish
    assert '<label for="id_place">Where (care provider, country):</label>' in english
    assert "Var (vårdgivare, land)" not in english
    assert product_select(swedish_again) == product_select(swedish)


def test_without_the_cache_every_page_reads_the_catalogue(cast, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }
    patient = PatientFactory(caregiver=cast.caregiver_a)
    product = tbe_product("Utan cache")
    client = client_for(cast.alice)
    for _ in range(2):
        html, sql = page(client, patient)
        assert f'<option value="{product.pk}">Utan cache (TBE)</option>' in product_select(html)
        assert sum(PRODUCTS in q for q in sql) == 1
    product.name = "Utan cache, ändrad"
    product.save()
    html, _ = page(client, patient)
    assert "Utan cache, ändrad (TBE)" in product_select(html)


def test_an_entry_made_under_an_older_generation_is_never_read_again(cast):
    answers = iter(["first", "second"])
    assert catalogue_cache.cached(("probe",), lambda: next(answers)) == "first"
    assert catalogue_cache.cached(("probe",), lambda: "not asked") == "first"
    catalogue_cache.forget()  # what every change to a product does
    assert catalogue_cache.cached(("probe",), lambda: next(answers)) == "second"


def test_a_clinic_staff_page_without_the_vaccination_right_has_no_elsewhere_form(cast):
    patient = PatientFactory(caregiver=cast.caregiver_a)
    html, sql = page(client_for(cast.clinic_a), patient)
    assert 'name="product_text"' not in html
    assert not any(PRODUCTS in q for q in sql)
