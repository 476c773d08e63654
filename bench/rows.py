"""The rows of signed vaccinations that the bench loaders COPY (journal, reports, stock, nvr), in the
columns of `bench.journal.copy_histories`: the physician's order, the visit with its health
declaration (all answers no) and confirmed checks, and the dose the nurse gave on it; `Histories`
gathers them with the next free id of each table. `bench_patient` is a named patient of a measurement.

Every loader builds the same rows from these, so a change of the rows' shape is made once; it still
changes the synthetic data of every loader that uses them (bump their LOADER_VERSION).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from journal.questionnaire import NO_FLAGS

ANSWERS = json.dumps(NO_FLAGS)
SHOWN = json.dumps({"bench": True})


def take(ids: dict, table: str) -> int:
    """The next free id of `table` in `ids`, counted on."""
    value = ids[table]
    ids[table] += 1
    return value


@dataclass(frozen=True)
class Clinic:
    """Who signs the rows, where: the bench caregiver's clinic, its physician and (for visits) its nurse."""

    caregiver_id: int
    unit_id: int
    physician: object
    nurse: object = None
    questionnaire_id: int | None = None
    # Taken once: `User.signature` translates the profession on every call (a third of a load's time).
    physician_signature: str = field(init=False, default="")
    nurse_signature: str = field(init=False, default="")

    def __post_init__(self):
        object.__setattr__(self, "physician_signature", self.physician.signature)
        object.__setattr__(self, "nurse_signature", self.nurse.signature if self.nurse else "")

    @classmethod
    def of(cls, ctx) -> Clinic:
        """The bench clinic with its physician, its nurse and the current questionnaire."""
        from journal.questionnaire import ensure_current
        from mittvaccin.models import User

        questionnaire = ensure_current()
        nurse = User.objects.get(username=ctx.users["nurse"])
        physician = User.objects.get(username=ctx.users["physician"])
        return cls(ctx.caregiver_id, ctx.unit_ids["clinic"], physician, nurse, questionnaire.pk)

    def order(self, order_id, *, patient_id, product, doses_total, valid_until, ordered_at, instructions=""):
        """A journal_order row: the product's default dose, signed by the physician."""
        return (
            order_id, self.caregiver_id, patient_id, product.pk, product.default_dose_ml, doses_total, "",
            instructions, valid_until, self.physician.pk, self.physician_signature, ordered_at, self.unit_id, None,
        )  # fmt: skip

    def checked_visit(self, *, visit_id, declaration_id, confirmation_id, patient_id, given_at):
        """(visit, declaration, confirmation) rows of a vaccination visit ready for the dose at `given_at`:
        opened 15 minutes before, declaration 12 minutes before, checks confirmed 5 minutes before."""
        nurse = self.nurse
        return (
            (visit_id, patient_id, self.unit_id, "vaccination", given_at - dt.timedelta(minutes=15), nurse.pk, None),
            (declaration_id, visit_id, self.questionnaire_id, ANSWERS, False, nurse.pk, self.nurse_signature,
             given_at - dt.timedelta(minutes=12), None),
            (confirmation_id, visit_id, nurse.pk, self.nurse_signature, given_at - dt.timedelta(minutes=5), SHOWN, "bench"),
        )  # fmt: skip

    def dose(
        self, dose_id, *, patient_id, visit_id, product, batch, order_id, declaration_id, confirmation_id, number,
        given_at, route=None, next_due=None,
    ):  # fmt: skip
        """A journal_vaccination row (VACCINATION_COLUMNS): a full dose in the left deltoid, prepared,
        given and signed by the nurse, recorded a minute after it was given."""
        nurse = self.nurse
        return (
            dose_id, self.caregiver_id, patient_id, visit_id, self.unit_id, "given", product.pk, "", batch.pk,
            batch.lot_number, batch.expiry_date, order_id, declaration_id, confirmation_id, "left_deltoid",
            route or product.default_route, product.default_dose_ml, "full", number, self.physician.pk, nurse.pk,
            nurse.pk, nurse.pk, self.nurse_signature, given_at, given_at + dt.timedelta(minutes=1), next_due, "", "", "",
            "", "", None,
        )  # fmt: skip


class VisitIds(NamedTuple):
    visit_id: int
    declaration_id: int
    confirmation_id: int
    patient_id: int
    given_at: dt.datetime


class Histories:
    """Rows of vaccination histories being built, each row taking the next free id of its table.

    A loader calls `spill` between patients: once a chunk is gathered it goes to the database, so a
    regional load never holds its tables in memory. The rows and their ids are the same whatever the
    chunk (each table is still COPYed in id order; a dose's order may be in an earlier chunk).
    """

    CHUNK = 50_000  # visits gathered before they are COPYed

    def __init__(self, clinic: Clinic, ids: dict):
        self.clinic = clinic
        self.ids = ids
        self.orders, self.visits, self.declarations, self.confirmations, self.doses = [], [], [], [], []
        self.copied: Counter = Counter()  # rows COPYed so far: orders, visits, doses

    def order(self, **fields) -> int:
        order_id = take(self.ids, "journal_order")
        self.orders.append(self.clinic.order(order_id, **fields))
        return order_id

    def visit(self, patient_id, given_at) -> VisitIds:
        """A visit of the patient, ready for a dose at `given_at`."""
        made = VisitIds(
            take(self.ids, "journal_visit"),
            take(self.ids, "journal_healthdeclaration"),
            take(self.ids, "journal_checkconfirmation"),
            patient_id,
            given_at,
        )
        visit, declaration, confirmation = self.clinic.checked_visit(
            visit_id=made.visit_id,
            declaration_id=made.declaration_id,
            confirmation_id=made.confirmation_id,
            patient_id=patient_id,
            given_at=given_at,
        )
        self.visits.append(visit)
        self.declarations.append(declaration)
        self.confirmations.append(confirmation)
        return made

    def dose(self, visit: VisitIds, product, batch, order_id, number, *, extra=(), **fields) -> None:
        """The dose of the order given on `visit` at its time; `extra`: values of added columns."""
        row = self.clinic.dose(
            take(self.ids, "journal_vaccination"),
            patient_id=visit.patient_id,
            visit_id=visit.visit_id,
            product=product,
            batch=batch,
            order_id=order_id,
            declaration_id=visit.declaration_id,
            confirmation_id=visit.confirmation_id,
            number=number,
            given_at=visit.given_at,
            **fields,
        )
        self.doses.append((*row, *extra))

    def given(self, patient_id, given_at, product, batch, order_id, number, **fields) -> None:
        """A visit with the one dose given on it."""
        self.dose(self.visit(patient_id, given_at), product, batch, order_id, number, **fields)

    def spill(self, ctx, **options) -> None:
        """COPY what is gathered if it is a chunk or more (between patients, never inside a visit)."""
        if len(self.visits) >= self.CHUNK or len(self.orders) >= self.CHUNK:
            self.copy(ctx, **options)

    def copy(self, ctx, **options) -> int:
        """COPY every row gathered (bench.journal.copy_histories) and let go of them; the number of
        doses COPYed in all."""
        from bench.journal import copy_histories

        copy_histories(
            ctx, self.orders, self.visits, self.declarations, self.confirmations, self.doses, **options
        )
        self.copied.update(orders=len(self.orders), visits=len(self.visits), doses=len(self.doses))
        self.orders, self.visits, self.declarations, self.confirmations, self.doses = [], [], [], [], []
        return self.copied["doses"]


def bench_patient(
    ctx, *, serial: int, born: dt.date, family_name: str, given_names: str, sex: str, street: str
):
    """A named patient of a measurement, at the bench caregiver, living in Karlstad."""
    from journal.identity import identity_with_check_digit
    from journal.models import Patient

    return Patient.objects.create(
        caregiver_id=ctx.caregiver_id,
        identity_kind="personnummer",
        identity_number=identity_with_check_digit(born.year, born.month, born.day, serial),
        family_name=family_name,
        given_names=given_names,
        sex=sex,
        birth_date=born,
        address=street,
        postal_code="652 25",
        city="Karlstad",
    )
