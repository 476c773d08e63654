"""Create a caregiver and its first administrator on a fresh installation."""

import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from mittvaccin.models import Caregiver, Unit
from mittvaccin.rights import Profession
from mittvaccin.services import staff_create


class Command(BaseCommand):
    help = "Creates a caregiver (vårdgivare), a first unit and an administrator account."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("organisation_number", help="NNNNNN-NNNN")
        parser.add_argument("--unit", required=True, help="Name of the first unit")
        parser.add_argument("--unit-slug", required=True, help="Short web name of the unit, e.g. karlstad")
        parser.add_argument("--admin", required=True, help="Username of the administrator")
        parser.add_argument("--admin-name", default="Administratör")
        parser.add_argument("--password", help="Prompted for when left out")

    def handle(self, *args, **options):
        password = options["password"] or getpass.getpass("Password for the administrator: ")
        first, _, last = options["admin_name"].partition(" ")
        try:
            with transaction.atomic():
                caregiver = Caregiver(
                    name=options["name"], organisation_number=options["organisation_number"]
                )
                caregiver.full_clean()
                caregiver.save()
                unit = Unit(caregiver=caregiver, name=options["unit"], slug=options["unit_slug"])
                unit.full_clean()
                unit.save()
                staff_create(
                    caregiver=caregiver,
                    username=options["admin"],
                    password=password,
                    first_name=first,
                    last_name=last or first,
                    profession=Profession.ADMINISTRATOR,
                    default_unit=unit,
                    # The person running the command chose this password for themself.
                    must_change_password=False,
                )
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            ) from None
        self.stdout.write(self.style.SUCCESS(f"Created {caregiver} with administrator {options['admin']}."))
