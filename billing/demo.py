"""Demo billing: payment details, articles, a price list with one scheduled change, and campaigns.

Idempotent: everything is looked up before it is created.
"""

import datetime as dt
from decimal import Decimal

from billing import services
from billing.models import ArticleKind, Campaign, Price, Qualification

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
    today = dt.date.today()
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
    stdout.write(
        f"  billing: {Price.objects.count()} prices, {Campaign.objects.count()} campaigns, payment details set"
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
