"""The national population register (folkbokföringen), as far as MittVaccin needs it.

The product asks two things of it: who is this number, and does the person have protected identity
(sekretessmarkering)? And: which children under 18 is this person a guardian (vårdnadshavare) of?
The real register is outside our reach; settings.POPULATION_REGISTER names the class to use. The
local stand-in answers the first from what the product itself already knows (any caregiver's
patient record) and custody from its own table (LocalRegisterCustody, filled by the demo and tests).
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

    def custody_children(self, guardian_identity: str) -> list[RegisterPerson]:
        """The children the person has custody of, as the register records it today."""
        from journal.models import LocalRegisterCustody

        return [
            RegisterPerson(
                identity_number=row.child_identity,
                family_name=row.child_family_name,
                given_names=row.child_given_names,
                protected_identity=has_protected_identity(row.child_identity),
            )
            for row in LocalRegisterCustody.objects.filter(guardian_identity=guardian_identity).order_by(
                "child_identity"
            )
        ]

    def has_custody(self, guardian_identity: str, child_identity: str) -> bool:
        from journal.models import LocalRegisterCustody

        return LocalRegisterCustody.objects.filter(
            guardian_identity=guardian_identity, child_identity=child_identity
        ).exists()


def population_register():
    return import_string(settings.POPULATION_REGISTER)()


def has_protected_identity(identity_number: str) -> bool:
    person = population_register().lookup(identity_number)
    return bool(person and person.protected_identity)
