"""Load the demo data: safe to run again (everything is looked up before it is created)."""

import importlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from mittvaccin.demo import DEMO_PASSWORD
from mittvaccin.models import Caregiver, Unit, UnitKind, User
from mittvaccin.rights import DEFAULT_RIGHTS, Profession, Right

# Apps load their part in dependency order; each has a `demo.py` with load(cast, stdout).
APP_LOADERS = ["journal", "booking", "residents", "billing"]


class Cast(dict):
    """What the loaders share: caregivers, units and staff by short name."""

    __getattr__ = dict.__getitem__


class Command(BaseCommand):
    help = "Loads the demo caregivers, units, staff, patients and catalogue (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production", action="store_true", help="Load even with DJANGO_DEBUG off."
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_production"] and not getattr(settings, "TESTING", False):
            raise CommandError("Demo data has known passwords; refusing with DJANGO_DEBUG off.")
        with transaction.atomic():
            cast = load_core()
            for app in APP_LOADERS:
                try:
                    module = importlib.import_module(f"{app}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app}.demo":
                        raise
                    continue
                module.load(cast, self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data in place."))


def load_core() -> Cast:
    varmland, _ = Caregiver.objects.get_or_create(
        organisation_number="232100-0156",
        defaults={
            "name": "Region Värmland",
            "address": "Rosenborgsgatan 10",
            "postal_code": "651 82",
            "city": "Karlstad",
            "phone": "054-61 50 00",
        },
    )
    norr, _ = Caregiver.objects.get_or_create(
        organisation_number="556677-8899",
        defaults={
            "name": "Vaccinkliniken Norr AB",
            "address": "Storgatan 1",
            "postal_code": "972 31",
            "city": "Luleå",
        },
    )
    units = {}
    for key, caregiver, fields in [
        (
            "karlstad",
            varmland,
            {
                "name": "Vaccinationsmottagningen Karlstad",
                "kind": UnitKind.VACCINATION_CLINIC,
                "vaccination_main_activity": True,
                "timebook_enabled": True,
                "payment_solution_configured": True,
                "address": "Drottninggatan 20",
                "postal_code": "652 25",
                "city": "Karlstad",
                "phone": "054-10 20 30",
            },
        ),
        (
            "arvika",
            varmland,
            {
                "name": "Vaccinationsmottagningen Arvika",
                "kind": UnitKind.VACCINATION_CLINIC,
                "vaccination_main_activity": True,
                "timebook_enabled": True,
                "payment_solution_configured": False,
                "address": "Kyrkogatan 5",
                "postal_code": "671 31",
                "city": "Arvika",
                "phone": "0570-70 80 90",
            },
        ),
        (
            "kronoparken",
            varmland,
            {
                "name": "Vårdcentralen Kronoparken",
                "kind": UnitKind.HEALTH_CENTRE,
                "vaccination_main_activity": False,
                "address": "Kronoparksgatan 2",
                "postal_code": "656 35",
                "city": "Karlstad",
                "phone": "054-50 60 70",
            },
        ),
        (
            "lulea",
            norr,
            {
                "name": "Vaccinkliniken Luleå",
                "kind": UnitKind.VACCINATION_CLINIC,
                "vaccination_main_activity": True,
                "timebook_enabled": True,
                "payment_solution_configured": True,
                "address": "Storgatan 1",
                "postal_code": "972 31",
                "city": "Luleå",
            },
        ),
    ]:
        units[key], _ = Unit.objects.get_or_create(slug=key, defaults={"caregiver": caregiver, **fields})

    staff = {}
    for username, caregiver, first, last, profession, unit, extra in [
        ("anna", varmland, "Anna", "Nilsson", Profession.NURSE, "karlstad", []),
        ("lars", varmland, "Lars", "Berglund", Profession.PHYSICIAN, "karlstad", []),
        ("sofia", varmland, "Sofia", "Lindqvist", Profession.NURSE, "arvika", [Right.VACCINE_ORDER]),
        ("maria", varmland, "Maria", "Holm", Profession.CLINIC_STAFF, "karlstad", []),
        ("admin", varmland, "Karin", "Ek", Profession.ADMINISTRATOR, "karlstad", []),
        ("nils", norr, "Nils", "Öberg", Profession.NURSE, "lulea", [Right.VACCINE_ORDER]),
    ]:
        account = User.objects.filter(username=username).first()
        if account is None:
            account = User(
                username=username,
                caregiver=caregiver,
                first_name=first,
                last_name=last,
                email=f"{username}@example.invalid",
                profession=profession,
                default_unit=units[unit],
                rights=[str(r) for r in [*DEFAULT_RIGHTS[profession], *extra]],
            )
            account.set_password(DEMO_PASSWORD)
            account.save()
        staff[username] = account
    return Cast(caregivers={"varmland": varmland, "norr": norr}, units=units, staff=staff)
