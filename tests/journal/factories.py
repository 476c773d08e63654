"""Journal test data built through the services, so tests start from states the product can reach."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from journal import selectors, services
from journal.models import Batch, ScheduleStep, VaccineProduct
from journal.questionnaire import NO_FLAGS
from journal.stock_models import MovementKind, StockMovement
from mittvaccin.models import Unit
from tests.factories import BatchFactory, PatientFactory, VaccineProductFactory


def tbe_product(name="FSME-Immun test") -> VaccineProduct:
    """A TBE vaccine with its schedule: dose 2 after 14–30 days, dose 3 after 150–180 days, boosters."""
    product = VaccineProductFactory(
        name=name,
        disease="TBE",
        series_doses=3,
        booster_min_days=730,
        booster_days=1095,
        min_age_days=16 * 365,
    )
    ScheduleStep.objects.get_or_create(
        product=product, dose_number=2, defaults={"min_days": 14, "recommended_days": 30}
    )
    ScheduleStep.objects.get_or_create(
        product=product, dose_number=3, defaults={"min_days": 150, "recommended_days": 180}
    )
    return product


def hepb_product() -> VaccineProduct:
    product = VaccineProductFactory(
        name="Engerix-B test", disease="Hepatit B", series_doses=3, default_dose_ml="1.00"
    )
    ScheduleStep.objects.get_or_create(
        product=product, dose_number=2, defaults={"min_days": 28, "recommended_days": 30}
    )
    ScheduleStep.objects.get_or_create(
        product=product, dose_number=3, defaults={"min_days": 56, "recommended_days": 150}
    )
    return product


def batch_for(caregiver, product, *, lot=None, expiry=None, stock=50) -> Batch:
    """A batch of the caregiver with `stock` doses at each of its active units (A2: a dose needs stock)."""
    kwargs = {"caregiver": caregiver, "product": product}
    if lot:
        kwargs["lot_number"] = lot
    kwargs["expiry_date"] = expiry or timezone.localdate() + dt.timedelta(days=365)
    batch = BatchFactory(**kwargs)
    if stock:
        for unit in Unit.objects.filter(caregiver=caregiver, is_active=True):
            stock_for(batch, unit, stock)
    return batch


def stock_for(batch, unit, quantity: int):
    """Doses of `batch` delivered to `unit` as a ledger row (directly: an expired test lot is allowed here)."""
    return StockMovement.objects.create(
        caregiver_id=unit.caregiver_id,
        unit=unit,
        batch=batch,
        kind=MovementKind.DELIVERY,
        quantity=quantity,
        supplier="Testleverantören",
    )


def make_order(cast, patient, product, *, doses=3, by=None, unit=None, visit=None):
    return services.order_create(
        patient=patient,
        user=by or cast.bob,
        unit=unit or cast.unit_a,
        product=product,
        dose_ml=Decimal("0.50"),
        doses_total=doses,
        valid_until=timezone.localdate() + dt.timedelta(days=365),
        visit=visit,
    )


def declare(visit, user, **answers):
    return services.declaration_record(visit=visit, user=user, answers={**NO_FLAGS, **answers})


def confirm(visit, user):
    checks = selectors.visit_checks(visit, user=user, unit=visit.unit)
    return services.checks_confirm(visit=visit, user=user, unit=visit.unit, fingerprint=checks.fingerprint)


@dataclass
class Ready:
    patient: object
    visit: object
    product: object
    batch: object
    order: object
    declaration: object
    confirmation: object


def ready_visit(
    cast, *, patient=None, product=None, doses=3, declared=True, confirmed=True, **answers
) -> Ready:
    """A visit at unit A where Alice can sign a dose: order by Bob, declaration, confirmed checks."""
    patient = patient or PatientFactory(caregiver=cast.caregiver_a, birth_date=dt.date(1980, 1, 1))
    product = product or tbe_product()
    batch = batch_for(cast.caregiver_a, product)
    order = make_order(cast, patient, product, doses=doses)
    visit = services.visit_open(patient=patient, unit=cast.unit_a, user=cast.alice)
    declaration = declare(visit, cast.alice, **answers) if declared else None
    confirmation = confirm(visit, cast.alice) if declared and confirmed else None
    return Ready(patient, visit, product, batch, order, declaration, confirmation)


def register(cast, ready: Ready, **overrides):
    """Sign a dose through the service with sensible defaults."""
    kwargs = {
        "visit": ready.visit,
        "user": cast.alice,
        "unit": ready.visit.unit,
        "order": ready.order,
        "batch": ready.batch,
        "site": "left_deltoid",
        "route": "im",
        "dose_ml": Decimal("0.50"),
        "dose_amount": "full",
        "dose_number": 1,
        "given_at": timezone.now() - dt.timedelta(minutes=1),
        "idempotency_key": uuid.uuid4(),
    }
    kwargs.update(overrides)
    return services.vaccination_register(**kwargs)


def dose_post(ready: Ready, **overrides) -> dict:
    """The dose form as the browser posts it."""
    data = {
        "idempotency_key": str(uuid.uuid4()),
        "order": ready.order.pk,
        "lot": ready.batch.lot_number,
        "site": "left_deltoid",
        "route": "im",
        "dose_ml": "0.50",
        "dose_amount": "full",
        "dose_number": "1",
        "prepared_by": ready.visit.started_by_id,
        "given_by": ready.visit.started_by_id,
        "given_at": timezone.localtime(timezone.now() - dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"),
        "override_reason": "",
        "comment": "",
    }
    data.update(overrides)
    return data
