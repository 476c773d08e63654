"""Billing: prices, articles, campaigns, charges, invoices, credit notes and the invoicing jobs' runs.

Money is `Decimal` SEK with two decimals. Health care is exempt from VAT, so nothing here carries VAT.
The rules that must never break live in the database as well as in the services: check constraints
on every amount and range, a trigger against overlapping price periods, unique constraints for one
charge per booking and article, triggers that freeze issued invoices, their lines and the adjustment
log, and a deferred trigger that refuses an invoice whose lines do not add up to its total.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mittvaccin.tenancy import CaregiverOwnedQuerySet
from mittvaccin.triggers import append_only, never_deleted

# The database refuses any single amount above this, whatever the settings say; the forms refuse
# far smaller amounts first (settings.BILLING_MAX_AMOUNT), with a message.
HARD_MAX_AMOUNT = Decimal("100000.00")
MONEY = {"max_digits": 10, "decimal_places": 2}
# Lag (1981:739) om ersättning för inkassokostnader: a reminder fee is at most 60 kr (and only when it
# was agreed before the debt arose). The database refuses more.
REMINDER_FEE_MAX = Decimal("60.00")


def between(field: str, low, high) -> Q:
    return Q(**{f"{field}__gte": low, f"{field}__lte": high})


# --- Caregiver billing settings --------------------------------------------------------------------


class BillingSettings(models.Model):
    """A caregiver's payment details and invoicing rules. One row per caregiver.

    The row is also what price changes lock (select_for_update), so two administrators can never
    create overlapping price periods at the same moment.
    """

    caregiver = models.OneToOneField(
        "mittvaccin.Caregiver", on_delete=models.PROTECT, related_name="billing_settings"
    )
    invoice_sender_name = models.CharField(
        _("avsändare på fakturan"), max_length=200, blank=True, help_text=_("Tomt: vårdgivarens namn.")
    )
    invoice_address = models.CharField(_("fakturaadress"), max_length=200, blank=True)
    invoice_postal_code = models.CharField(_("postnummer"), max_length=10, blank=True)
    invoice_city = models.CharField(_("ort"), max_length=100, blank=True)
    invoice_phone = models.CharField(_("telefon för fakturafrågor"), max_length=40, blank=True)
    invoice_email = models.EmailField(_("e-post för fakturafrågor"), blank=True)
    bankgiro = models.CharField(
        _("bankgiro"), max_length=9, blank=True, help_text=_("NNN-NNNN eller NNNN-NNNN")
    )
    payment_terms_days = models.PositiveSmallIntegerField(
        _("betalningsvillkor (dagar)"), null=True, blank=True, help_text=_("Tomt: systemets standard.")
    )
    first_invoice_number = models.PositiveIntegerField(
        _("första fakturanummer"),
        default=1,
        help_text=_("Används bara innan den första fakturan har skapats."),
    )
    # R7: post to a person with protected identity goes through the tax agency's forwarding service.
    forwarding_name = models.CharField(
        _("förmedlande myndighet"), max_length=200, default="Skatteverket", blank=True
    )
    forwarding_address = models.CharField(
        _("förmedlingsadress"), max_length=200, default="Box 2820", blank=True
    )
    forwarding_postal_code = models.CharField(_("postnummer"), max_length=10, default="403 20", blank=True)
    forwarding_city = models.CharField(_("ort"), max_length=100, default="Göteborg", blank=True)
    # Configurable exceptions of the no-show and late-cancel jobs (R8, R9).
    exempt_short_notice_bookings = models.BooleanField(
        _("undanta bokningar gjorda kort före besöket"),
        default=True,
        help_text=_(
            "En bokning gjord mindre än gränsen nedan före besökstiden faktureras inte som uteblivet eller sent avbokat besök."
        ),
    )
    short_notice_hours = models.PositiveSmallIntegerField(_("gräns för kort varsel (timmar)"), default=24)
    invoice_no_shows = models.BooleanField(_("fakturera uteblivna besök"), default=True)
    invoice_late_cancellations = models.BooleanField(_("fakturera sena avbokningar"), default=True)
    # Reminders (påminnelser) of overdue invoices.
    reminder_fee = models.DecimalField(
        _("påminnelseavgift"),
        default=Decimal("0.00"),
        help_text=_(
            "0 kr = ingen avgift. Högst 60 kr enligt lag, och bara om avgiften var avtalad när fakturan skickades."
        ),
        **MONEY,
    )
    reminder_after_days = models.PositiveSmallIntegerField(
        _("påminnelse tidigast (dagar efter förfallodag)"),
        default=7,
        help_text=_("Ger betalningar som är på väg tid att komma fram innan en påminnelse skickas."),
    )
    reminder_terms_days = models.PositiveSmallIntegerField(
        _("betalningstid på påminnelsen (dagar)"), default=10
    )
    updated_at = models.DateTimeField(auto_now=True)

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("faktureringsinställningar")
        verbose_name_plural = _("faktureringsinställningar")
        constraints = [
            models.CheckConstraint(
                condition=Q(payment_terms_days__isnull=True) | between("payment_terms_days", 1, 365),
                name="billingsettings_terms_1_365",
            ),
            models.CheckConstraint(
                condition=between("short_notice_hours", 1, 24 * 14), name="billingsettings_notice_hours"
            ),
            models.CheckConstraint(
                condition=Q(first_invoice_number__gte=1), name="billingsettings_first_number"
            ),
            models.CheckConstraint(
                condition=between("reminder_fee", 0, REMINDER_FEE_MAX), name="billingsettings_reminder_fee"
            ),
            models.CheckConstraint(
                condition=between("reminder_after_days", 1, 90), name="billingsettings_reminder_after"
            ),
            models.CheckConstraint(
                condition=between("reminder_terms_days", 1, 60), name="billingsettings_reminder_terms"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.caregiver}"

    @property
    def terms_days(self) -> int:
        return self.payment_terms_days or settings.BILLING_PAYMENT_TERMS_DAYS

    @property
    def sender_name(self) -> str:
        return self.invoice_sender_name or self.caregiver.name

    @property
    def forwarding_lines(self) -> list[str]:
        lines = [self.forwarding_name, self.forwarding_address]
        lines.append(f"{self.forwarding_postal_code} {self.forwarding_city}".strip())
        return [line for line in lines if line]


# --- Articles and prices ----------------------------------------------------------------------------


class ArticleKind(models.TextChoices):
    VISIT_FEE = "visit_fee", _("Besöksavgift")
    NO_SHOW = "no_show", _("Uteblivet besök vaccination")
    LATE_CANCELLATION = "late_cancellation", _("Sent avbokat besök vaccination")


class Article(models.Model):
    """A billable item that is not a vaccine. Each caregiver has one article of each kind."""

    caregiver = models.ForeignKey("mittvaccin.Caregiver", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("typ"), max_length=20, choices=ArticleKind.choices)
    name = models.CharField(_("benämning"), max_length=120)
    code = models.CharField(_("artikelnummer"), max_length=20, blank=True)
    is_active = models.BooleanField(
        _("används"), default=True, help_text=_("Besöksavgiften tas bara ut när artikeln används.")
    )

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("artikel")
        verbose_name_plural = _("artiklar")
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(fields=["caregiver", "kind"], name="article_one_per_kind"),
        ]

    def __str__(self) -> str:
        return self.name


class Price(models.Model):
    """The list price of one vaccine product or one article at one caregiver, for a period of days.

    Periods of the same item never overlap (the `price_no_overlap` trigger, and the price services
    lock the caregiver's billing settings before they look). `valid_until` is inclusive; empty means
    "until further notice". A charge keeps the price it was made with, so earlier doses keep theirs.
    """

    caregiver = models.ForeignKey("mittvaccin.Caregiver", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(
        "journal.VaccineProduct", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    article = models.ForeignKey(
        Article, on_delete=models.PROTECT, null=True, blank=True, related_name="prices"
    )
    amount = models.DecimalField(_("pris"), **MONEY)
    valid_from = models.DateField(_("gäller från"))
    valid_until = models.DateField(_("gäller till och med"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey("mittvaccin.User", on_delete=models.PROTECT, null=True, related_name="+")

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("pris")
        verbose_name_plural = _("priser")
        ordering = ["valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(product__isnull=False) & Q(article__isnull=True))
                | (Q(product__isnull=True) & Q(article__isnull=False)),
                name="price_product_xor_article",
            ),
            models.CheckConstraint(
                condition=between("amount", 0, HARD_MAX_AMOUNT), name="price_amount_range"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="price_period_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["caregiver", "product", "valid_from"], name="price_product_idx"),
            models.Index(fields=["caregiver", "article", "valid_from"], name="price_article_idx"),
        ]
        triggers = [
            # No btree_gist on the embedded server, so no exclusion constraint: a trigger refuses an
            # overlapping period instead (SQLSTATE 23514 makes Django raise IntegrityError).
            pgtrigger.Trigger(
                name="price_no_overlap",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                func="""
                IF EXISTS (
                    SELECT 1 FROM billing_price p
                    WHERE p.id <> NEW.id
                      AND p.caregiver_id = NEW.caregiver_id
                      AND p.product_id IS NOT DISTINCT FROM NEW.product_id
                      AND p.article_id IS NOT DISTINCT FROM NEW.article_id
                      AND daterange(p.valid_from, p.valid_until, '[]')
                          && daterange(NEW.valid_from, NEW.valid_until, '[]')
                ) THEN
                    RAISE EXCEPTION 'price periods overlap' USING ERRCODE = '23514',
                        CONSTRAINT = 'price_no_overlap';
                END IF;
                RETURN NEW;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} ({self.valid_from}–{self.valid_until or ''})"

    @property
    def item(self):
        return self.product or self.article

    def covers(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


# --- Campaigns ---------------------------------------------------------------------------------------


class Qualification(models.TextChoices):
    AGE = "age", _("Ålder på besöksdagen")
    BIRTH_YEAR = "birth_year", _("Födelseår")
    RISK_GROUP = "risk_group", _("Riskgrupp som sjuksköterskan bekräftar")


MAX_AGE = 130
FIRST_BIRTH_YEAR = 1870
LAST_BIRTH_YEAR = 2200


class Campaign(models.Model):
    """A group of residents for whom some vaccines and/or articles are free or cost a set price (R10).

    Who qualifies is one of: age on the visit date within [min_age, max_age], birth year within
    [birth_year_from, birth_year_to], or a risk group the nurse confirms at the dose. Impossible
    ranges are refused by check constraints as well as by the form.
    """

    caregiver = models.ForeignKey("mittvaccin.Caregiver", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("namn"), max_length=120)
    description = models.TextField(_("beskrivning"), blank=True)
    products = models.ManyToManyField(
        "journal.VaccineProduct", blank=True, related_name="+", verbose_name=_("vacciner")
    )
    articles = models.ManyToManyField(
        Article, blank=True, related_name="campaigns", verbose_name=_("artiklar")
    )
    campaign_price = models.DecimalField(
        _("pris i kampanjen"), default=Decimal("0.00"), help_text=_("0 kr = kostnadsfritt."), **MONEY
    )
    qualification = models.CharField(_("vem omfattas"), max_length=12, choices=Qualification.choices)
    min_age = models.PositiveSmallIntegerField(_("lägsta ålder"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("högsta ålder"), null=True, blank=True)
    birth_year_from = models.PositiveSmallIntegerField(_("född från år"), null=True, blank=True)
    birth_year_to = models.PositiveSmallIntegerField(_("född till och med år"), null=True, blank=True)
    risk_group = models.CharField(_("riskgrupp"), max_length=200, blank=True)
    starts_on = models.DateField(_("gäller från"))
    ends_on = models.DateField(_("gäller till och med"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey("mittvaccin.User", on_delete=models.PROTECT, null=True, related_name="+")
    # The one-time key of the form that created it: the same form sent twice finds the campaign made.
    submission_key = models.CharField(max_length=40, blank=True, editable=False)

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("kampanj")
        verbose_name_plural = _("kampanjer")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["caregiver", "submission_key"],
                condition=~Q(submission_key=""),
                name="campaign_submission_once",
            ),
            models.CheckConstraint(
                condition=between("campaign_price", 0, HARD_MAX_AMOUNT), name="campaign_price_range"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="campaign_period_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(qualification=Qualification.AGE)
                | (
                    Q(min_age__isnull=False, max_age__isnull=False)
                    & Q(min_age__lte=models.F("max_age"), max_age__lte=MAX_AGE)
                ),
                name="campaign_age_range_possible",
            ),
            models.CheckConstraint(
                condition=~Q(qualification=Qualification.BIRTH_YEAR)
                | (
                    Q(birth_year_from__isnull=False, birth_year_to__isnull=False)
                    & Q(birth_year_from__lte=models.F("birth_year_to"))
                    & between("birth_year_from", FIRST_BIRTH_YEAR, LAST_BIRTH_YEAR)
                    & between("birth_year_to", FIRST_BIRTH_YEAR, LAST_BIRTH_YEAR)
                ),
                name="campaign_birth_years_possible",
            ),
            models.CheckConstraint(
                condition=~Q(qualification=Qualification.RISK_GROUP) | ~Q(risk_group=""),
                name="campaign_risk_group_named",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def runs_on(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    @property
    def is_free(self) -> bool:
        return self.campaign_price == 0

    @property
    def needs_confirmation(self) -> bool:
        return self.qualification == Qualification.RISK_GROUP

    def qualifies(self, patient, day: dt.date) -> bool:
        """Whether the patient belongs to the campaign's group on `day` (risk groups: the nurse says)."""
        if self.qualification == Qualification.RISK_GROUP:
            return True
        birth = patient.birth_date
        if birth is None:
            return False
        if self.qualification == Qualification.BIRTH_YEAR:
            return self.birth_year_from <= birth.year <= self.birth_year_to
        age = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
        return self.min_age <= age <= self.max_age

    @property
    def who_text(self) -> str:
        if self.qualification == Qualification.AGE:
            return _("%(low)s–%(high)s år på besöksdagen") % {"low": self.min_age, "high": self.max_age}
        if self.qualification == Qualification.BIRTH_YEAR:
            return _("födda %(low)s–%(high)s") % {"low": self.birth_year_from, "high": self.birth_year_to}
        return _("riskgrupp: %(group)s") % {"group": self.risk_group}


# --- Charges -------------------------------------------------------------------------------------------


class ChargeStatus(models.TextChoices):
    OPEN = "open", _("Att granska")
    APPROVED = "approved", _("Godkänd")
    INVOICED = "invoiced", _("Fakturerad")
    NO_INVOICE = "no_invoice", _("Avslutad utan faktura (0 kr)")
    REMOVED = "removed", _("Borttagen")
    CANCELLED = "cancelled", _("Makulerad")
    CREDITED = "credited", _("Krediterad")


class ChargeSource(models.TextChoices):
    DOSE = "dose", _("Vaccindos")
    ARTICLE = "article", _("Artikel")


CHARGE_PENDING = (ChargeStatus.OPEN, ChargeStatus.APPROVED)


# Charge's foreign keys indexed only where set (see Charge.product).
OPTIONAL_KEY_INDEXES = {
    "product": "charge_product_idx",
    "vaccination": "charge_vaccination_idx",
    "campaign": "charge_campaign_idx",
    "created_by": "charge_created_by_idx",
    "approved_by": "charge_approved_by_idx",
}


class Charge(models.Model):
    """What one dose or one article on a visit costs the patient: list price, campaign, amount.

    Made in the same transaction as the dose (R16) or by the no-show / late-cancel jobs (R8, R9).
    Reviewed and adjusted only with a reason (R11, ChargeAdjustment), approved, then invoiced.
    A charge is never deleted; once invoiced only crediting may touch it (trigger `charge_frozen`).
    One charge per booking and article (the jobs' idempotency) and one article of a kind per visit.
    """

    # Unit and caregiver are checked together by one composite foreign key, charge_unit_caregiver_fk
    # (migration billing 0007): (unit_id, caregiver_id) must be a unit and its own caregiver. One check
    # per row instead of two, and a charge's caregiver is its unit's. No index of their own:
    # charge_review_idx (caregiver, unit, …) serves the key and every read (each is by caregiver), and
    # charge_status_idx begins with the caregiver too.
    caregiver = models.ForeignKey(
        "mittvaccin.Caregiver",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    unit = models.ForeignKey(
        "mittvaccin.Unit", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    # Patient and visit are checked together by one composite foreign key, charge_visit_patient_fk
    # (migration billing 0006): (visit_id, patient_id) must be a visit and its own patient. One check
    # per row instead of two, and it proves what two separate keys could not: a charge is for its
    # visit's patient.
    patient = models.ForeignKey(
        "journal.Patient", on_delete=models.PROTECT, related_name="charges", db_constraint=False
    )
    visit = models.ForeignKey(
        "journal.Visit", on_delete=models.PROTECT, related_name="charges", db_constraint=False
    )
    source = models.CharField(_("källa"), max_length=10, choices=ChargeSource.choices)
    # The foreign keys that are empty on most charges (every job's charge) are indexed only where
    # set (OPTIONAL_KEY_INDEXES): a lookup by value finds them all the same, and the jobs' inserts do
    # not add an empty entry to five indexes per row.
    product = models.ForeignKey(
        "journal.VaccineProduct",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    article = models.ForeignKey(
        Article, on_delete=models.PROTECT, null=True, blank=True, related_name="charges"
    )
    vaccination = models.ForeignKey(
        "journal.Vaccination",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="charges",
        db_index=False,
    )
    booking_id = models.BigIntegerField(null=True, blank=True)
    service_date = models.DateField(_("datum"))
    description = models.CharField(_("benämning"), max_length=200)
    price = models.ForeignKey(Price, on_delete=models.PROTECT, null=True, blank=True, related_name="charges")
    list_price = models.DecimalField(_("listpris"), **MONEY)
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="charges",
        verbose_name=_("kampanj"),
        db_index=False,
    )
    campaign_confirmation = models.CharField(_("bekräftad riskgrupp"), max_length=200, blank=True)
    amount = models.DecimalField(_("att betala"), **MONEY)
    status = models.CharField(
        _("status"), max_length=12, choices=ChargeStatus.choices, default=ChargeStatus.OPEN
    )
    note = models.CharField(_("anmärkning"), max_length=200, blank=True)
    # A charge re-opened for review after its invoice was credited points at the one it replaces.
    corrects = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="correction"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        "mittvaccin.User", on_delete=models.PROTECT, null=True, related_name="+", db_index=False
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        "mittvaccin.User", on_delete=models.PROTECT, null=True, related_name="+", db_index=False
    )

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("debitering")
        verbose_name_plural = _("debiteringar")
        ordering = ["service_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(source=ChargeSource.DOSE) & Q(product__isnull=False) & Q(article__isnull=True))
                | (Q(source=ChargeSource.ARTICLE) & Q(product__isnull=True) & Q(article__isnull=False)),
                name="charge_source_matches_item",
            ),
            models.CheckConstraint(
                condition=between("amount", 0, HARD_MAX_AMOUNT), name="charge_amount_range"
            ),
            models.CheckConstraint(
                condition=between("list_price", 0, HARD_MAX_AMOUNT), name="charge_list_price_range"
            ),
            models.CheckConstraint(
                condition=~Q(status=ChargeStatus.APPROVED) | Q(approved_at__isnull=False),
                name="charge_approved_has_time",
            ),
            # R8, R9: the jobs' idempotency. Whatever happens to the charge later, a booking never
            # gets a second one of the same article.
            models.UniqueConstraint(
                fields=["booking_id", "article"],
                condition=Q(booking_id__isnull=False, article__isnull=False),
                name="charge_one_per_booking_and_article",
            ),
            # R16: one live charge per dose (a credited one may be followed by its correction).
            models.UniqueConstraint(
                fields=["vaccination"],
                condition=Q(vaccination__isnull=False) & ~Q(status__in=["cancelled", "removed", "credited"]),
                name="charge_one_per_dose",
            ),
            models.CheckConstraint(
                condition=Q(vaccination__isnull=True) | Q(source="dose"), name="charge_vaccination_is_a_dose"
            ),
            # The visit fee is taken once per visit (a cancelled one may be followed by a new one).
            models.UniqueConstraint(
                fields=["visit", "article"],
                condition=Q(article__isnull=False) & ~Q(status__in=["cancelled", "removed", "credited"]),
                name="charge_one_article_per_visit",
            ),
        ]
        indexes = [
            models.Index(fields=["caregiver", "unit", "service_date"], name="charge_review_idx"),
            models.Index(fields=["caregiver", "status", "patient"], name="charge_status_idx"),
            *(
                models.Index(fields=[field], condition=Q(**{f"{field}__isnull": False}), name=name)
                for field, name in OPTIONAL_KEY_INDEXES.items()
            ),
        ]
        triggers = [
            never_deleted("charge_never_deleted"),
            pgtrigger.Trigger(
                name="charge_frozen",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                func="""
                IF OLD.status IN ('removed', 'cancelled', 'credited') THEN
                    RAISE EXCEPTION 'charge % is closed (%)', OLD.id, OLD.status;
                END IF;
                IF OLD.status IN ('invoiced', 'no_invoice') AND (
                    NEW.amount <> OLD.amount OR NEW.list_price <> OLD.list_price
                    OR NEW.campaign_id IS DISTINCT FROM OLD.campaign_id
                    OR NEW.patient_id <> OLD.patient_id
                    OR NOT (NEW.status = OLD.status
                            OR (OLD.status = 'invoiced' AND NEW.status = 'credited')
                            OR (OLD.status = 'no_invoice' AND NEW.status = 'cancelled'))
                ) THEN
                    RAISE EXCEPTION 'charge % is invoiced and cannot change', OLD.id;
                END IF;
                RETURN NEW;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.description} {self.amount}"

    @property
    def is_pending(self) -> bool:
        return self.status in CHARGE_PENDING

    @property
    def was_adjusted(self) -> bool:
        return self.amount != self.expected_amount

    @property
    def expected_amount(self) -> Decimal:
        if self.campaign_id:
            return min(self.campaign.campaign_price, self.list_price)
        return self.list_price


class AdjustmentAction(models.TextChoices):
    AMOUNT = "amount", _("Belopp ändrat")
    REMOVED = "removed", _("Borttagen")
    APPROVED = "approved", _("Godkänd")
    CANCELLED = "cancelled", _("Makulerad")
    INVOICED = "invoiced", _("Fakturerad")
    NO_INVOICE = "no_invoice", _("Avslutad utan faktura")
    CREDITED = "credited", _("Krediterad")


class ChargeAdjustment(models.Model):
    """One change of a charge: who, when, before, after, why (R11). Append-only by trigger.

    A changed amount or a removal always has a reason (check constraint).
    """

    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="adjustments")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey("mittvaccin.User", on_delete=models.PROTECT, null=True, related_name="+")
    action = models.CharField(max_length=12, choices=AdjustmentAction.choices)
    amount_before = models.DecimalField(null=True, **MONEY)
    amount_after = models.DecimalField(null=True, **MONEY)
    status_before = models.CharField(max_length=12, choices=ChargeStatus.choices, blank=True)
    status_after = models.CharField(max_length=12, choices=ChargeStatus.choices)
    reason = models.TextField(_("skäl"), blank=True)

    caregiver_lookup = "charge__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(action__in=["amount", "removed", "cancelled", "credited"]) | ~Q(reason=""),
                name="adjustment_has_reason",
            ),
        ]
        triggers = [
            append_only("adjustment_append_only"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


# --- Invoices ------------------------------------------------------------------------------------------


class InvoiceCounter(models.Model):
    """The gapless invoice number series of a caregiver (shared by invoices and credit notes).

    A number is taken with `UPDATE … RETURNING` in the issuing transaction: the row stays locked until
    commit, so concurrent issuers queue, and a rolled-back issue gives its number back.
    """

    caregiver = models.OneToOneField("mittvaccin.Caregiver", on_delete=models.PROTECT, primary_key=True)
    last_number = models.PositiveBigIntegerField(default=0)

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(last_number__gte=0), name="counter_not_negative")]

    def __str__(self) -> str:
        return f"{self.caregiver_id}: {self.last_number}"


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Faktura")
    CREDIT_NOTE = "credit_note", _("Kreditfaktura")


class Invoice(models.Model):
    """An issued invoice or credit note (R15). Never changed or deleted once written (trigger).

    Everything printed is kept on the row (sender, payment details, recipient) so the document reads
    the same forever. A credit note refers to the invoice it corrects; a credit note is never itself
    credited (trigger `invoice_credit_refers_to_invoice`). The lines must add up to the total
    (deferred trigger at commit), so a half-made invoice can never be committed.
    """

    caregiver = models.ForeignKey("mittvaccin.Caregiver", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("journal.Patient", on_delete=models.PROTECT, related_name="invoices")
    kind = models.CharField(_("typ"), max_length=12, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    number = models.PositiveBigIntegerField(_("fakturanummer"))
    credited_invoice = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_notes"
    )
    invoice_date = models.DateField(_("fakturadatum"))
    due_date = models.DateField(_("förfallodatum"), null=True, blank=True)
    ocr = models.CharField(_("OCR-nummer"), max_length=25, blank=True)
    total = models.DecimalField(_("summa"), **MONEY)
    reason = models.TextField(_("orsak"), blank=True)
    # What was printed, as it was at issue.
    sender_name = models.CharField(max_length=200)
    sender_organisation_number = models.CharField(max_length=11)
    sender_address_lines = models.JSONField(default=list)
    sender_phone = models.CharField(max_length=40, blank=True)
    sender_email = models.CharField(max_length=254, blank=True)
    bankgiro = models.CharField(max_length=9, blank=True)
    recipient_name = models.CharField(max_length=220)
    recipient_identity = models.CharField(max_length=13)
    recipient_protected = models.BooleanField(default=False)
    recipient_address = models.CharField(max_length=200, blank=True)
    recipient_postal_code = models.CharField(max_length=10, blank=True)
    recipient_city = models.CharField(max_length=100, blank=True)
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey("mittvaccin.User", on_delete=models.PROTECT, null=True, related_name="+")
    # The one-time key of the form that asked for a credit note: the same form sent twice finds it made.
    submission_key = models.CharField(max_length=40, blank=True, editable=False)

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("faktura")
        verbose_name_plural = _("fakturor")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["caregiver", "number"], name="invoice_number_unique"),
            models.UniqueConstraint(
                fields=["caregiver", "submission_key"],
                condition=~Q(submission_key=""),
                name="invoice_submission_once",
            ),
            models.CheckConstraint(
                condition=(Q(kind=InvoiceKind.INVOICE) & Q(credited_invoice__isnull=True) & Q(total__gte=0))
                | (Q(kind=InvoiceKind.CREDIT_NOTE) & Q(credited_invoice__isnull=False) & Q(total__lte=0)),
                name="invoice_kind_consistent",
            ),
            models.CheckConstraint(
                condition=~Q(kind=InvoiceKind.INVOICE) | (~Q(ocr="") & Q(due_date__isnull=False)),
                name="invoice_has_ocr_and_due_date",
            ),
            models.CheckConstraint(
                condition=Q(due_date__isnull=True) | Q(due_date__gte=models.F("invoice_date")),
                name="invoice_due_after_date",
            ),
            models.CheckConstraint(
                condition=~Q(kind=InvoiceKind.CREDIT_NOTE) | ~Q(reason=""), name="credit_note_has_reason"
            ),
            # R7: a protected recipient's invoice never carries an address of theirs. The forwarding
            # address is rendered from the caregiver's settings, never stored as the recipient's.
            models.CheckConstraint(
                condition=Q(recipient_protected=False)
                | Q(recipient_address="", recipient_postal_code="", recipient_city=""),
                name="invoice_protected_has_no_address",
            ),
        ]
        indexes = [
            models.Index(fields=["caregiver", "invoice_date"], name="invoice_date_idx"),
            # Payments find their invoice by OCR reference (BgMax import).
            models.Index(fields=["caregiver", "ocr"], name="invoice_ocr_idx"),
            models.Index(
                fields=["caregiver", "due_date"], name="invoice_due_idx", condition=Q(kind="invoice")
            ),
        ]
        triggers = [
            append_only("invoice_immutable"),
            pgtrigger.Trigger(
                name="invoice_credit_refers_to_invoice",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                condition=pgtrigger.Q(new__credited_invoice__isnull=False),
                func="""
                IF NOT EXISTS (
                    SELECT 1 FROM billing_invoice i
                    WHERE i.id = NEW.credited_invoice_id AND i.kind = 'invoice'
                      AND i.caregiver_id = NEW.caregiver_id AND i.patient_id = NEW.patient_id
                ) THEN
                    RAISE EXCEPTION 'a credit note must refer to an invoice of the same patient'
                        USING ERRCODE = '23514', CONSTRAINT = 'invoice_credit_refers_to_invoice';
                END IF;
                RETURN NEW;
                """,
            ),
            pgtrigger.Trigger(
                name="invoice_lines_add_up",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                timing=pgtrigger.Deferred,
                declare=[("line_count", "integer"), ("line_sum", "numeric")],
                func="""
                SELECT count(*), coalesce(sum(amount), 0) INTO line_count, line_sum
                FROM billing_invoiceline WHERE invoice_id = NEW.id;
                IF line_count = 0 OR line_sum <> NEW.total THEN
                    RAISE EXCEPTION 'invoice % has % lines summing to %, total is %',
                        NEW.id, line_count, line_sum, NEW.total
                        USING ERRCODE = '23514', CONSTRAINT = 'invoice_lines_add_up';
                END IF;
                RETURN NULL;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE

    @property
    def recipient_address_lines(self) -> list[str]:
        place = f"{self.recipient_postal_code} {self.recipient_city}".strip()
        return [line for line in (self.recipient_address, place) if line]


class InvoiceLine(models.Model):
    """One line of an invoice or credit note, as printed. Never changed or deleted (trigger).

    A credit line negates the line it credits; a line is credited at most once.
    """

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField()
    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="invoice_lines")
    credited_line = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_line"
    )
    service_date = models.DateField()
    description = models.CharField(max_length=200)
    unit_name = models.CharField(max_length=200)
    list_price = models.DecimalField(**MONEY)
    campaign_name = models.CharField(max_length=120, blank=True)
    amount = models.DecimalField(**MONEY)

    caregiver_lookup = "invoice__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoiceline_position_unique"),
            models.CheckConstraint(
                condition=(Q(credited_line__isnull=True) & between("amount", 0, HARD_MAX_AMOUNT))
                | (Q(credited_line__isnull=False) & between("amount", -HARD_MAX_AMOUNT, 0)),
                name="invoiceline_sign_matches_kind",
            ),
        ]
        triggers = [
            append_only("invoiceline_immutable"),
            pgtrigger.Trigger(
                name="invoiceline_adds_up",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                timing=pgtrigger.Deferred,
                declare=[("line_sum", "numeric"), ("invoice_total", "numeric")],
                func="""
                SELECT total INTO invoice_total FROM billing_invoice WHERE id = NEW.invoice_id;
                SELECT coalesce(sum(amount), 0) INTO line_sum
                FROM billing_invoiceline WHERE invoice_id = NEW.invoice_id;
                IF line_sum <> invoice_total THEN
                    RAISE EXCEPTION 'lines of invoice % sum to %, total is %',
                        NEW.invoice_id, line_sum, invoice_total
                        USING ERRCODE = '23514', CONSTRAINT = 'invoiceline_adds_up';
                END IF;
                RETURN NULL;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.description} {self.amount}"


class InvoiceDocument(models.Model):
    """The rendered PDF of an invoice, written by a Celery task after the invoice is committed."""

    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="document")
    path = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    rendered_at = models.DateTimeField(default=timezone.now)
    # R7: whether the file was rendered without the recipient's address. If the patient becomes
    # protected later, a file rendered with an address is never handed out again (re-rendered).
    rendered_protected = models.BooleanField(default=False)

    caregiver_lookup = "invoice__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    def __str__(self) -> str:
        return self.path


# --- The invoicing jobs' runs --------------------------------------------------------------------------


class JobKind(models.TextChoices):
    NO_SHOW = "no_show", _("Fakturering av uteblivna besök")
    LATE_CANCELLATION = "late_cancellation", _("Fakturering av sena avbokningar")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Väntar")
    RUNNING = "running", _("Pågår")
    FINISHED = "finished", _("Klar")
    FAILED = "failed", _("Misslyckades")
    INTERRUPTED = "interrupted", _("Avbruten")


class JobRun(models.Model):
    """One run of the no-show or late-cancel job for one caregiver: when, how far, how many, what failed.

    At most one run per caregiver and kind is queued or running at a time (partial unique constraint);
    a run whose heartbeat stopped is marked interrupted when the next one starts.
    """

    caregiver = models.ForeignKey("mittvaccin.Caregiver", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("jobb"), max_length=20, choices=JobKind.choices)
    status = models.CharField(_("status"), max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED)
    triggered_by = models.ForeignKey("mittvaccin.User", on_delete=models.PROTECT, null=True, related_name="+")
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(_("skapade"), default=0)
    already_done = models.PositiveIntegerField(default=0)
    skipped_no_invoicing = models.PositiveIntegerField(default=0)
    skipped_exception = models.PositiveIntegerField(default=0)
    # Web bookings made without e-identification: not invoiced by the job, left for staff to review.
    to_review = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-queued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["caregiver", "kind"],
                condition=Q(status__in=["queued", "running"]),
                name="jobrun_one_active_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(processed__lte=models.F("total")), name="jobrun_progress_bounded"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.queued_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.status == JobStatus.FINISHED else 0
        return int(100 * self.processed / self.total)


# --- Payments (Bankgirot's BgMax files) and reminders -------------------------------------------------


class PaymentFile(models.Model):
    """One imported BgMax file of incoming payments. Never changed or deleted (trigger).

    The same file (by its SHA-256) is imported once per caregiver (unique constraint): importing it
    again finds this row and changes nothing.
    """

    caregiver = models.ForeignKey("mittvaccin.Caregiver", on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("fil"), max_length=200)
    sha256 = models.CharField(max_length=64)
    bankgiro = models.CharField(_("bankgiro"), max_length=9)
    written_at = models.DateTimeField(_("skapad hos Bankgirot"))
    payment_count = models.PositiveIntegerField(_("betalningar"))
    total = models.DecimalField(_("summa"), max_digits=14, decimal_places=2)
    duplicate_count = models.PositiveIntegerField(_("redan inlästa"), default=0)
    imported_at = models.DateTimeField(_("inläst"), default=timezone.now)
    imported_by = models.ForeignKey("mittvaccin.User", on_delete=models.PROTECT, null=True, related_name="+")

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("betalningsfil")
        verbose_name_plural = _("betalningsfiler")
        ordering = ["-imported_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["caregiver", "sha256"], name="paymentfile_once_per_caregiver"),
        ]
        triggers = [
            pgtrigger.Protect(name="paymentfile_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.imported_at:%Y-%m-%d %H:%M})"


class PaymentProblem(models.TextChoices):
    NONE = "", _("Matchad")
    NO_REFERENCE = "no_reference", _("Ingen OCR-referens")
    UNKNOWN_REFERENCE = "unknown_reference", _("OCR-referensen matchar ingen faktura")
    OVERPAID = "overpaid", _("Betalar mer än vad som är kvar att betala")
    SEVERAL_REFERENCES = "several_references", _("Flera referenser i samma betalning")
    DEDUCTION = "deduction", _("Avdrag (negativ betalning)")


class Payment(models.Model):
    """One incoming payment as Bankgirot reported it. Never changed or deleted (trigger).

    `invoice` is the invoice whose OCR reference the payment carried. A payment that matched nothing,
    or paid more than was owed, has a `problem` and is listed for manual handling until a
    PaymentSettlement (kept, with who, when and why) closes it.
    """

    caregiver = models.ForeignKey("mittvaccin.Caregiver", on_delete=models.PROTECT, related_name="+")
    file = models.ForeignKey(PaymentFile, on_delete=models.PROTECT, related_name="payments")
    line = models.PositiveIntegerField(_("rad i filen"))
    bank_serial = models.CharField(_("Bankgirots löpnummer"), max_length=12)
    paid_on = models.DateField(_("betalningsdag"))
    reference = models.CharField(_("referens"), max_length=25, blank=True)
    amount = models.DecimalField(_("belopp"), **MONEY)
    sender_bankgiro = models.CharField(_("avsändarens bankgiro"), max_length=10, blank=True)
    payer_name = models.CharField(_("betalare"), max_length=70, blank=True)
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    problem = models.CharField(_("att hantera"), max_length=20, choices=PaymentProblem.choices, blank=True)
    excess = models.DecimalField(_("överskott"), default=Decimal("0.00"), **MONEY)

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("betalning")
        verbose_name_plural = _("betalningar")
        ordering = ["paid_on", "id"]
        constraints = [
            # One bank payment is imported once, whichever file brings it.
            models.UniqueConstraint(fields=["caregiver", "bank_serial"], name="payment_once_per_serial"),
            models.CheckConstraint(
                condition=between("amount", 0, Decimal("99999999.99")), name="payment_amount"
            ),
            models.CheckConstraint(
                condition=Q(problem=PaymentProblem.OVERPAID) & Q(excess__gt=0)
                | ~Q(problem=PaymentProblem.OVERPAID) & Q(excess=0),
                name="payment_excess_only_when_overpaid",
            ),
        ]
        indexes = [
            models.Index(fields=["caregiver", "paid_on"], name="payment_paid_on_idx"),
            models.Index(fields=["caregiver", "file"], name="payment_problem_idx", condition=~Q(problem="")),
        ]
        triggers = [
            pgtrigger.Protect(name="payment_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.paid_on} {self.amount} {self.reference}"


class SettlementAction(models.TextChoices):
    MATCHED = "matched", _("Kopplad till faktura")
    REFUNDED = "refunded", _("Återbetald till betalaren")
    OTHER = "other", _("Hanterad på annat sätt")


class PaymentSettlement(models.Model):
    """How staff handled a payment that needed a look: one per payment, never changed (trigger).

    A payment matched here to an invoice counts as paid on that invoice, as if it had carried its OCR.
    """

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="settlement")
    action = models.CharField(_("åtgärd"), max_length=10, choices=SettlementAction.choices)
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="settled_payments"
    )
    note = models.TextField(_("anteckning"))
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey("mittvaccin.User", on_delete=models.PROTECT, related_name="+")

    caregiver_lookup = "payment__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(action=SettlementAction.MATCHED, invoice__isnull=False)
                | ~Q(action=SettlementAction.MATCHED) & Q(invoice__isnull=True),
                name="settlement_invoice_only_when_matched",
            ),
            models.CheckConstraint(condition=~Q(note=""), name="settlement_has_note"),
        ]
        triggers = [
            pgtrigger.Protect(name="settlement_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d}"


class Reminder(models.Model):
    """A payment reminder (påminnelse) of one overdue invoice: at most one per invoice, never changed.

    It carries the invoice's own OCR reference, so a payment of it finds the invoice. The fee (from the
    caregiver's settings when it was sent) is owed on top of the invoice.
    """

    caregiver = models.ForeignKey("mittvaccin.Caregiver", on_delete=models.PROTECT, related_name="+")
    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="reminder")
    reminder_date = models.DateField(_("påminnelsedatum"))
    due_date = models.DateField(_("ny förfallodag"))
    fee = models.DecimalField(_("påminnelseavgift"), **MONEY)
    amount_due = models.DecimalField(_("att betala"), **MONEY)
    sent_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey("mittvaccin.User", on_delete=models.PROTECT, null=True, related_name="+")

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("påminnelse")
        verbose_name_plural = _("påminnelser")
        ordering = ["-reminder_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=between("fee", 0, REMINDER_FEE_MAX), name="reminder_fee_range"),
            models.CheckConstraint(condition=Q(amount_due__gt=0), name="reminder_amount_positive"),
            models.CheckConstraint(
                condition=Q(due_date__gt=models.F("reminder_date")), name="reminder_due_after_date"
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="reminder_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            pgtrigger.Trigger(
                name="reminder_of_an_invoice",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                func="""
                IF NOT EXISTS (
                    SELECT 1 FROM billing_invoice i
                    WHERE i.id = NEW.invoice_id AND i.kind = 'invoice' AND i.caregiver_id = NEW.caregiver_id
                ) THEN
                    RAISE EXCEPTION 'a reminder belongs to an invoice of the same caregiver'
                        USING ERRCODE = '23514', CONSTRAINT = 'reminder_of_an_invoice';
                END IF;
                RETURN NEW;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} {self.reminder_date}"
