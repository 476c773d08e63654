"""Statistics: a daily roll-up of doses, kept by a beat job, so a year of a region is read in milliseconds.

`DoseTally` holds, per caregiver, unit, day, product, age band and campaign, how many doses were given
and what their charges list and charge. It never counts a dose entered in error.

Which days need counting again is kept by the database itself: statement-level triggers on the dose,
its entered-in-error mark and its charge record the (caregiver, day) of every change in `DirtyDay`, in
the same transaction as the change, and the job (`reports.services.tallies_refresh`) recounts exactly
those days. Nothing is lost between two runs and nothing is counted twice. The triggers sit on proxy
models of the journal's and billing's tables, so their migrations live here, in the app that needs them.
"""

from __future__ import annotations

import pgtrigger
from django.db import models
from django.utils import timezone

from billing.models import Charge
from journal.models import Vaccination, VaccinationEnteredInError
from mittvaccin.tenancy import CaregiverOwnedQuerySet

# Age on the day of the dose, in whole years: (lowest age, label). "okänd" when the birth date is unknown.
AGE_BANDS = [(0, "0–5"), (6, "6–17"), (18, "18–39"), (40, "40–64"), (65, "65–74"), (75, "75+")]
UNKNOWN_AGE_BAND = len(AGE_BANDS)
LOCAL_TIME_ZONE = "Europe/Stockholm"


class DoseTally(models.Model):
    """Doses given on one day, of one product, at one unit, in one age band, under one campaign (or none).

    Rebuilt from the journal by the refresh job; never written by anything else.
    """

    caregiver = models.ForeignKey("mittvaccin.Caregiver", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("mittvaccin.Unit", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    product = models.ForeignKey("journal.VaccineProduct", on_delete=models.CASCADE, related_name="+")
    age_band = models.PositiveSmallIntegerField()
    campaign = models.ForeignKey(
        "billing.Campaign", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    doses = models.PositiveIntegerField()
    # Of the doses' live charges: the list price they would have cost, and what they were charged.
    list_value = models.DecimalField(max_digits=14, decimal_places=2)
    charged = models.DecimalField(max_digits=14, decimal_places=2)

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["caregiver", "day", "unit", "product", "age_band", "campaign"],
                name="dosetally_one_row_per_key",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.doses}"


class DoseBlock(models.Model):
    """The sums of `DoseTally` over a block of days: the days of one week that lie in one month (a week
    that a month begins in is two blocks), keyed by the block's first day. A period's whole blocks are
    read from here and the days at its edges from `DoseTally`, so a year is ~64 rows per key instead of
    365, and by week or by month every figure is the same sum of the same day rows.

    Recounted from `DoseTally` by the refresh job, in the transaction that recounts one of its days.
    """

    caregiver = models.ForeignKey(
        "mittvaccin.Caregiver", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    unit = models.ForeignKey("mittvaccin.Unit", on_delete=models.CASCADE, related_name="+")
    block = models.DateField()  # the first day: a Monday, or the 1st of a month
    product = models.ForeignKey("journal.VaccineProduct", on_delete=models.CASCADE, related_name="+")
    age_band = models.PositiveSmallIntegerField()
    campaign = models.ForeignKey(
        "billing.Campaign", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    doses = models.PositiveIntegerField()
    # The doses of the block's day rows that charged nothing (the page's "free" is counted per day row).
    free = models.PositiveIntegerField()
    list_value = models.DecimalField(max_digits=14, decimal_places=2)
    charged = models.DecimalField(max_digits=14, decimal_places=2)

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["caregiver", "block", "unit", "product", "age_band", "campaign"],
                name="doseblock_one_row_per_key",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.block} {self.doses}"


class DirtyDay(models.Model):
    """A (caregiver, day) whose doses changed since the last refresh. Written by triggers only.

    One row per statement that changed the day, never merged into an existing row: a refresh deletes the
    rows it sees, and a row of a transaction not yet committed is not among them, so it stays for the next
    run. (Marks that were merged, `ON CONFLICT DO NOTHING`, lost a dose committed just after a refresh
    had taken its snapshot of a day already marked: the refresh took the mark the dose relied on.)
    """

    caregiver = models.ForeignKey(
        "mittvaccin.Caregiver", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["caregiver", "day"], name="dirtyday_caregiver_day_idx")]

    def __str__(self) -> str:
        return f"{self.caregiver_id} {self.day}"


class TallyState(models.Model):
    """When the roll-up of a caregiver was last brought up to date (shown on the statistics page)."""

    caregiver = models.OneToOneField("mittvaccin.Caregiver", on_delete=models.CASCADE, related_name="+")
    refreshed_at = models.DateTimeField(default=timezone.now)

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.caregiver_id} {self.refreshed_at:%Y-%m-%d %H:%M}"


def _mark(select: str) -> str:
    return f"""
    INSERT INTO reports_dirtyday (caregiver_id, day)
    SELECT DISTINCT caregiver_id, day FROM ({select}) AS changed;
    RETURN NULL;
    """  # noqa: S608


_DOSE_DAY = f"(v.given_at AT TIME ZONE '{LOCAL_TIME_ZONE}')::date"


def _marks_day(name: str, operation, select: str) -> pgtrigger.Trigger:
    """An AFTER trigger, once per statement, that marks the days of the rows `select` reads from new_rows."""
    return pgtrigger.Trigger(
        name=name,
        when=pgtrigger.After,
        operation=operation,
        level=pgtrigger.Statement,
        referencing=pgtrigger.Referencing(new="new_rows"),
        func=_mark(select),
    )


_DAYS_OF_ROWS = f"SELECT v.caregiver_id, {_DOSE_DAY} AS day FROM new_rows "  # noqa: S608
# Only a dose's charge has a day of doses; the invoicing jobs insert thousands of article charges at a
# time. Looked up by id (the primary key), never joined: a join of the new rows was planned as a scan of
# every dose per statement, whatever the statement inserted.
_DAYS_OF_CHARGES = (
    f"SELECT v.caregiver_id, {_DOSE_DAY} AS day FROM journal_vaccination v "  # noqa: S608
    "WHERE v.id = ANY(ARRAY(SELECT c.vaccination_id FROM new_rows c WHERE c.vaccination_id IS NOT NULL))"
)


class VaccinationTallyTrigger(Vaccination):
    """A dose given here marks its day (statement level: a bulk load marks each day once)."""

    class Meta:
        proxy = True
        triggers = [
            _marks_day(
                "reports_dose_marks_day", pgtrigger.Insert, _DAYS_OF_ROWS + "v WHERE v.status = 'given'"
            )
        ]


class EnteredInErrorTallyTrigger(VaccinationEnteredInError):
    """A dose entered in error leaves the counts of its day."""

    class Meta:
        proxy = True
        triggers = [
            _marks_day(
                "reports_error_marks_day",
                pgtrigger.Insert,
                _DAYS_OF_ROWS + "e JOIN journal_vaccination v ON v.id = e.vaccination_id",
            )
        ]


class ChargeTallyTrigger(Charge):
    """A dose's charge made, adjusted, removed or credited changes the campaign figures of its day."""

    class Meta:
        proxy = True
        triggers = [
            _marks_day("reports_charge_insert_marks_day", pgtrigger.Insert, _DAYS_OF_CHARGES),
            _marks_day("reports_charge_update_marks_day", pgtrigger.Update, _DAYS_OF_CHARGES),
        ]


# The roll-ups of bookings, slots and invoices live in their own module; imported here so Django finds them.
from reports.rollup_models import *  # noqa: E402, F403
