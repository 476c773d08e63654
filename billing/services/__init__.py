"""Write operations of billing, one function per use case (see architecture.md, "services").

Every function here that changes money state is atomic, writes its history row in the same
transaction and queues PDF work with `transaction.on_commit`. Refusals are `BillingError`s (the core's
`Refusal`) with a message that views show as it is.
"""

from billing.services.campaigns import best_automatic_campaign, campaign_save, campaigns_for
from billing.services.charges import (
    charge_adjust,
    charge_for_article,
    charge_remove,
    charges_approve,
    charges_cancel_for_dose,
    charges_for_dose,
    dose_quote,
)
from billing.services.common import BillingError
from billing.services.invoices import credit_note_issue, invoice_issue_for_patient, invoices_issue
from billing.services.prices import (
    article_save,
    articles_ensure,
    billing_settings_for,
    billing_settings_save,
    price_for,
    price_remove,
    price_set,
)

__all__ = [
    "BillingError",
    "article_save",
    "articles_ensure",
    "best_automatic_campaign",
    "billing_settings_for",
    "billing_settings_save",
    "campaign_save",
    "campaigns_for",
    "charge_adjust",
    "charge_for_article",
    "charge_remove",
    "charges_approve",
    "charges_cancel_for_dose",
    "charges_for_dose",
    "credit_note_issue",
    "dose_quote",
    "invoice_issue_for_patient",
    "invoices_issue",
    "price_for",
    "price_remove",
    "price_set",
]
