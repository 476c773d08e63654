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


@dataclass(frozen=True)
class RegisterPerson:
    identity_number: str
    family_name: str
    given_names: str
    protected_identity: bool


class LocalPopulationRegister:
    def protected_among(self, identity_numbers) -> set[str]:
        """The numbers among these that have protected identity, in one query (batch work)."""
        from journal.models import Patient

        return set(
            Patient.objects.filter(identity_number__in=list(identity_numbers), protected_identity=True)
            .values_list("identity_number", flat=True)
            .distinct()
        )

    def lookup(self, identity_number: str) -> RegisterPerson | None:
        from journal.models import Patient

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


def protected_identities(identity_numbers) -> set[str]:
    """Which of these numbers have protected identity. A register that can answer many at once
    (`protected_among`) is asked once; any other is asked number by number."""
    register = population_register()
    numbers = set(identity_numbers)
    if hasattr(register, "protected_among"):
        return set(register.protected_among(numbers))
    return {number for number in numbers if (p := register.lookup(number)) and p.protected_identity}
