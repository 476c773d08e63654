"""Demo patients and the vaccine catalogue.

Identity numbers are generated with a valid check digit in the birth-number series 980–999, which
the tax agency leaves to test numbers; no real person's number is used.
"""

import datetime as dt
import random

from django.utils import timezone

from journal import schedule
from journal.identity import IdentityKind, Sex, identity_with_check_digit
from journal.models import (
    AssessmentOutcome,
    AttentionSignal,
    Batch,
    CheckConfirmation,
    HealthDeclaration,
    Note,
    NoteComment,
    NoteKind,
    Order,
    Patient,
    ScheduleStep,
    Severity,
    SharedRecordBlock,
    SharedRecordConsent,
    SignalKind,
    Vaccination,
    VaccinationStatus,
    VaccineProduct,
    Visit,
)
from journal.questionnaire import NO_FLAGS, ensure_current

# Schedules: series doses, (dose, min days, recommended days) from dose 2, booster (min, recommended),
# approved ages (min days, max years), route. Simplified from the products' labels and Swedish practice.
SCHEDULES = {
    # TBE: dose 2 after 1–3 months (14 days at the earliest), dose 3 after 5–12 months, boosters.
    "FSME-Immun": (3, [(2, 14, 30), (3, 150, 180)], (730, 1095), (16 * 365, None), "im"),
    "Encepur": (3, [(2, 14, 30), (3, 270, 300)], (730, 1095), (12 * 365, None), "im"),
    "Havrix": (2, [(2, 180, 180)], None, (365, None), "im"),
    # Hepatitis B and A+B: 0, 1 and 6 months.
    "Engerix-B": (3, [(2, 28, 30), (3, 56, 150)], None, (0, None), "im"),
    "Twinrix": (3, [(2, 28, 30), (3, 56, 150)], None, (365, None), "im"),
    "Vaxigrip Tetra": (1, [], (300, 365), (180, None), "im"),
    "Prevenar 20": (1, [], None, (18 * 365, None), "im"),
    "Gardasil 9": (2, [(2, 150, 180)], None, (9 * 365, None), "im"),
    "M-M-RvaxPro": (2, [(2, 28, 28)], None, (270, None), "sc"),
    "Stamaril": (1, [], None, (270, 60), "sc"),
    "Ixiaro": (2, [(2, 7, 28)], (365, 365), (60, None), "im"),
    "Rabipur": (3, [(2, 7, 7), (3, 14, 14)], None, (0, None), "im"),
    "Comirnaty": (1, [], (90, 365), (6 * 30, None), "im"),
}


def apply_schedules(products: dict) -> None:
    """Give each catalogue product its schedule (idempotent: the catalogue is not a journal record)."""
    for name, (series, steps, booster, ages, route) in SCHEDULES.items():
        product = products.get(name)
        if product is None:
            continue
        product.series_doses = series
        product.booster_min_days, product.booster_days = booster or (None, None)
        product.min_age_days, product.max_age_years = ages
        product.default_route = route
        product.save(
            update_fields=[
                "series_doses",
                "booster_min_days",
                "booster_days",
                "min_age_days",
                "max_age_years",
                "default_route",
            ]
        )
        for dose_number, min_days, recommended in steps:
            ScheduleStep.objects.update_or_create(
                product=product,
                dose_number=dose_number,
                defaults={"min_days": min_days, "recommended_days": recommended},
            )


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
    apply_schedules(products)

    today = timezone.localdate()
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
    _journal(cast, shared)
    stdout.write(
        f"  journal: {len(products)} vaccine products, {Patient.objects.count()} patients, "
        f"{Vaccination.objects.count()} vaccination rows, {Note.objects.count()} notes"
    )


def _patients(caregiver, *, seed: int, count: int, today: dt.date) -> list:
    rng = random.Random(seed)
    patients = []
    specials = []
    if caregiver.organisation_number == "232100-0156":
        specials = [
            # The patient of the interface sketch: protected identity.
            {
                "family_name": "Eriksson",
                "given_names": "Maja",
                "sex": Sex.FEMALE,
                "birth": dt.date(1985, 4, 12),
                "protected_identity": True,
                "serial": 986,
            },
            {"family_name": "Berg", "given_names": "Olle", "sex": Sex.MALE, "birth": dt.date(1961, 9, 3)},
            {
                "family_name": "Rahimi",
                "given_names": "Amir",
                "sex": Sex.MALE,
                "birth": dt.date(1994, 2, 17),
                "samordning": True,
            },
            {
                "family_name": "Lind",
                "given_names": "Ella",
                "sex": Sex.FEMALE,
                "birth": today.replace(year=today.year - 12, day=1),
            },
            {
                "family_name": "Sundström",
                "given_names": "Greta",
                "sex": Sex.FEMALE,
                "birth": dt.date(1924, 5, 30),
            },
        ]
    for index in range(count):
        if index < len(specials):
            spec = dict(specials[index])
        else:
            sex = rng.choice([Sex.FEMALE, Sex.MALE])
            age_days = rng.randrange(1, 95 * 365)
            spec = {
                "family_name": rng.choice(FAMILY),
                "given_names": rng.choice(GIVEN_F if sex == Sex.FEMALE else GIVEN_M),
                "sex": sex,
                "birth": today - dt.timedelta(days=age_days),
            }
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
            contact = {
                "address": f"{rng.choice(STREETS)} {rng.randrange(1, 80)}",
                "postal_code": f"65{rng.randrange(0, 10)} {rng.randrange(10, 99)}",
                "city": "Karlstad",
                "phone": f"070-{rng.randrange(100, 999)} {rng.randrange(10, 99)} {rng.randrange(10, 99)}",
                "email": f"{spec['given_names'].lower()}.{index}@example.invalid",
            }
        patient, _ = Patient.objects.get_or_create(
            caregiver=caregiver,
            identity_kind=IdentityKind.SAMORDNINGSNUMMER if samordning else IdentityKind.PERSONNUMMER,
            identity_number=number,
            defaults={**spec, **contact, "birth_date": birth, "protected_identity": protected},
        )
        patients.append(patient)
    return patients


# --- A rich journal: histories, notes with comments, orders, a flagged declaration, signals, shared record ----


def _batch(caregiver, product):
    return (
        Batch.objects.filter(caregiver=caregiver, product=product, expiry_date__gte=timezone.localdate())
        .order_by("expiry_date")
        .first()
    )


def _order(patient, product, orderer, unit, *, doses, at, instructions="", visit=None):
    return Order.objects.create(
        caregiver=orderer.caregiver,
        patient=patient,
        product=product,
        dose_ml=product.default_dose_ml,
        doses_total=doses,
        schedule={3: "0, 1 och 6–12 månader", 2: "0 och 6 månader"}.get(doses, ""),
        instructions=instructions,
        valid_until=(at + dt.timedelta(days=730)).date(),
        ordered_by=orderer,
        signature=orderer.signature,
        ordered_at=at,
        unit=unit,
        visit=visit,
    )


def _visit(patient, unit, nurse, at, answers=None, declared_by=None):
    visit = Visit.objects.create(patient=patient, unit=unit, started_at=at, started_by=nurse)
    answers = answers or NO_FLAGS
    questionnaire = ensure_current()
    flagged = any(q.get("flag_if") and answers.get(q["key"]) == q["flag_if"] for q in questionnaire.questions)
    declaration = HealthDeclaration.objects.create(
        visit=visit,
        questionnaire=questionnaire,
        answers=answers,
        flagged=flagged,
        recorded_by=declared_by or nurse,
        signature=(declared_by or nurse).signature,
        recorded_at=at + dt.timedelta(minutes=2),
    )
    return visit, declaration


def _dose(patient, unit, nurse, order, at, dose_number, *, declaration_answers=None, assessor=None):
    visit, declaration = _visit(patient, unit, nurse, at - dt.timedelta(minutes=12), declaration_answers)
    if assessor is not None:
        Note.objects.create(
            patient=patient,
            visit=visit,
            declaration=declaration,
            kind=NoteKind.ASSESSMENT,
            outcome=AssessmentOutcome.MAY_VACCINATE,
            text="Bedömt inför vaccination: inget hinder. Observera 30 minuter efter dosen.",
            author=assessor,
            author_role=assessor.get_profession_display(),
            signature=assessor.signature,
            signed_at=at - dt.timedelta(minutes=6),
        )
    confirmation = CheckConfirmation.objects.create(
        visit=visit,
        confirmed_by=nurse,
        signature=nurse.signature,
        confirmed_at=at - dt.timedelta(minutes=3),
        shown={"demo": True},
        fingerprint="demo",
    )
    batch = _batch(unit.caregiver, order.product)
    return Vaccination.objects.create(
        caregiver=order.ordered_by.caregiver,
        patient=patient,
        visit=visit,
        unit=unit,
        status=VaccinationStatus.GIVEN,
        product=order.product,
        batch=batch,
        lot_number=batch.lot_number,
        batch_expiry=batch.expiry_date,
        order=order,
        declaration=declaration,
        check_confirmation=confirmation,
        site="left_deltoid" if dose_number % 2 else "right_deltoid",
        route=order.product.default_route,
        dose_ml=order.dose_ml,
        dose_amount="full",
        dose_number=dose_number,
        ordered_by=order.ordered_by,
        prepared_by=nurse,
        given_by=nurse,
        recorded_by=nurse,
        signature=nurse.signature,
        given_at=at,
        recorded_at=at + dt.timedelta(minutes=1),
        next_due_date=schedule.next_due_date(order.product, dose_number, timezone.localtime(at).date()),
    )


def _note(patient, author, text, at, *, kind=NoteKind.NOTE, comments=()):
    note = Note.objects.create(
        patient=patient,
        kind=kind,
        text=text,
        author=author,
        author_role=author.get_profession_display(),
        signature=author.signature,
        signed_at=at,
    )
    for offset, (who, comment) in enumerate(comments, start=1):
        NoteComment.objects.create(
            note=note,
            thread=note,
            text=comment,
            author=who,
            signature=who.signature,
            signed_at=at + dt.timedelta(hours=offset),
        )
    return note


def _at(days_ago: int, hour: int = 10, minute: int = 0):
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _journal(cast, shared_varmland) -> None:
    varmland = cast.caregivers["varmland"]
    patients = cast.patients["varmland"]
    maja, olle, amir, ella, greta = patients[:5]
    if Note.objects.filter(patient=maja).exists():
        return  # loaded before: signed rows are never touched again
    p = cast.products
    anna, lars, sofia, nils = (cast.staff[k] for k in ("anna", "lars", "sofia", "nils"))
    karlstad, arvika, lulea = cast.units["karlstad"], cast.units["arvika"], cast.units["lulea"]

    # Maja Eriksson (protected identity): egg hypersensitivity, TBE series under way, a physician's note.
    AttentionSignal.objects.create(
        patient=maja,
        kind=SignalKind.HYPERSENSITIVITY,
        agent="ägg",
        reaction="anafylaxi",
        severity=Severity.LIFE_THREATENING,
        occurred_on="2019",
        text="Anafylaktisk reaktion efter äggintag 2019, behandlad på akuten. Har adrenalinpenna.",
        recorded_by=lars,
        signature=lars.signature,
        recorded_at=_at(400, 9),
    )
    tbe = _order(
        maja,
        p["FSME-Immun"],
        lars,
        karlstad,
        doses=3,
        at=_at(420, 9),
        instructions="Observation 30 min efter varje dos.",
    )
    _dose(maja, karlstad, anna, tbe, _at(400, 10), 1)
    _dose(maja, karlstad, anna, tbe, _at(368, 10, 30), 2)
    _note(
        maja,
        lars,
        "Äggallergi med anafylaxi 2019. FSME-Immun innehåller inte äggprotein i relevant mängd; kan ges på "
        "mottagningen med 30 minuters observation. Influensavaccin: välj äggfritt alternativ eller ge under "
        "läkarnärvaro.",
        _at(420, 9, 5),
        kind=NoteKind.NOTE,
        comments=[(anna, "Patienten informerad om observationstiden. Adrenalinpenna medtagen.")],
    )
    _order(
        maja,
        p["Vaxigrip Tetra"],
        lars,
        karlstad,
        doses=1,
        at=_at(3, 14),
        instructions="Ges med läkare på plats.",
    )

    # Olle Berg: the person known at both caregivers. TBE at Norr earlier (one dose blocked there), consent here,
    # a Hepatitis B series here, and an order made in advance at Arvika by Sofia.
    norr_olle = Patient.objects.get(
        caregiver=cast.caregivers["norr"],
        identity_number=olle.identity_number,
        identity_kind=olle.identity_kind,
    )
    norr_tbe = _order(norr_olle, p["Encepur"], nils, lulea, doses=3, at=_at(800, 9))
    _dose(norr_olle, lulea, nils, norr_tbe, _at(790, 11), 1)
    _dose(norr_olle, lulea, nils, norr_tbe, _at(760, 11), 2)
    norr_rabies = _order(norr_olle, p["Rabipur"], nils, lulea, doses=1, at=_at(600, 9))
    blocked = _dose(norr_olle, lulea, nils, norr_rabies, _at(598, 13), 1)
    SharedRecordBlock.objects.create(
        patient=norr_olle,
        vaccination=blocked,
        reason="Patientens begäran",
        recorded_by=nils,
        signature=nils.signature,
    )
    SharedRecordConsent.objects.create(
        patient=olle, given=True, recorded_by=anna, signature=anna.signature, recorded_at=_at(30, 9)
    )
    hepb = _order(
        olle,
        p["Engerix-B"],
        lars,
        karlstad,
        doses=3,
        at=_at(35, 9),
        instructions="Inför resa. 0, 1, 6 månader.",
    )
    _dose(olle, karlstad, anna, hepb, _at(30, 9, 30), 1)
    _order(
        olle,
        p["Encepur"],
        sofia,
        arvika,
        doses=1,
        at=_at(10, 15),
        instructions="Dos 3 i TBE-serien påbörjad i Norrbotten.",
    )
    Visit.objects.create(patient=olle, unit=karlstad, started_at=_at(0, 8, 5), started_by=anna)

    # Amir Rahimi: a walk-in today whose declaration waits for the physician (penicillin allergy).
    _order(
        amir, p["Twinrix"], lars, karlstad, doses=3, at=_at(0, 7, 50), instructions="Resa till Sydostasien."
    )
    _visit(
        amir,
        karlstad,
        anna,
        _at(0, 8, 20),
        answers={
            **NO_FLAGS,
            "allergy": "yes",
            "allergy_detail": "penicillin (utslag)",
            "other": "Reser om tre veckor.",
        },
    )

    # Ella Lind (12): HPV dose 1, dose 2 due; a note with a comment from the school nurse's information.
    hpv = _order(ella, p["Gardasil 9"], lars, karlstad, doses=2, at=_at(200, 9))
    _dose(ella, karlstad, anna, hpv, _at(190, 13), 1)
    _note(
        ella,
        anna,
        "Vaccinerad med vårdnadshavare närvarande. Lätt yrsel efter dosen, gick över efter 10 minuter liggande.",
        _at(190, 13, 20),
        comments=[(lars, "Vasovagal reaktion, inget hinder för dos 2. Ge dosen liggande.")],
    )

    # Greta Sundström (101): yearly influenza and pneumococcal vaccine, plus a dose given abroad.
    for years_ago in (3, 2, 1):
        flu = _order(greta, p["Vaxigrip Tetra"], lars, karlstad, doses=1, at=_at(365 * years_ago + 5, 9))
        _dose(greta, karlstad, anna, flu, _at(365 * years_ago, 10), 1)
    pneumo = _order(greta, p["Prevenar 20"], lars, karlstad, doses=1, at=_at(700, 9))
    _dose(greta, karlstad, anna, pneumo, _at(698, 10), 1)
    Vaccination.objects.create(
        caregiver=varmland,
        patient=greta,
        status=VaccinationStatus.GIVEN_ELSEWHERE,
        product=p["Stamaril"],
        elsewhere_place="Kenya (intyg, gula kortet)",
        dose_number=1,
        recorded_by=anna,
        signature=anna.signature,
        given_at=_at(9000, 12),
        recorded_at=_at(400, 11),
    )
    _note(
        greta,
        lars,
        "Bedömning: fortsatt årlig influensavaccination rekommenderas. Pneumokockvaccin givet 2024, ingen påfyllnad.",
        _at(365, 9, 40),
        comments=[(anna, "Dottern följer med vid nästa besök.")],
    )

    # A few more patients with ordinary histories.
    rng = random.Random(7)
    for patient in patients[5:25]:
        product = rng.choice([p["FSME-Immun"], p["Vaxigrip Tetra"], p["Havrix"], p["Engerix-B"]])
        age = patient.age() or 0
        if product.name == "FSME-Immun" and age < 16:
            product = p["Havrix"]
        doses = min(product.series_doses, 3)
        order = _order(patient, product, lars, karlstad, doses=doses, at=_at(500, 9))
        day = 480
        for number in range(1, rng.randint(1, doses) + 1):
            _dose(
                patient,
                rng.choice([karlstad, arvika]),
                rng.choice([anna, sofia]),
                order,
                _at(day, 10 + number),
                number,
            )
            day -= 200
