"""The national population register (folkbokföringen), as far as MittVaccin needs it.

The product asks one thing of it: who is this number, and does the person have protected identity
(sekretessmarkering)? The real register is outside our reach; settings.POPULATION_REGISTER names the
class to use. The local stand-in answers from what the product itself already knows (any caregiver's
patient record), which is what development and tests need.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from journal.models import Patient


@dataclass(frozen=True)
class RegisterPerson:
    identity_number: str
    family_name: str
    given_names: str
    protected_identity: bool


class LocalPopulationRegister:
    def lookup(self, identity_number: str) -> RegisterPerson | None:
        patient = (
            Patient.objects.filter(identity_number=identity_number)
            .order_by("-protected_identity", "id")
            .only("identity_number", "family_name", "given_names", "protected_identity")
            .first()
        )
        if patient is None:
            return None
        return RegisterPerson(
            identity_number=patient.identity_number,
            family_name=patient.family_name,
            given_names=patient.given_names,
            protected_identity=patient.protected_identity,
        )


def population_register():
    return import_string(settings.POPULATION_REGISTER)()


def has_protected_identity(identity_number: str) -> bool:
    person = population_register().lookup(identity_number)
    return bool(person and person.protected_identity)
