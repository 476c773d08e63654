"""Demo patients and the vaccine catalogue.

Identity numbers are generated with a valid check digit in the birth-number series 980–999, which
the tax agency leaves to test numbers; no real person's number is used.
"""

import datetime as dt
import random

from journal.identity import IdentityKind, Sex, identity_with_check_digit
from journal.models import Batch, Patient, VaccineProduct

CATALOGUE = [
    # name, disease, manufacturer, ATC, dose ml
    ("FSME-Immun", "TBE", "Pfizer", "J07BA01", "0.50"),
    ("Encepur", "TBE", "Bavarian Nordic", "J07BA01", "0.50"),
    ("Havrix", "Hepatit A", "GSK", "J07BC02", "1.00"),
    ("Engerix-B", "Hepatit B", "GSK", "J07BC01", "1.00"),
    ("Twinrix", "Hepatit A+B", "GSK", "J07BC20", "1.00"),
    ("Vaxigrip Tetra", "Influensa", "Sanofi", "J07BB02", "0.50"),
    ("Prevenar 20", "Pneumokocker", "Pfizer", "J07AL02", "0.50"),
    ("Gardasil 9", "HPV", "MSD", "J07BM03", "0.50"),
    ("M-M-RvaxPro", "MPR (mässling, påssjuka, röda hund)", "MSD", "J07BD52", "0.50"),
    ("Stamaril", "Gula febern", "Sanofi", "J07BL01", "0.50"),
    ("Ixiaro", "Japansk encefalit", "Valneva", "J07BA02", "0.50"),
    ("Rabipur", "Rabies", "Bavarian Nordic", "J07BG01", "1.00"),
    ("Comirnaty", "COVID-19", "Pfizer/BioNTech", "J07BN01", "0.30"),
]

GIVEN_F = [
    "Maja",
    "Elsa",
    "Astrid",
    "Ingrid",
    "Karin",
    "Lena",
    "Sara",
    "Ebba",
    "Alva",
    "Wilma",
    "Agnes",
    "Britt",
    "Signe",
    "Linnea",
    "Ida",
]
GIVEN_M = [
    "Olle",
    "Erik",
    "Lars",
    "Karl",
    "Nils",
    "Oskar",
    "Hugo",
    "Liam",
    "Axel",
    "Gustav",
    "Sven",
    "Arvid",
    "Ludvig",
    "Per",
    "Bo",
]
FAMILY = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Berg",
    "Lindberg",
    "Holm",
    "Sandberg",
    "Ekström",
    "Åberg",
    "Öhman",
    "Lundqvist",
]
STREETS = ["Storgatan", "Kungsgatan", "Älvgatan", "Sjövägen", "Klarälvsvägen", "Tingvallagatan", "Björkvägen"]


def _identity(rng: random.Random, birth: dt.date, sex: str, samordning=False) -> str:
    # Birth numbers 980–999: even third digit for women, odd for men.
    serial = rng.randrange(980, 1000)
    if (serial % 2 == 1) != (sex == Sex.MALE):
        serial = serial - 1 if serial > 980 else serial + 1
    day_field = birth.day + (60 if samordning else 0)
    return identity_with_check_digit(birth.year, birth.month, day_field, serial)


def load(cast, stdout) -> None:
    products = {}
    for name, disease, manufacturer, atc, dose in CATALOGUE:
        products[name], _ = VaccineProduct.objects.get_or_create(
            name=name,
            defaults={
                "disease": disease,
                "manufacturer": manufacturer,
                "atc_code": atc,
                "default_dose_ml": dose,
            },
        )
    cast["products"] = products

    today = dt.date.today()
    for key, caregiver in cast.caregivers.items():
        for index, product in enumerate(products.values()):
            prefix = "VM" if key == "varmland" else "NO"
            Batch.objects.get_or_create(
                caregiver=caregiver,
                product=product,
                lot_number=f"{prefix}{product.atc_code[-3:]}{index:02d}A",
                defaults={"expiry_date": today.replace(day=1) + dt.timedelta(days=365 + 30 * index)},
            )
        # One expired batch, to show (and test) that it is refused.
        Batch.objects.get_or_create(
            caregiver=caregiver,
            product=products["FSME-Immun"],
            lot_number=f"{'VM' if key == 'varmland' else 'NO'}OLD01X",
            defaults={"expiry_date": today - dt.timedelta(days=40)},
        )

    cast["patients"] = {
        "varmland": _patients(cast.caregivers["varmland"], seed=2026, count=50, today=today),
        "norr": _patients(cast.caregivers["norr"], seed=90, count=10, today=today),
    }
    # The same person as a Värmland patient, also known at the other caregiver (for the shared record).
    shared = cast.patients["varmland"][1]
    Patient.objects.get_or_create(
        caregiver=cast.caregivers["norr"],
        identity_kind=shared.identity_kind,
        identity_number=shared.identity_number,
        defaults={
            "family_name": shared.family_name,
            "given_names": shared.given_names,
            "sex": shared.sex,
            "birth_date": shared.birth_date,
        },
    )
    stdout.write(f"  journal: {len(products)} vaccine products, {Patient.objects.count()} patients")


def _patients(caregiver, *, seed: int, count: int, today: dt.date) -> list:
    rng = random.Random(seed)
    patients = []
    specials = []
    if caregiver.organisation_number == "232100-0156":
        specials = [
            # The patient of the interface sketch: protected identity.
            dict(
                family_name="Eriksson",
                given_names="Maja",
                sex=Sex.FEMALE,
                birth=dt.date(1985, 4, 12),
                protected_identity=True,
                serial=986,
            ),
            dict(family_name="Berg", given_names="Olle", sex=Sex.MALE, birth=dt.date(1961, 9, 3)),
            dict(
                family_name="Rahimi",
                given_names="Amir",
                sex=Sex.MALE,
                birth=dt.date(1994, 2, 17),
                samordning=True,
            ),
            dict(
                family_name="Lind",
                given_names="Ella",
                sex=Sex.FEMALE,
                birth=today.replace(year=today.year - 12, day=1),
            ),
            dict(family_name="Sundström", given_names="Greta", sex=Sex.FEMALE, birth=dt.date(1924, 5, 30)),
        ]
    for index in range(count):
        if index < len(specials):
            spec = dict(specials[index])
        else:
            sex = rng.choice([Sex.FEMALE, Sex.MALE])
            age_days = rng.randrange(1, 95 * 365)
            spec = dict(
                family_name=rng.choice(FAMILY),
                given_names=rng.choice(GIVEN_F if sex == Sex.FEMALE else GIVEN_M),
                sex=sex,
                birth=today - dt.timedelta(days=age_days),
            )
        birth = spec.pop("birth")
        samordning = spec.pop("samordning", False)
        serial = spec.pop("serial", None)
        if serial is not None:
            number = identity_with_check_digit(birth.year, birth.month, birth.day, serial)
        else:
            number = _identity(rng, birth, spec["sex"], samordning)
        protected = spec.pop("protected_identity", False)
        contact = {}
        if not protected:
            contact = dict(
                address=f"{rng.choice(STREETS)} {rng.randrange(1, 80)}",
                postal_code=f"65{rng.randrange(0, 10)} {rng.randrange(10, 99)}",
                city="Karlstad",
                phone=f"070-{rng.randrange(100, 999)} {rng.randrange(10, 99)} {rng.randrange(10, 99)}",
                email=f"{spec['given_names'].lower()}.{index}@example.invalid",
            )
        patient, _ = Patient.objects.get_or_create(
            caregiver=caregiver,
            identity_kind=IdentityKind.SAMORDNINGSNUMMER if samordning else IdentityKind.PERSONNUMMER,
            identity_number=number,
            defaults={**spec, **contact, "birth_date": birth, "protected_identity": protected},
        )
        patients.append(patient)
    return patients
