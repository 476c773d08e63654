"""Charging a batch of due bookings set-based, for the no-show and late-cancel jobs (billing.services.jobs).

A batch is priced in memory (the article's price by day and the campaigns that may apply are cached for
the run) and written with one INSERT … SELECT for its visits and one for its charges, each `ON CONFLICT
… DO NOTHING` on its per-booking uniqueness: a booking keeps one visit of the kind and one charge of the
article, whoever was first.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from types import SimpleNamespace

from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Charge, ChargeSource, ChargeStatus, JobKind
from billing.services.charges import amount_under
from billing.services.prices import price_for
from journal.models import VisitKind
from journal.services.visits import visits_open_for_bookings
from mittvaccin.bulk import insert_rows

logger = logging.getLogger(__name__)

# The one conflict a job's charge may meet: the booking's charge of the article is there already
# (charge_one_per_booking_and_article, a partial unique index, hence its predicate). Named, it is the
# only index PostgreSQL checks before each row, instead of every unique index of the table; a row that
# breaks another unique index is an error (the batch is then done row by row and that booking recorded),
# never silently dropped.
ON_ONE_PER_BOOKING = (
    "(booking_id, article_id) WHERE booking_id IS NOT NULL AND article_id IS NOT NULL DO NOTHING"
)
VISIT_KIND_OF = {JobKind.NO_SHOW: VisitKind.NO_SHOW, JobKind.LATE_CANCELLATION: VisitKind.LATE_CANCELLATION}


class JobContext:
    """Charges a batch of bookings set-based, with per-run caches of the article's price by day and
    the campaigns that may apply to it."""

    # What a batch reads of each booking (one query per batch).
    COLUMNS = ("pk", "patient_id", "unit_id", "starts_at", "patient__birth_date", "patient__caregiver_id")

    def __init__(self, *, run, article, caregiver):
        self.run, self.article, self.caregiver = run, article, caregiver
        self.prices: dict = {}
        # The day of a visit is local (timezone.localdate); the zone read once, not per booking.
        self.zone = timezone.get_current_timezone()
        self.campaigns = list(
            article.campaigns.filter(caregiver=caregiver)
            .exclude(qualification="risk_group")
            .order_by("campaign_price", "name", "id")
        )
        self.created_in_chunk = 0
        self.errors_in_chunk: list = []
        # The run's figures so far (also kept on the run row, chunk by chunk).
        self.figures = dict.fromkeys(
            ("already_done", "skipped_no_invoicing", "skipped_exception", "to_review"), 0
        )

    def price(self, day):
        if day not in self.prices:
            self.prices[day] = price_for(caregiver=self.caregiver, day=day, article=self.article)
        return self.prices[day]

    def campaign(self, patient, day):
        # R9: the cheapest campaign the patient qualifies for on the visit's day (age or birth year).
        for campaign in self.campaigns:
            if campaign.runs_on(day) and campaign.qualifies(patient, day):
                return campaign
        return None

    def _priced(self, booking_id, patient_id, unit_id, starts_at, birth_date, patient_caregiver_id):
        """The charge's values for one booking, or None with the reason recorded."""
        day = starts_at.astimezone(self.zone).date()
        price = self.price(day)
        if price is None:
            self._error(
                booking_id,
                _("%(article)s har inget pris %(day)s; inget debiterades.")
                % {"article": self.article.name, "day": day.isoformat()},
            )
            return None
        if patient_caregiver_id != self.caregiver.pk:
            self._error(booking_id, "ValueError: unit and patient belong to different caregivers")
            return None
        campaign = self.campaign(SimpleNamespace(birth_date=birth_date), day)
        return _Due(booking_id, patient_id, unit_id, starts_at, day, price, campaign)

    def charge(self, bookings) -> None:
        """Each booking's own visit and article charge: two statements for the whole batch.

        A booking charged meanwhile (the manual path, at the same moment) is left to the charge the
        constraint kept. Should the batch's statements fail on one row's data, the batch is done again
        row by row so that one bad booking stops only itself, and is recorded.
        """
        due = [d for d in (self._priced(*row) for row in bookings) if d is not None]
        if not due:
            return
        try:
            with transaction.atomic():
                self.created_in_chunk += self._insert(due)
        except (OperationalError, InterfaceError):
            raise  # the connection is gone: the run fails and the next one continues from here
        except DatabaseError:
            for one in due:
                self._charge_one(one)

    def _charge_one(self, one) -> None:
        try:
            with transaction.atomic():
                self.created_in_chunk += self._insert([one])
        except (OperationalError, InterfaceError):
            raise
        except DatabaseError as error:
            logger.exception("booking %s not invoiced", one.booking_id)
            self._error(one.booking_id, f"{type(error).__name__}: {error}"[:300])

    def _insert(self, due) -> int:
        visits = visits_open_for_bookings(
            rows=[(d.booking_id, d.patient_id, d.unit_id, d.starts_at) for d in due],
            kind=VISIT_KIND_OF[self.run.kind],
            user=self.run.triggered_by,
        )
        created = insert_rows(
            Charge,
            columns={
                "unit_id": [d.unit_id for d in due],
                "patient_id": [d.patient_id for d in due],
                "visit_id": [visits[d.booking_id] for d in due],
                "booking_id": [d.booking_id for d in due],
                "service_date": [d.day for d in due],
                "price_id": [d.price.pk for d in due],
                "list_price": [d.price.amount for d in due],
                "campaign_id": [d.campaign.pk if d.campaign else None for d in due],
                "amount": [amount_under(d.campaign, d.price.amount) for d in due],
            },
            constants={
                "caregiver_id": self.caregiver.pk,
                "source": ChargeSource.ARTICLE,
                "article_id": self.article.pk,
                "description": self.article.name,
                "status": ChargeStatus.OPEN,
                "created_by_id": getattr(self.run.triggered_by, "pk", None),
            },
            conflict=ON_ONE_PER_BOOKING,
            returning=("id",),
        )
        return len(created)

    def _error(self, booking_id, message) -> None:
        self.errors_in_chunk.append({"booking": booking_id, "message": message})


@dataclass(frozen=True)
class _Due:
    booking_id: int
    patient_id: int
    unit_id: int
    starts_at: dt.datetime
    day: dt.date
    price: object
    campaign: object
