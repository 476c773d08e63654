"""Password sign-in with a second factor, recovery codes, the administrator's reset, a password of
one's own at the first sign-in, and the sign-in events kept for review (issue 13)."""

import datetime as dt

import pytest
import time_machine
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from mittvaccin.models import SignInEvent, User
from tests.conftest import client_for
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def password_login(client, username, password=TEST_PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def enrol(client, user) -> TOTPDevice:
    client.get(reverse("account_second_factor_enrol"))
    device = TOTPDevice.objects.get(user=user)
    response = client.post(reverse("account_second_factor_enrol"), {"code": code_for(device)})
    assert response.status_code == 200
    assert "Reservkoder" in response.content.decode()
    device.refresh_from_db()
    return device


def test_a_caregiver_that_requires_a_second_factor_sends_a_password_sign_in_to_enrol(cast, patient_a):
    cast.caregiver_a.require_second_factor = True
    cast.caregiver_a.save()
    client = Client()
    response = password_login(client, "alice")
    assert response.status_code == 302
    # No journal page before the second factor is set up.
    page = client.get(reverse("journal:patient", args=[patient_a.pk]))
    assert page.status_code == 302
    assert page["Location"] == reverse("account_second_factor_enrol")
    device = enrol(client, cast.alice)
    assert device.confirmed
    assert client.get(reverse("journal:patient", args=[patient_a.pk])).status_code == 200
    assert SignInEvent.objects.filter(kind="second_factor_enrolled", user=cast.alice).exists()


def test_second_factor_failure_is_logged_and_the_code_then_lets_in(cast):
    client = client_for(cast.alice)
    device = enrol(client, cast.alice)
    fresh = Client()
    password_login(fresh, "alice")
    assert fresh.get(reverse("home"))["Location"].startswith(reverse("account_second_factor"))
    refused = fresh.post(reverse("account_second_factor"), {"code": "000000"})
    assert refused.status_code == 422
    assert "Koden stämmer inte" in refused.content.decode()
    event = SignInEvent.objects.get(kind="second_factor_failed")
    assert event.user == cast.alice
    assert event.caregiver == cast.caregiver_a
    # django-otp throttles after a failure and never takes the enrolment's code twice: a minute
    # later, with the throttle's delay passed, the app's next code lets in.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=90)):
        device.refresh_from_db()
        ok = fresh.post(reverse("account_second_factor"), {"code": code_for(device)})
        assert ok.status_code == 302
        assert fresh.get(reverse("home")).status_code == 200


def test_a_recovery_code_works_once(cast):
    client = client_for(cast.alice)
    enrol(client, cast.alice)
    code = StaticToken.objects.filter(device__user=cast.alice).first().token
    first = Client()
    password_login(first, "alice")
    assert first.post(reverse("account_second_factor"), {"code": code.upper()}).status_code == 302
    assert SignInEvent.objects.filter(kind="recovery_code_used", user=cast.alice).exists()
    second = Client()
    password_login(second, "alice")
    assert second.post(reverse("account_second_factor"), {"code": code}).status_code == 422


def test_the_administrator_resets_a_lost_second_factor(cast, admin_client_a):
    enrol(client_for(cast.alice), cast.alice)
    response = admin_client_a.post(reverse("staff_second_factor_reset", args=[cast.alice.pk]))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=cast.alice).exists()
    event = SignInEvent.objects.get(kind="second_factor_reset")
    assert (event.user, event.by) == (cast.alice, cast.admin_a)
    # Without a requirement, the password alone signs in again.
    client = Client()
    password_login(client, "alice")
    assert client.get(reverse("home")).status_code == 200


def test_only_an_administrator_of_the_same_caregiver_resets(cast, alice_client, charlie_client):
    enrol(client_for(cast.bob), cast.bob)
    assert alice_client.post(reverse("staff_second_factor_reset", args=[cast.bob.pk])).status_code == 403
    assert charlie_client.post(reverse("staff_second_factor_reset", args=[cast.bob.pk])).status_code == 404
    assert TOTPDevice.objects.filter(user=cast.bob, confirmed=True).exists()


def test_the_administrator_turns_the_requirement_on(cast, admin_client_a):
    admin_client_a.post(reverse("caregiver_security"), {"require_second_factor": "on"})
    cast.caregiver_a.refresh_from_db()
    assert cast.caregiver_a.require_second_factor
    cast.caregiver_b.refresh_from_db()
    assert not cast.caregiver_b.require_second_factor


def test_a_locked_out_account_is_logged(cast):
    client = Client()
    for _ in range(5):
        password_login(client, "alice", "wrong-password")
    password_login(client, "alice")
    # django-axes signals the lockout at the failure that locks and at each attempt while locked.
    event = SignInEvent.objects.filter(kind="locked_out").first()
    assert event is not None
    assert event.username == "alice"
    assert event.user == cast.alice
    assert event.caregiver == cast.caregiver_a


def test_sign_in_events_are_append_only(cast):

    event = SignInEvent.objects.create(kind="locked_out", username="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        SignInEvent.objects.filter(pk=event.pk).update(username="y")
    with pytest.raises(DatabaseError), transaction.atomic():
        SignInEvent.objects.filter(pk=event.pk).delete()


def test_a_new_account_sets_its_own_password_at_first_sign_in(cast, admin_client_a):
    data = {
        "username": "nyanna",
        "password": "admin-chose-this-42",
        "first_name": "Ny",
        "last_name": "Sköterska",
        "email": "ny@example.se",
        "profession": "nurse",
        "default_unit": cast.unit_a.pk,
        "is_active": "on",
    }
    assert admin_client_a.post(reverse("staff_create"), data).status_code == 302
    client = Client()
    password_login(client, "nyanna", "admin-chose-this-42")
    assert client.get(reverse("home"))["Location"] == reverse("account_password_first")
    weak = client.post(reverse("account_password_first"), {"new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 422
    ok = client.post(
        reverse("account_password_first"),
        {"new_password1": "my-own-secret-77", "new_password2": "my-own-secret-77"},
    )
    assert ok.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    account = User.objects.get(username="nyanna")
    assert not account.must_change_password
    assert account.check_password("my-own-secret-77")
    assert SignInEvent.objects.filter(kind="password_changed", user=account).exists()


def test_a_password_the_administrator_resets_is_replaced_at_next_sign_in(cast, admin_client_a):
    admin_client_a.post(
        reverse("staff_password", args=[cast.alice.pk]), {"new_password": "temporary-pass-99"}
    )
    cast.alice.refresh_from_db()
    assert cast.alice.must_change_password


def test_everyone_changes_their_own_password(cast, bob_client):
    response = bob_client.post(
        reverse("account"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "bobs-new-secret-1",
            "new_password2": "bobs-new-secret-1",
        },
    )
    assert response.status_code == 302
    cast.bob.refresh_from_db()
    assert cast.bob.check_password("bobs-new-secret-1")
    # The session that changed it stays signed in.
    assert bob_client.get(reverse("home")).status_code == 200
    wrong = bob_client.post(
        reverse("account"), {"old_password": "nope", "new_password1": "x" * 12, "new_password2": "x" * 12}
    )
    assert wrong.status_code == 422


def test_the_account_page_is_in_the_menu(cast, alice_client):
    html = alice_client.get(reverse("home")).content.decode()
    assert reverse("account") in html
