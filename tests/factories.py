"""Factories for the shared test data. Apps add theirs in tests/<app>/factories.py."""

import datetime as dt
import itertools

import factory
from django.utils import timezone

from journal.identity import IdentityKind, Sex, identity_with_check_digit
from journal.models import Batch, DevelopmentRegisterPerson, Patient, VaccineProduct
from mittvaccin.checksums import luhn_check_digit
from mittvaccin.models import Caregiver, Unit, UnitKind, User
from mittvaccin.rights import DEFAULT_RIGHTS, Profession

TEST_PASSWORD = "test-password-123"
_org_serial = itertools.count(100)


def organisation_number() -> str:
    nine = f"55{next(_org_serial):07d}"
    return f"{nine[:6]}-{nine[6:]}{luhn_check_digit(nine)}"


class CaregiverFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Caregiver

    name = factory.Sequence(lambda n: f"Vårdgivare {n}")
    organisation_number = factory.LazyFunction(organisation_number)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    caregiver = factory.SubFactory(CaregiverFactory)
    name = factory.Sequence(lambda n: f"Vaccinationsmottagning {n}")
    slug = factory.Sequence(lambda n: f"enhet-{n}")
    kind = UnitKind.VACCINATION_CLINIC
    vaccination_main_activity = True
    timebook_enabled = True
    payment_solution_configured = True


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    caregiver = factory.SubFactory(CaregiverFactory)
    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Användare{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    profession = Profession.NURSE
    rights = factory.LazyAttribute(lambda u: [str(r) for r in DEFAULT_RIGHTS[u.profession]])
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    caregiver = factory.SubFactory(CaregiverFactory)
    identity_kind = IdentityKind.PERSONNUMMER
    # Distinct birth dates per patient keep generated numbers unique across a test session; all of them
    # adults (1950–1993), so an age rule only applies where a test asks for a child.
    birth_date = factory.Sequence(lambda n: dt.date(1950, 1, 1) + dt.timedelta(days=(n * 97) % 16000))
    sex = Sex.FEMALE
    identity_number = factory.LazyAttributeSequence(
        lambda p, n: identity_with_check_digit(
            p.birth_date.year,
            p.birth_date.month,
            p.birth_date.day + (60 if p.identity_kind == IdentityKind.SAMORDNINGSNUMMER else 0),
            980 + (n % 10) * 2 + (1 if p.sex == Sex.MALE else 0),
        )
    )
    family_name = factory.Sequence(lambda n: f"Patientsson{n}")
    given_names = "Testa"
    phone = "070-123 45 67"
    email = factory.Sequence(lambda n: f"patient{n}@example.invalid")
    address = "Testgatan 1"
    postal_code = "652 25"
    city = "Karlstad"

    class Params:
        protected = factory.Trait(
            protected_identity=True, phone="", email="", address="", postal_code="", city=""
        )


class VaccineProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VaccineProduct
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Vaccin {n}")
    disease = "TBE"
    manufacturer = "Testbolaget"
    atc_code = "J07BA01"


class BatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Batch

    caregiver = factory.SubFactory(CaregiverFactory)
    product = factory.SubFactory(VaccineProductFactory)
    lot_number = factory.Sequence(lambda n: f"LOT{n:05d}")
    expiry_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=365))


def register_person(
    identity_number: str, *, protected: bool = True, family_name="Registersson", given_names="Rut"
):
    """What the development population register answers about a person (its own table, R7)."""

    person, _created = DevelopmentRegisterPerson.objects.update_or_create(
        identity_number=identity_number,
        defaults={"family_name": family_name, "given_names": given_names, "protected_identity": protected},
    )
    return person
