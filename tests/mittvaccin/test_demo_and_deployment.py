"""Demo data, and the deployment files that cannot run here (no container engine on this machine)."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F

from journal.identity import parse_identity
from journal.models import Batch, Patient, Vaccination, VaccineProduct, Visit
from mittvaccin.demo import DEMO_LOGINS
from mittvaccin.models import Caregiver, Unit, User

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_demo_data_loads_and_is_safe_to_run_again():
    call_command("demo_data", verbosity=0)
    counts = (Caregiver.objects.count(), Unit.objects.count(), User.objects.count(), Patient.objects.count())
    call_command("demo_data", verbosity=0)
    assert counts == (
        Caregiver.objects.count(),
        Unit.objects.count(),
        User.objects.count(),
        Patient.objects.count(),
    )

    varmland = Caregiver.objects.get(name="Region Värmland")
    units = {u.slug: u for u in varmland.units.all()}
    assert units["karlstad"].has_timebook and units["karlstad"].has_invoicing
    assert units["arvika"].vaccination_main_activity and not units["arvika"].has_invoicing
    assert units["kronoparken"].kind == "health_centre" and not units["kronoparken"].has_timebook

    for login in DEMO_LOGINS:
        assert User.objects.filter(username=login.username).exists()
    assert User.objects.exclude(caregiver=varmland).exists()
    assert Patient.objects.exclude(caregiver=varmland).exists()

    patients = Patient.objects.filter(caregiver=varmland)
    assert 45 <= patients.count() <= 60
    assert patients.filter(protected_identity=True).exists()
    assert patients.filter(identity_kind="samordningsnummer").exists()
    ages = sorted(p.age() for p in patients)
    assert ages[0] < 18 and ages[-1] >= 80
    for patient in patients:
        # Every demo number is valid, and in the test series (birth numbers 980–999).
        assert parse_identity(patient.identity_number).value == patient.identity_number
        assert 980 <= int(patient.identity_number[8:11]) <= 999

    diseases = set(VaccineProduct.objects.values_list("disease", flat=True))
    for disease in (
        "TBE",
        "Hepatit A",
        "Hepatit B",
        "Hepatit A+B",
        "Influensa",
        "Pneumokocker",
        "HPV",
        "Gula febern",
        "Japansk encefalit",
        "Rabies",
        "COVID-19",
    ):
        assert disease in diseases
    assert any(d.startswith("MPR") for d in diseases)
    assert any(batch.is_expired() for batch in Batch.objects.filter(caregiver=varmland))
    # No demo patient was vaccinated or visited before they were born.
    assert Vaccination.objects.filter(patient__caregiver=varmland).exists()
    assert not Vaccination.objects.filter(given_at__date__lt=F("patient__birth_date")).exists()
    assert not Visit.objects.filter(started_at__date__lt=F("patient__birth_date")).exists()


def test_demo_data_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    settings.TESTING = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG off"):
        call_command("demo_data")


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_defines_the_production_services():
    services = compose()["services"]
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    assert "gunicorn" in " ".join(services["web"]["command"])
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    for name in ("web", "worker", "beat"):
        assert services[name]["build"] == "." or services[name].get("image")


def test_compose_passes_every_variable_the_settings_read():
    services = compose()["services"]
    running = set(settings.ENVIRONMENT_VARIABLES) - set(settings.MIGRATE_ONLY_VARIABLES)
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert set(environment) == running, name
    assert set(services["migrate"]["environment"]) == set(settings.ENVIRONMENT_VARIABLES)


def test_compose_runs_web_worker_and_beat_as_the_application_role_and_migrations_as_the_owner():
    services = compose()["services"]
    app_url = services["web"]["environment"]["DATABASE_URL"]
    owner_url = services["migrate"]["environment"]["DATABASE_OWNER_URL"]
    assert app_url.startswith("postgres://mittvaccin_app:")
    assert owner_url.startswith("postgres://mittvaccin_owner:")
    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["DATABASE_URL"] == app_url
        assert "DATABASE_OWNER_URL" not in services[name]["environment"]
    assert services["dbroles"]["command"] == ["python", "-m", "mittvaccin.dbroles"]
    assert services["dbroles"]["environment"]["DATABASE_OWNER_URL"] == owner_url
    assert services["migrate"]["depends_on"]["dbroles"]["condition"] == "service_completed_successfully"
    # The superuser of the image is not the application's.
    assert "mittvaccin" not in services["postgres"]["environment"]["POSTGRES_USER"]


def test_readme_documents_every_variable_and_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    for variable in settings.ENVIRONMENT_VARIABLES:
        assert f"`{variable}`" in readme, variable
    quick_start = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = [line.strip() for line in quick_start.splitlines() if line.strip().startswith("make ")]
    assert commands == ["make run", "make test"]


def test_dockerfile_and_ci_script_exist_and_do_what_they_say():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "uv sync --frozen" in dockerfile and "gunicorn" in dockerfile
    ci = (ROOT / ".ci" / "run").read_text()
    assert "chromium" in ci and "make test" in ci


@pytest.mark.django_db
def test_a_fresh_installation_gets_its_first_caregiver_and_administrator():
    call_command(
        "caregiver_create",
        "Region Exempel",
        "212000-1835",
        unit="Mottagningen",
        unit_slug="exempel",
        admin="forsta",
        admin_name="Karin Ek",
        password="ett-bra-lösenord-42",
        stdout=io.StringIO(),
    )
    admin = User.objects.get(username="forsta")
    assert admin.caregiver.name == "Region Exempel"
    assert admin.has_right("caregiver_administer")
    assert admin.check_password("ett-bra-lösenord-42")


@pytest.mark.django_db
def test_first_caregiver_with_a_bad_organisation_number_is_refused_cleanly():
    with pytest.raises(CommandError, match="organisationsnummer"):
        call_command(
            "caregiver_create", "X", "212000-1836", unit="U", unit_slug="u", admin="a", password="x" * 12
        )
    assert not Caregiver.objects.filter(name="X").exists()


def test_production_settings_pass_the_deployment_checks():
    # A production environment: nothing the browser tests set for themselves.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **env,
        "DJANGO_SECRET_KEY": "a-long-random-production-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "vaccin.example.se",
        "MITTVACCIN_TESTING": "0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
