"""What booking and billing build on: visit_open and the visit URL, signal badges, dose-form parts, signals."""

import pytest
from django.http import HttpResponse
from django.urls import clear_url_caches, path, reverse

from journal import extensions, services, signals
from journal.models import Visit
from mittvaccin import urls as project_urls
from tests.conftest import client_for
from tests.journal.factories import dose_post, ready_visit

pytestmark = pytest.mark.django_db


def test_check_in_opens_a_visit_and_lands_on_the_vaccination_screen(cast, patient_a):
    visit = services.visit_open(patient=patient_a, unit=cast.unit_a, user=cast.alice, booking_id=4711)
    again = services.visit_open(patient=patient_a, unit=cast.unit_a, user=cast.alice, booking_id=4711)
    assert again == visit
    url = reverse("journal:visit", kwargs={"patient_id": patient_a.pk, "visit_id": visit.pk})
    page = client_for(cast.alice).get(url)
    assert page.status_code == 200
    assert "Bokat besök" in page.content.decode()


def test_walk_in_visit_starts_at_the_nurses_current_unit(cast, patient_a):
    client = client_for(cast.alice, unit=cast.unit_a_no_payment)
    response = client.post(reverse("journal:visit_start", args=[patient_a.pk]))
    visit = Visit.objects.get(patient=patient_a)
    assert visit.unit == cast.unit_a_no_payment
    assert visit.started_by == cast.alice
    assert response.url == reverse("journal:visit", args=[patient_a.pk, visit.pk])
    assert client.get(reverse("journal:visit_start", args=[patient_a.pk])).status_code == 405
    assert (
        client_for(cast.clinic_a).post(reverse("journal:visit_start", args=[patient_a.pk])).status_code == 403
    )


def test_visit_of_another_patient_is_not_found(cast, patient_a):
    ready = ready_visit(cast)
    url = reverse("journal:visit", args=[patient_a.pk, ready.visit.pk])
    assert client_for(cast.alice).get(url).status_code == 404


def part_view(request):
    return HttpResponse('<select name="billing-campaign"><option value="1">Kampanj</option></select>')


def test_dose_form_renders_each_registered_part_inside_the_form(cast):
    project_urls.urlpatterns.append(path("test-billing-part/", part_view, name="test_billing_part"))
    clear_url_caches()
    extensions.register_dose_form_part("test_billing_part")
    try:
        ready = ready_visit(cast)
        page = (
            client_for(cast.alice)
            .get(reverse("journal:visit", args=[ready.patient.pk, ready.visit.pk]))
            .content.decode()
        )
    finally:
        extensions._DOSE_FORM_PARTS.remove("test_billing_part")
        project_urls.urlpatterns.pop()
        clear_url_caches()
    form = page.split('data-testid="dose-form"')[1].split("</form>")[0]
    expected = (
        f'<div class="dose-form-part" hx-get="/test-billing-part/?patient={ready.patient.pk}&visit={ready.visit.pk}" '
        'hx-trigger="load, change from:closest form" hx-include="closest form" hx-target="this" hx-swap="innerHTML">'
    )
    assert expected in form
    assert "Pris och kampanj hämtas" in form


def test_journal_signals_exist_for_billing():
    assert isinstance(signals.vaccination_registered, signals.django.dispatch.Signal)
    assert isinstance(signals.vaccination_entered_in_error, signals.django.dispatch.Signal)


def test_after_a_dose_the_panel_does_not_offer_the_same_series_again_by_default(cast):
    ready = ready_visit(cast)
    client = client_for(cast.alice)
    url = reverse("journal:visit", args=[ready.patient.pk, ready.visit.pk])
    client.post(reverse("journal:visit_dose", args=[ready.patient.pk, ready.visit.pk]), dose_post(ready))
    page = client.get(url).content.decode()
    assert 'data-testid="dose-done"' in page
    assert 'data-testid="dose-form"' not in page
    again = client.get(url + f"?panel=dose&ytterligare=1&order={ready.order.pk}", HTTP_HX_REQUEST="true")
    assert 'data-testid="dose-form"' in again.content.decode()
