"""Rights are explicit per account; the caregiver administrator manages units and staff."""

import pytest
from django.db import IntegrityError
from django.urls import reverse

from mittvaccin.models import Unit, User
from mittvaccin.rights import DEFAULT_RIGHTS, Profession, Right
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_rights_come_from_the_account_not_the_title(cast):
    nurse = cast.alice
    assert not nurse.has_right(Right.VACCINE_ORDER)
    nurse.rights = [*nurse.rights, Right.VACCINE_ORDER]
    nurse.save()
    assert User.objects.get(pk=nurse.pk).has_right(Right.VACCINE_ORDER)
    physician = cast.bob
    physician.rights = [Right.JOURNAL_READ]
    physician.save()
    assert not User.objects.get(pk=physician.pk).has_right(Right.VACCINE_ORDER)


def test_default_rights_by_profession():
    assert Right.VACCINE_ORDER in DEFAULT_RIGHTS[Profession.PHYSICIAN]
    assert Right.VACCINE_ORDER not in DEFAULT_RIGHTS[Profession.NURSE]
    assert Right.ASSESSMENT_WRITE in DEFAULT_RIGHTS[Profession.PHYSICIAN]
    # Clinic staff review invoicing and see no clinical notes.
    assert Right.INVOICING_REVIEW in DEFAULT_RIGHTS[Profession.CLINIC_STAFF]
    assert Right.JOURNAL_READ not in DEFAULT_RIGHTS[Profession.CLINIC_STAFF]
    assert Right.CAREGIVER_ADMINISTER in DEFAULT_RIGHTS[Profession.ADMINISTRATOR]


def test_inactive_account_has_no_rights(cast):
    cast.bob.is_active = False
    assert not cast.bob.has_right(Right.VACCINE_ORDER)


def test_database_refuses_an_unknown_right(cast):
    with pytest.raises(IntegrityError):
        User.objects.filter(pk=cast.alice.pk).update(rights=["root"])


@pytest.mark.parametrize("url_name", ["units", "staff", "staff_create", "unit_create", "journal:access_log"])
def test_only_administrators_reach_administration(cast, url_name):
    assert client_for(cast.alice).get(reverse(url_name)).status_code == 403
    assert client_for(cast.clinic_a).get(reverse(url_name)).status_code == 403
    assert client_for(cast.admin_a).get(reverse(url_name)).status_code == 200


def test_navigation_follows_rights(cast):
    nurse_nav = client_for(cast.alice).get("/").content.decode()
    admin_nav = client_for(cast.admin_a).get("/").content.decode()
    assert "Loggkontroll" not in nurse_nav
    assert "Loggkontroll" in admin_nav
    assert "Personal" in admin_nav
    assert "Enheter" in admin_nav


def test_r5_unit_switches_and_what_they_mean(cast):
    assert cast.unit_a.has_timebook
    assert cast.unit_a.has_invoicing
    assert cast.unit_a_no_payment.has_timebook
    assert not cast.unit_a_no_payment.has_invoicing
    assert not cast.health_centre_a.has_timebook
    assert not cast.health_centre_a.has_invoicing
    cast.health_centre_a.timebook_enabled = True  # turned on, but vaccination is not the main activity
    assert not cast.health_centre_a.has_timebook


def test_r5_administrator_cannot_turn_on_timebook_where_vaccination_is_not_the_main_activity(cast):
    client = client_for(cast.admin_a)
    unit = cast.health_centre_a
    data = {
        "name": unit.name,
        "slug": unit.slug,
        "kind": unit.kind,
        "timebook_enabled": "on",
        "is_active": "on",
    }
    response = client.post(reverse("unit_edit", args=[unit.pk]), data)
    assert response.status_code == 200
    assert "bara slås på där vaccination är huvudverksamhet" in response.content.decode()
    unit.refresh_from_db()
    assert not unit.timebook_enabled


def test_administrator_enables_payment_solution(cast):
    unit = cast.unit_a_no_payment
    data = {
        "name": unit.name,
        "slug": unit.slug,
        "kind": unit.kind,
        "vaccination_main_activity": "on",
        "timebook_enabled": "on",
        "payment_solution_configured": "on",
        "is_active": "on",
    }
    response = client_for(cast.admin_a).post(reverse("unit_edit", args=[unit.pk]), data)
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.has_invoicing


def test_administrator_creates_a_unit(cast):
    data = {"name": "Nya mottagningen", "slug": "nya", "kind": "vaccination_clinic", "is_active": "on"}
    response = client_for(cast.admin_a).post(reverse("unit_create"), data)
    assert response.status_code == 302
    assert Unit.objects.get(slug="nya").caregiver == cast.caregiver_a


def test_administrator_creates_a_nurse_with_the_ordering_right(cast):
    data = {
        "username": "nyssk",
        "password": "ett-bra-lösenord-42",
        "first_name": "Ny",
        "last_name": "Sköterska",
        "email": "ny@example.invalid",
        "profession": Profession.NURSE,
        "default_unit": cast.unit_a.pk,
        "rights": [Right.JOURNAL_READ, Right.VACCINATION_REGISTER, Right.VACCINE_ORDER],
        "is_active": "on",
    }
    response = client_for(cast.admin_a).post(reverse("staff_create"), data)
    assert response.status_code == 302, response.content.decode()
    account = User.objects.get(username="nyssk")
    assert account.caregiver == cast.caregiver_a
    assert account.has_right(Right.VACCINE_ORDER)
    assert account.check_password("ett-bra-lösenord-42")


def test_new_account_without_chosen_rights_gets_the_professions_defaults(cast):
    data = {
        "username": "nylak",
        "password": "ett-bra-lösenord-42",
        "first_name": "Ny",
        "last_name": "Läkare",
        "email": "lak@example.invalid",
        "profession": Profession.PHYSICIAN,
        "is_active": "on",
    }
    client_for(cast.admin_a).post(reverse("staff_create"), data)
    assert User.objects.get(username="nylak").has_right(Right.VACCINE_ORDER)


def test_staff_form_refuses_a_weak_password_and_a_taken_username(cast):
    data = {
        "username": "ALICE",
        "password": "123",
        "first_name": "X",
        "last_name": "Y",
        "profession": "nurse",
    }
    response = client_for(cast.admin_a).post(reverse("staff_create"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Användarnamnet är upptaget" in html
    assert User.objects.filter(username__iexact="alice").count() == 1


def test_staff_form_cannot_give_a_unit_of_another_caregiver(cast):
    account = UserFactory(caregiver=cast.caregiver_a)
    data = {
        "first_name": "A",
        "last_name": "B",
        "email": "a@example.invalid",
        "profession": Profession.NURSE,
        "default_unit": cast.unit_b.pk,
        "is_active": "on",
    }
    response = client_for(cast.admin_a).post(reverse("staff_edit", args=[account.pk]), data)
    assert response.status_code == 200
    account.refresh_from_db()
    assert account.default_unit_id != cast.unit_b.pk


def test_administrator_cannot_remove_their_own_administration_right(cast):
    admin = cast.admin_a
    data = {
        "first_name": admin.first_name,
        "last_name": admin.last_name,
        "email": admin.email,
        "profession": admin.profession,
        "rights": [Right.TIMEBOOK_MANAGE],
        "is_active": "on",
    }
    response = client_for(admin).post(reverse("staff_edit", args=[admin.pk]), data)
    assert "egen administratörsbehörighet" in response.content.decode()
    admin.refresh_from_db()
    assert admin.has_right(Right.CAREGIVER_ADMINISTER)


def test_administrator_sets_a_new_password_for_an_account(cast):
    url = reverse("staff_password", args=[cast.alice.pk])
    response = client_for(cast.admin_a).post(url, {"new_password": "ett-nytt-lösenord-7"})
    assert response.status_code == 302
    cast.alice.refresh_from_db()
    assert cast.alice.check_password("ett-nytt-lösenord-7")


def test_a_weak_new_password_is_refused_with_the_reason(cast):
    url = reverse("staff_password", args=[cast.alice.pk])
    response = client_for(cast.admin_a).post(url, {"new_password": "12345"})
    assert response.status_code == 422
    assert "för kort" in response.content.decode()
    cast.alice.refresh_from_db()
    assert cast.alice.check_password("test-password-123")


def test_only_administrators_set_passwords(cast):
    url = reverse("staff_password", args=[cast.bob.pk])
    assert client_for(cast.alice).post(url, {"new_password": "ett-nytt-lösenord-7"}).status_code == 403
