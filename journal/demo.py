"""Demo patients and the vaccine catalogue.

Identity numbers are generated with a valid check digit in the birth-number series 980–999, which
the tax agency leaves to test numbers; no real person's number is used.
"""

import datetime as dt
import random

from django.utils import timezone

from journal import schedule, stock
from journal.catalogue import STARTER_CATALOGUE, catalogue_import_text, maintainer_set
from journal.identity import IdentityKind, Sex, identity_with_check_digit
from journal.models import (
    AssessmentOutcome,
    AttentionSignal,
    Batch,
    CheckConfirmation,
    DevelopmentRegisterPerson,
    HealthDeclaration,
    Note,
    NoteComment,
    NoteKind,
    Order,
    Patient,
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
from journal.stock_models import MovementKind, StockBalance, StockMinimum, StockMovement
from mittvaccin.demo import DEMO_PASSWORD
from mittvaccin.models import User
from mittvaccin.rights import DEFAULT_RIGHTS, Profession, Right

# Rights added after the first demo accounts were made; `_catalogue_maintainer` tops old accounts up.
NEW_DEFAULT_RIGHTS = {Right.STOCK_MANAGE, Right.LOT_RECALL}


def load_catalogue() -> dict:
    """The starter catalogue file (journal/data/catalogue.csv), through the same import a maintainer uses."""

    catalogue_import_text(STARTER_CATALOGUE.read_text(encoding="utf-8"), source="demo", comment="demo")
    return {product.name: product for product in VaccineProduct.objects.all()}


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
    products = load_catalogue()
    cast["products"] = products
    _catalogue_maintainer(cast)
    _stock(cast, products)

    today = timezone.localdate()
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
        f"  journal: {len(products)} vaccine products, {StockBalance.objects.count()} lots in stock at units, "
        f"{Patient.objects.count()} patients, "
        f"{Vaccination.objects.count()} vaccination rows, {Note.objects.count()} notes"
    )


def _catalogue_maintainer(cast) -> None:
    """Kim maintains the national catalogue: an installation-level account without caregiver rights."""

    account = User.objects.filter(username="katalog").first()
    if account is None:
        account = User(
            username="katalog",
            caregiver=cast.caregivers["varmland"],
            first_name="Kim",
            last_name="Katalog",
            email="katalog@example.invalid",
            profession=Profession.ADMINISTRATOR,
            default_unit=cast.units["karlstad"],
            rights=[],
        )
        account.set_password(DEMO_PASSWORD)
        account.save()
        maintainer_set(user=account, granted=True, by=None, reason="Demodata")
    cast.staff["katalog"] = account
    # Accounts made before stock and recall existed get the rights their profession now has by default.
    for username, member in cast.staff.items():
        wanted = [str(r) for r in DEFAULT_RIGHTS.get(member.profession, []) if r in NEW_DEFAULT_RIGHTS]
        missing = [r for r in wanted if r not in member.rights] if username != "katalog" else []
        if missing:
            member.rights = [*member.rights, *missing]
            member.save(update_fields=["rights"])


def _stock(cast, products) -> None:
    """Every demo unit holds every demo vaccine, so the demo vaccinates anywhere; plus an expired lot, one
    that expires within 30 days and a product below the unit's minimum, so the stock page shows each case."""

    today = timezone.localdate()
    anna, nils = cast.staff["anna"], cast.staff["nils"]
    for key, caregiver in cast.caregivers.items():
        prefix = "VM" if key == "varmland" else "NO"
        receiver = anna if key == "varmland" else nils
        units = [u for u in cast.units.values() if u.caregiver_id == caregiver.pk]
        for index, product in enumerate(sorted(products.values(), key=lambda p: p.name)):
            lots = [
                (
                    f"{prefix}{product.atc_code[-3:]}{index:02d}A",
                    today.replace(day=1) + dt.timedelta(days=365 + 30 * index),
                )
            ]
            if product.name == "Vaxigrip Tetra":
                lots.append((f"{prefix}FLU{index:02d}S", today + dt.timedelta(days=20)))
            for lot, expiry in lots:
                batch = Batch.objects.filter(caregiver=caregiver, lot_number__iexact=lot).first()
                if batch is None:
                    batch = Batch.objects.create(
                        caregiver=caregiver, product=product, lot_number=lot, expiry_date=expiry
                    )
                for unit in units:
                    if not StockMovement.objects.filter(unit=unit, batch=batch).exists():
                        stock.delivery_receive(
                            user=receiver, unit=unit, product=product, lot_number=batch.lot_number,
                            expiry_date=batch.expiry_date, quantity=40 if product.doses_per_vial == 1 else 60,
                            supplier="Apoteket AB", delivery_note=f"DEMO-{index:03d}",
                        )  # fmt: skip
        # A lot that was delivered in time and has since expired (delivered directly: the service refuses
        # an expired lot at the door).
        old = Batch.objects.filter(caregiver=caregiver, lot_number=f"{prefix}OLD01X").first()
        if old is None:
            old = Batch.objects.create(
                caregiver=caregiver, product=products["FSME-Immun"], lot_number=f"{prefix}OLD01X",
                expiry_date=today - dt.timedelta(days=40),
            )  # fmt: skip
        first_unit = units[0]
        if not StockMovement.objects.filter(unit=first_unit, batch=old).exists():
            StockMovement.objects.create(
                caregiver=caregiver, unit=first_unit, batch=old, kind=MovementKind.DELIVERY, quantity=3,
                supplier="Apoteket AB", by=receiver, signature=receiver.signature,
                at=timezone.now() - dt.timedelta(days=200),
            )  # fmt: skip
    karlstad = cast.units["karlstad"]
    StockMinimum.objects.get_or_create(
        unit=karlstad,
        product=products["Gardasil 9"],
        defaults={"caregiver": karlstad.caregiver, "minimum": 60},
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
        # The development register knows every demo person (and which of them the tax agency protects);
        # it answers only from this table, never from the journal's rows.
        DevelopmentRegisterPerson.objects.get_or_create(
            identity_number=number,
            defaults={
                "family_name": spec["family_name"],
                "given_names": spec["given_names"],
                "protected_identity": protected,
            },
        )
    return patients


# --- A rich journal: histories, notes with comments, orders, a flagged declaration, signals, shared record ----


def _batch(caregiver, product):
    return (
        Batch.objects.filter(caregiver=caregiver, product=product, expiry_date__gte=timezone.localdate())
        .order_by("-expiry_date")
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
        given = range(1, rng.randint(1, doses) + 1)
        places = [(rng.choice([karlstad, arvika]), rng.choice([anna, sofia])) for _number in given]
        # These histories begin 500 days ago: a child born since then has none (no order or dose can
        # precede a birth). The draws above are made all the same, so every other patient's history
        # stays as it was.
        if patient.birth_date > timezone.localdate(_at(500, 9)):
            continue
        order = _order(patient, product, lars, karlstad, doses=doses, at=_at(500, 9))
        day = 480
        for number, (unit, nurse) in zip(given, places, strict=True):
            _dose(patient, unit, nurse, order, _at(day, 10 + number), number)
            day -= 200
