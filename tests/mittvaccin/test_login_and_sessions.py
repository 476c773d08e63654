"""Login, the unit a user works at, and the session lifetime (30 minutes idle, 12 hours at most)."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from mittvaccin.middleware import SESSION_UNIT
from tests.conftest import client_for
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def login(client: Client, username: str, password: str = TEST_PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password}, follow=True)


def test_r4_staff_log_in_to_their_own_caregiver(cast):
    client = Client()
    response = login(client, "alice")
    assert response.status_code == 200
    html = response.content.decode()
    assert cast.caregiver_a.name in html
    assert cast.caregiver_b.name not in html
    assert cast.unit_a.name in html
    assert "Alice" in html


def test_wrong_password_gets_a_clear_message_and_no_session(cast):
    client = Client()
    response = login(client, "alice", "wrong-password")
    assert "Fel användarnamn eller lösenord" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_ended_employment_cannot_log_in(cast):
    cast.alice.is_active = False
    cast.alice.save()
    response = login(Client(), "alice")
    assert "Fel användarnamn eller lösenord" in response.content.decode()


def test_anonymous_visitors_are_sent_to_login(cast, patient_a):
    response = Client().get(reverse("journal:patient", args=[patient_a.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_repeated_failed_logins_lock_the_account_for_a_while(cast):
    client = Client()
    for _ in range(5):
        login(client, "alice", "wrong-password")
    response = login(client, "alice")  # the right password no longer helps
    assert "För många misslyckade inloggningar" in response.content.decode()


def test_the_header_shows_caregiver_unit_user_and_logout(cast):
    html = client_for(cast.alice).get("/").content.decode()
    for text in (cast.caregiver_a.name, cast.unit_a.name, "Alice", "Logga ut", 'role="search"'):
        assert text in html


def test_user_switches_unit_within_own_caregiver(cast):
    client = client_for(cast.alice)
    response = client.post(
        reverse("unit_switch"), {"unit": cast.unit_a_no_payment.pk, "next": "/"}, follow=True
    )
    assert response.status_code == 200
    assert client.session[SESSION_UNIT] == cast.unit_a_no_payment.pk
    assert "Du arbetar nu på Vaccinationsmottagningen A2" in response.content.decode()


def test_r4_user_cannot_switch_to_another_caregivers_unit(cast):
    client = client_for(cast.alice)
    response = client.post(reverse("unit_switch"), {"unit": cast.unit_b.pk})
    assert response.status_code == 404
    assert client.session[SESSION_UNIT] == cast.unit_a.pk


def test_unit_switch_ignores_a_foreign_next_url(cast):
    response = client_for(cast.alice).post(
        reverse("unit_switch"), {"unit": cast.unit_a.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_unit_switch_with_garbage_is_a_404_not_a_500(cast):
    response = client_for(cast.alice).post(reverse("unit_switch"), {"unit": "x'; drop"})
    assert response.status_code == 404


def test_session_ends_after_30_minutes_idle(cast):
    start = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = Client()
        login(client, "alice")
        clock.shift(dt.timedelta(minutes=29))
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=29))  # active 29 minutes ago: still in
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        response = client.get("/", follow=True)
        assert "sessionen gick ut" in response.content.decode()
        assert "_auth_user_id" not in client.session


def test_session_ends_after_12_hours_even_when_active(cast):
    start = dt.datetime(2026, 11, 25, 6, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = Client()
        login(client, "alice")
        for _ in range(12 * 3 + 1):  # a request every 20 minutes for just over 12 hours
            clock.shift(dt.timedelta(minutes=20))
            last = client.get("/")
        assert last.status_code == 302
        assert last["Location"].startswith(reverse("login"))


def test_an_expired_session_answers_htmx_with_a_redirect_header(cast):
    start = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = Client()
        login(client, "alice")
        clock.shift(dt.timedelta(minutes=45))
        response = client.get("/patienter/sok/?q=berg", HTTP_HX_REQUEST="true")
        assert response["HX-Redirect"].startswith(reverse("login"))


def test_a_form_posted_after_logout_gets_a_clear_page_not_an_error(cast):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("unit_switch"), {"unit": cast.unit_a.pk})
    assert response.status_code == 403
    assert "Formuläret har gått ut" in response.content.decode()
    client.force_login(cast.alice)
    response = client.post(reverse("unit_switch"), {"unit": cast.unit_a.pk})
    assert response.status_code == 403
    assert "Formuläret har gått ut" in response.content.decode()


def test_interface_is_swedish_even_when_the_browser_asks_for_english(cast):
    response = client_for(cast.alice).get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "sv"
    assert "Logga ut" in response.content.decode()


def test_ping_and_health_answer_without_login(db):
    assert Client().get("/ping").content == b"ok"
    health = Client().get("/healthz").json()
    assert health == {"ok": True, "degraded": False, "database": True, "redis": True}


def test_session_expired_on_a_form_post_returns_to_the_page_the_form_was_on(cast, patient_a):
    patient_page = reverse("journal:patient", args=[patient_a.pk])
    form_address = reverse("journal:vaccination_elsewhere", args=[patient_a.pk])
    start = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = Client()
        login(client, "alice")
        clock.shift(dt.timedelta(minutes=45))
        response = client.post(
            form_address, {"place": "Bangkok"}, HTTP_REFERER=f"http://testserver{patient_page}"
        )
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={patient_page}"
        back_in = client.post(
            response["Location"], {"username": "alice", "password": TEST_PASSWORD, "next": patient_page}
        )
        assert back_in["Location"] == patient_page


def test_session_expiry_keeps_every_query_parameter_of_the_page(cast):
    start = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = Client()
        login(client, "alice")
        clock.shift(dt.timedelta(minutes=45))
        response = client.get("/patienter/sok/?q=berg&sida=2")
        assert response["Location"] == f"{reverse('login')}?next=/patienter/sok/%3Fq%3Dberg%26sida%3D2"


def test_opening_a_form_only_address_shows_a_page_with_a_way_on(cast, patient_a):
    patient_page = reverse("journal:patient", args=[patient_a.pk])
    form_address = reverse("journal:vaccination_elsewhere", args=[patient_a.pk])
    client = client_for(cast.alice)
    response = client.get(form_address, HTTP_REFERER=f"http://testserver{patient_page}")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    html = response.content.decode()
    assert "kan inte öppnas direkt" in html
    assert f'href="{patient_page}"' in html
    assert 'href="/"' in html
    foreign = client.get(form_address, HTTP_REFERER="https://evil.example/phish")
    assert "evil.example" not in foreign.content.decode()
    # Reached without a page to go back to (a bookmark, or the unit switch sending back to the address
    # itself): the nearest page above it, here the patient's.
    for referer in ({}, {"HTTP_REFERER": f"http://testserver{form_address}"}):
        assert f'href="{patient_page}"' in client.get(form_address, **referer).content.decode()
