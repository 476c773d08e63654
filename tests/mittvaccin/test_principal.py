"""The signed-in request's account, caregiver and units come from one cache read (mittvaccin.principal).

The cache must never outlive a change made on the administration screens (rights, active flag, units,
the caregiver's name), and a cache that cannot be reached must not stop anyone working.
"""

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mittvaccin.middleware import SESSION_UNIT
from mittvaccin.rights import Right
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

# A Redis no one listens on: every cache call fails at once with a connection error.
UNREACHABLE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",
    }
}


def queries_of(client, path) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def touches(queries, table) -> list[str]:
    return [sql for sql in queries if f'"{table}"' in sql]


def test_signed_in_request_reads_account_caregiver_and_unit_without_a_query(cast):
    client = client_for(cast.alice)
    client.get("/ping")  # the first request fills the cache
    queries = queries_of(client, "/ping")
    assert touches(queries, "mittvaccin_user") == []
    assert touches(queries, "mittvaccin_caregiver") == []
    assert touches(queries, "mittvaccin_unit") == []


def test_page_header_lists_units_without_a_query_of_its_own(cast):
    client = client_for(cast.alice)
    client.get(reverse("home"))
    queries = queries_of(client, reverse("home"))
    assert touches(queries, "mittvaccin_unit") == []
    html = client.get(reverse("home")).content.decode()
    assert cast.unit_a.name in html and cast.unit_a_no_payment.name in html
    assert cast.unit_b.name not in html  # R4: another caregiver's unit is never offered


def test_rights_changed_by_the_administrator_apply_to_the_next_request(cast):
    alice, admin = client_for(cast.alice), client_for(cast.admin_a)
    staff_page = reverse("staff")
    assert alice.get(staff_page).status_code == 403

    def save_rights(rights):
        response = admin.post(
            reverse("staff_edit", args=[cast.alice.pk]),
            {
                "first_name": cast.alice.first_name,
                "last_name": cast.alice.last_name,
                "email": cast.alice.email,
                "profession": cast.alice.profession,
                "default_unit": cast.alice.default_unit_id,
                "rights": rights,
                "is_active": "on",
            },
        )
        assert response.status_code == 302

    save_rights([*cast.alice.rights, Right.CAREGIVER_ADMINISTER])
    assert alice.get(staff_page).status_code == 200
    save_rights(cast.alice.rights)
    assert alice.get(staff_page).status_code == 403


def test_an_account_deactivated_by_the_administrator_is_signed_out_at_once(cast):
    alice = client_for(cast.alice)
    assert alice.get(reverse("home")).status_code == 200
    cast.alice.is_active = False
    cast.alice.save()
    response = alice.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_deactivated_unit_leaves_the_header_and_the_user_moves_to_another(cast):
    alice = client_for(cast.alice, unit=cast.unit_a_no_payment)
    assert alice.get(reverse("home")).status_code == 200
    assert alice.session[SESSION_UNIT] == cast.unit_a_no_payment.pk
    cast.unit_a_no_payment.is_active = False
    cast.unit_a_no_payment.save()
    html = alice.get(reverse("home")).content.decode()
    assert cast.unit_a_no_payment.name not in html
    assert alice.session[SESSION_UNIT] == cast.unit_a.pk


def test_a_unit_changed_by_the_administrator_shows_at_once(cast):
    alice = client_for(cast.alice)
    alice.get(reverse("home"))
    cast.unit_a.name = "Nytt namn på mottagningen"
    cast.unit_a.save()
    assert "Nytt namn på mottagningen" in alice.get(reverse("home")).content.decode()


def test_a_renamed_caregiver_shows_at_once(cast):
    alice = client_for(cast.alice)
    alice.get(reverse("home"))
    cast.caregiver_a.name = "Region A (nytt namn)"
    cast.caregiver_a.save()
    assert "Region A (nytt namn)" in alice.get(reverse("home")).content.decode()


@override_settings(CACHES=UNREACHABLE_CACHE, SESSION_ENGINE="django.contrib.sessions.backends.db")
def test_an_unreachable_cache_falls_back_to_the_database(cast, patient_a):
    alice = client_for(cast.alice)
    queries = queries_of(alice, "/ping")
    assert touches(queries, "mittvaccin_user")  # read from the database instead
    response = alice.get(reverse("journal:patient", args=[patient_a.pk]))
    assert response.status_code == 200
    assert cast.unit_a.name in response.content.decode()
    # A change saved while the cache is unreachable is not refused for it.
    cast.alice.first_name = "Alicia"
    cast.alice.save()
    assert "Alicia" in alice.get(reverse("home")).content.decode()


def test_anonymous_request_reads_no_account(cast):
    queries = queries_of(Client(), "/ping")
    assert queries == []
