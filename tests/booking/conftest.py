from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from booking.models import Schedule, Slot, VisitType
from tests.booking.factories import ScheduleFactory, VisitTypeFactory, in_days, make_slot
from tests.factories import PatientFactory


@pytest.fixture(autouse=True)
def _booking_tasks_eager(eager_celery):
    """Confirmation tasks run in the test's own thread unless a test starts the real worker."""


@dataclass
class Timebook:
    unit: object
    visit_type: VisitType
    schedule: Schedule
    slot: Slot  # in three days at 10:00, two seats

    def slot_at(self, when: dt.datetime, capacity: int | None = None) -> Slot:
        return make_slot(self.schedule, when, capacity=capacity)


@pytest.fixture
def timebook(cast) -> Timebook:
    visit_type = VisitTypeFactory(unit=cast.unit_a, name="TBE dos 1", minimum_age_years=0)
    schedule = ScheduleFactory(unit=cast.unit_a, name="Mottagning", visit_types=[visit_type], hours=[])
    return Timebook(
        unit=cast.unit_a, visit_type=visit_type, schedule=schedule, slot=make_slot(schedule, in_days(3))
    )


@pytest.fixture
def resident(cast):
    """A patient of caregiver A born 1985, with contact details."""
    return PatientFactory(caregiver=cast.caregiver_a, birth_date=dt.date(1985, 4, 12))
