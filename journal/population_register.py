"""The national population register (folkbokföringen), as far as MittVaccin needs it.

The product asks two things of it: who is this number, and does the person have protected identity
(sekretessmarkering)? And: which children under 18 is this person a guardian (vårdnadshavare) of?
The real register is outside our reach; settings.POPULATION_REGISTER names the class to use (production must name the national register's client: the settings refuse to start
without one). A client implements `lookup(identity_number) -> RegisterPerson | None` and may
implement `lookup_many(identity_numbers) -> dict[str, RegisterPerson]` for the nightly check.

`LocalPopulationRegister` is the development and test stand-in. It answers only from its own tables
(`DevelopmentRegisterPerson` and, for custody, `LocalRegisterCustody`, filled by the demo loader and
by tests), never from any caregiver's patients: what one caregiver typed into its journal is not the
register's answer to another.

Nothing outside `journal.services.protection` should act on an answer: that service turns the
register's "protected" into the one fact on the patient (`Patient.protected_identity`), at every
caregiver that has the person.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from journal.models import DevelopmentRegisterPerson, LocalRegisterCustody


@dataclass(frozen=True)
class RegisterPerson:
    identity_number: str
    family_name: str
    given_names: str
    protected_identity: bool


class RegisterUnavailable(Exception):
    """The register could not be asked (network, outage). Callers refuse what needed the answer."""


class LocalPopulationRegister:
    """Development and tests: answers from its own tables only (`DevelopmentRegisterPerson`, custody)."""

    def lookup(self, identity_number: str) -> RegisterPerson | None:
        return self.lookup_many([identity_number]).get(identity_number)

    def lookup_many(self, identity_numbers) -> dict[str, RegisterPerson]:

        rows = DevelopmentRegisterPerson.objects.filter(identity_number__in=list(identity_numbers))
        return {
            row.identity_number: RegisterPerson(
                identity_number=row.identity_number,
                family_name=row.family_name,
                given_names=row.given_names,
                protected_identity=row.protected_identity,
            )
            for row in rows
        }

    def custody_children(self, guardian_identity: str) -> list[RegisterPerson]:
        """The children the person has custody of, as the register records it today."""

        rows = list(
            LocalRegisterCustody.objects.filter(guardian_identity=guardian_identity).order_by(
                "child_identity"
            )
        )
        known = self.lookup_many([row.child_identity for row in rows])
        return [
            RegisterPerson(
                identity_number=row.child_identity,
                family_name=row.child_family_name,
                given_names=row.child_given_names,
                protected_identity=bool(
                    (person := known.get(row.child_identity)) and person.protected_identity
                ),
            )
            for row in rows
        ]

    def has_custody(self, guardian_identity: str, child_identity: str) -> bool:

        return LocalRegisterCustody.objects.filter(
            guardian_identity=guardian_identity, child_identity=child_identity
        ).exists()


def population_register():
    return import_string(settings.POPULATION_REGISTER)()


def lookup_many(identity_numbers) -> dict[str, RegisterPerson]:
    register = population_register()
    if hasattr(register, "lookup_many"):
        return register.lookup_many(identity_numbers)
    found = {}
    for number in identity_numbers:
        person = register.lookup(number)
        if person is not None:
            found[number] = person
    return found
