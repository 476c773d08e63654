"""Celery tasks of the statistics: thin, safe to run twice and at the same time."""

from celery import shared_task

from reports.services import booking_days_fold, money_days_fold
from reports.services import tallies_rebuild as rebuild
from reports.services import tallies_refresh as refresh


@shared_task(name="reports.tallies_refresh", acks_late=True)
def tallies_refresh() -> int:
    """Recount the days whose doses or charges changed since the last run (from beat, every 5 minutes),
    and fold the booking and money roll-ups' rows of differences."""

    days = refresh()
    booking_days_fold()
    money_days_fold()
    return days


@shared_task(name="reports.tallies_rebuild", acks_late=True)
def tallies_rebuild() -> int:
    """Recount every day (nightly): the roll-up is rebuilt from the journal, whatever happened."""

    return rebuild()
