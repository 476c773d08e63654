"""Demo billing: payment details, articles, a price list with one scheduled change, and campaigns.

Idempotent: everything is looked up before it is created.
"""

import datetime as dt
import uuid
from decimal import Decimal

from django.utils import timezone

from billing import services
from billing.models import (
    ArticleKind,
    Campaign,
    Charge,
    ChargeStatus,
    Invoice,
    JobKind,
    JobRun,
    Price,
    Qualification,
)
from billing.services.jobs import job_execute
from journal import selectors as journal_selectors
from journal import services as journal
from journal.models import Batch
from journal.questionnaire import NO_FLAGS

# SEK per product name; what a Swedish travel-vaccination clinic might charge.
PRICE_LIST = {
    "FSME-Immun": "345",
    "Encepur": "345",
    "Havrix": "595",
    "Engerix-B": "395",
    "Twinrix": "795",
    "Vaxigrip Tetra": "250",
    "Prevenar 20": "695",
    "Gardasil 9": "1595",
    "M-M-RvaxPro": "495",
    "Stamaril": "695",
    "Ixiaro": "1395",
    "Rabipur": "995",
    "Comirnaty": "0",
}
ARTICLE_PRICES = {
    ArticleKind.VISIT_FEE: "100",
    ArticleKind.NO_SHOW: "400",
    ArticleKind.LATE_CANCELLATION: "300",
}
SINCE = dt.date(2025, 1, 1)


def load(cast, stdout) -> None:
    today = timezone.localdate()
    for key, bankgiro in (("varmland", "5050-1055"), ("norr", "5402-9681")):
        caregiver = cast.caregivers[key]
        row = services.billing_settings_for(caregiver)
        if not row.bankgiro:
            row.bankgiro = bankgiro
            row.invoice_phone = caregiver.phone or "0920-10 20 30"
            row.invoice_email = f"faktura@{key}.example.invalid"
            row.save()
        articles = services.articles_ensure(caregiver)
        for kind, amount in ARTICLE_PRICES.items():
            _price(caregiver, amount, article=articles[kind])
        for name, amount in PRICE_LIST.items():
            product = cast.products.get(name)
            if product is not None:
                _price(caregiver, amount, product=product)

    varmland = cast.caregivers["varmland"]
    # A scheduled price change, so the price list shows the history and an upcoming price.
    tbe = cast.products["FSME-Immun"]
    upcoming = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    if not Price.objects.filter(caregiver=varmland, product=tbe, valid_from__gt=today).exists():
        services.price_set(caregiver=varmland, product=tbe, amount=Decimal("375"), valid_from=upcoming)

    articles = services.articles_ensure(varmland)
    _campaign(
        varmland,
        "TBE kostnadsfritt för barn och unga",
        products=[cast.products["FSME-Immun"], cast.products["Encepur"]],
        articles=[articles[ArticleKind.VISIT_FEE]],
        qualification=Qualification.AGE,
        min_age=3,
        max_age=19,
    )
    _campaign(
        varmland,
        "Influensavaccin 65 år och äldre",
        products=[cast.products["Vaxigrip Tetra"]],
        articles=[articles[ArticleKind.VISIT_FEE]],
        qualification=Qualification.AGE,
        min_age=65,
        max_age=130,
    )
    _campaign(
        varmland,
        "Pneumokocker för riskgrupper",
        products=[cast.products["Prevenar 20"]],
        qualification=Qualification.RISK_GROUP,
        risk_group="Kronisk hjärt-, lung-, lever- eller njursjukdom eller nedsatt immunförsvar",
    )
    _campaign(
        varmland,
        "HPV för födda 1994–1999 (kompletterande)",
        products=[cast.products["Gardasil 9"]],
        qualification=Qualification.BIRTH_YEAR,
        birth_year_from=1994,
        birth_year_to=1999,
        price="500",
    )
    # R9: a late cancellation is free for children and youth.
    _campaign(
        varmland,
        "Sen avbokning kostnadsfri för barn och unga",
        articles=[articles[ArticleKind.LATE_CANCELLATION], articles[ArticleKind.NO_SHOW]],
        qualification=Qualification.AGE,
        min_age=0,
        max_age=19,
    )
    _doses_and_jobs(cast)
    stdout.write(
        f"  billing: {Price.objects.count()} prices, {Campaign.objects.count()} campaigns, "
        f"{Charge.objects.count()} charges, {Invoice.objects.count()} invoices"
    )


def _price(caregiver, amount, *, product=None, article=None):
    if Price.objects.filter(caregiver=caregiver, product=product, article=article).exists():
        return
    services.price_set(
        caregiver=caregiver, product=product, article=article, amount=Decimal(amount), valid_from=SINCE
    )


def _campaign(caregiver, name, *, products=(), articles=(), price="0", **fields):
    if Campaign.objects.filter(caregiver=caregiver, name=name).exists():
        return
    data = {
        "name": name,
        "description": "",
        "campaign_price": Decimal(price),
        "min_age": None,
        "max_age": None,
        "birth_year_from": None,
        "birth_year_to": None,
        "risk_group": "",
        "starts_on": SINCE,
        "ends_on": None,
        **fields,
    }
    services.campaign_save(caregiver=caregiver, data=data, products=products, articles=articles)


# Doses signed at Karlstad the last few days, through the journal's own services (so the charges are
# made by the same signal as in real use): product, patient index, days ago, campaign name.
DEMO_DOSES = [
    ("Havrix", 5, 4, None),
    ("Twinrix", 6, 4, None),
    ("FSME-Immun", 3, 3, "TBE kostnadsfritt för barn och unga"),
    ("Vaxigrip Tetra", 4, 2, "Influensavaccin 65 år och äldre"),
    ("Rabipur", 7, 2, None),
    ("FSME-Immun", 0, 1, None),
    ("Gardasil 9", 8, 1, None),
    ("Stamaril", 9, 0, None),
]


def _doses_and_jobs(cast) -> None:
    """Signed doses (their charges), the no-show and late-cancel jobs, and a few invoices. Once."""

    varmland = cast.caregivers["varmland"]
    if Charge.objects.filter(caregiver=varmland).exists():
        return
    unit = cast.units["karlstad"]
    nurse, physician, clerk = cast.staff["anna"], cast.staff["lars"], cast.staff["maria"]
    patients = cast.patients["varmland"]
    campaigns = {c.name: c for c in Campaign.objects.filter(caregiver=varmland)}
    now = timezone.now()
    for index, (name, patient_index, days_ago, campaign_name) in enumerate(DEMO_DOSES):
        product = cast.products[name]
        patient = patients[patient_index]
        at = timezone.localtime(now - dt.timedelta(days=days_ago)).replace(hour=9 + index % 7, minute=10)
        at = min(at, now - dt.timedelta(minutes=30))
        visit = journal.visit_open(patient=patient, unit=unit, user=nurse, started_at=at)
        order = journal.order_create(
            patient=patient,
            user=physician,
            unit=unit,
            product=product,
            dose_ml=Decimal(str(product.default_dose_ml)),
            doses_total=1,
            valid_until=timezone.localdate() + dt.timedelta(days=180),
            visit=visit,
        )
        journal.declaration_record(visit=visit, user=nurse, answers=NO_FLAGS)
        checks = journal_selectors.visit_checks(visit, user=nurse, unit=unit)
        journal.checks_confirm(visit=visit, user=nurse, unit=unit, fingerprint=checks.fingerprint)
        batch = Batch.objects.filter(
            caregiver=varmland, product=product, expiry_date__gt=timezone.localdate()
        ).first()
        campaign = campaigns.get(campaign_name)
        journal.vaccination_register(
            visit=visit,
            user=nurse,
            unit=unit,
            order=order,
            batch=batch,
            site="left_deltoid",
            route="im",
            dose_ml=Decimal(str(product.default_dose_ml)),
            dose_amount="full",
            # The next dose of a series (never "dos 1" again after dose 2); a yearly vaccine is dose 1.
            dose_number=(
                journal_selectors.next_dose_number(checks.schedule_history, product)
                if product.series_doses > 1
                else 1
            ),
            given_at=at + dt.timedelta(minutes=5),
            override_reason="Demodata",
            idempotency_key=uuid.uuid4(),
            billing_data={"billing-campaign": str(campaign.pk)} if campaign else {},
        )

    for kind in (JobKind.NO_SHOW, JobKind.LATE_CANCELLATION):
        run = JobRun.objects.create(caregiver=varmland, kind=kind)
        job_execute(run_id=run.pk)

    # Part of it reviewed and invoiced, one amount adjusted with its reason, one invoice credited.
    first = Charge.objects.filter(caregiver=varmland, source="dose").order_by("service_date", "pk").first()
    services.charge_adjust(
        charge=first, amount=first.amount - 100, reason="Rabatt efter klagomål på väntetid", user=clerk
    )
    older = Charge.objects.filter(
        caregiver=varmland,
        status=ChargeStatus.OPEN,
        service_date__lt=timezone.localdate() - dt.timedelta(days=1),
    )
    services.charges_approve(
        caregiver=varmland, charge_ids=list(older.values_list("pk", flat=True)), user=clerk
    )
    result = services.invoices_issue(caregiver=varmland, user=clerk)
    if result.invoices:
        services.credit_note_issue(
            invoice=result.invoices[0], user=clerk, reason="Dosen registrerades på fel patient", reopen=False
        )
