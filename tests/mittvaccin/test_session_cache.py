"""A signed-in request reads its session and its account without a query (mittvaccin.sessions and
mittvaccin.principal), and everything that ends a session or changes what it may do still holds at once.
"""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from mittvaccin import services
from mittvaccin.sessions import SESSION_CACHE_SECONDS, SessionStore
from tests.conftest import client_for
from tests.factories import TEST_PASSWORD
from tests.mittvaccin.test_principal import UNREACHABLE_CACHE, queries_of

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return client


def test_a_signed_in_ping_makes_no_query(cast):
    client = client_for(cast.alice)
    client.get("/ping")  # the first request fills the caches
    assert queries_of(client, "/ping") == []


def test_a_page_reads_neither_the_session_nor_the_second_factor_from_the_database(cast):
    client = client_for(cast.alice)
    client.get(reverse("home"))
    sql = " ".join(queries_of(client, reverse("home")))
    assert '"django_session"' not in sql
    assert '"otp_totp_totpdevice"' not in sql and '"otp_static_staticdevice"' not in sql


def test_the_cached_copy_of_a_session_lives_a_minute_at_most(cast):
    client = signed_in("alice")
    client.get(reverse("home"))
    store = SessionStore(client.cookies[settings.SESSION_COOKIE_NAME].value)
    assert cache.get(store.cache_key) is not None
    assert 0 < cache.ttl(store.cache_key) <= SESSION_CACHE_SECONDS
    # The database row is the session: it lives the session's whole age.
    assert Session.objects.filter(session_key=store.session_key).exists()


def test_signing_out_ends_the_session_although_a_copy_was_cached(cast):
    client = signed_in("alice")
    assert client.get(reverse("home")).status_code == 200
    old_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("logout"))
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_cookie
    response = replay.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Session.objects.filter(session_key=old_cookie).exists()


def test_a_password_set_by_the_administrator_ends_the_other_sessions_at_once(cast):
    client = signed_in("alice")
    assert client.get(reverse("home")).status_code == 200
    services.staff_password_set(user=cast.alice, password="ett-nytt-losenord-1", by=cast.admin_a)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_second_factor_enrolled_in_another_session_is_asked_for_at_once(cast):
    client = signed_in("alice")
    assert client.get(reverse("home")).status_code == 200  # the account is cached without a device
    TOTPDevice.objects.create(user=cast.alice, name="Telefon", confirmed=True)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_second_factor")


@override_settings(CACHES=UNREACHABLE_CACHE)
def test_sessions_work_from_the_database_while_the_cache_is_unreachable(cast, patient_a):
    client = signed_in("alice")
    sql = " ".join(queries_of(client, reverse("journal:patient", args=[patient_a.pk])))
    assert '"django_session"' in sql  # read from the database instead
    old_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("logout"))
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_cookie
    assert replay.get(reverse("home")).status_code == 302
