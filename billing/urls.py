from django.urls import path

from billing.views import campaigns, dose_price, invoices, jobs, prices, review

app_name = "billing"
urlpatterns = [
    # Administrators: prices, articles, campaigns, settings (R10, R17).
    path("fakturering/priser/", prices.prices, name="prices"),
    path("fakturering/priser/nytt/", prices.price_new, name="price_new"),
    path("fakturering/priser/<int:price_id>/ta-bort/", prices.price_delete, name="price_delete"),
    path("fakturering/artiklar/<int:article_id>/", prices.article_edit, name="article_edit"),
    path("fakturering/kampanjer/", campaigns.campaigns, name="campaigns"),
    path("fakturering/kampanjer/ny/", campaigns.campaign_edit, name="campaign_create"),
    path("fakturering/kampanjer/<int:campaign_id>/", campaigns.campaign_edit, name="campaign_edit"),
    path("fakturering/installningar/", prices.billing_settings, name="settings"),
    # Nurses: the price step of the dose form (R16, R18).
    path("fakturering/dospris/", dose_price.dose_price, name="dose_price"),
    # Clinic staff: review, invoices, credit notes, export (R11, R15).
    path("fakturering/granskning/", review.review, name="review"),
    path("fakturering/granskning/godkann/", review.charges_approve, name="charges_approve"),
    path("fakturering/debitering/<int:charge_id>/", review.charge_detail, name="charge"),
    path("fakturering/debitering/<int:charge_id>/justera/", review.charge_adjust, name="charge_adjust"),
    path("fakturering/debitering/<int:charge_id>/ta-bort/", review.charge_remove, name="charge_remove"),
    path("fakturering/fakturor/", invoices.invoices, name="invoices"),
    path("fakturering/fakturor/skapa/", invoices.invoices_create, name="invoices_create"),
    path("fakturering/fakturor/export/", invoices.invoices_export, name="invoices_export"),
    path("fakturering/fakturor/<int:invoice_id>/", invoices.invoice_detail, name="invoice"),
    path("fakturering/fakturor/<int:invoice_id>/pdf/", invoices.invoice_pdf, name="invoice_pdf"),
    path("fakturering/fakturor/<int:invoice_id>/kreditera/", invoices.invoice_credit, name="invoice_credit"),
    # Clinic staff: the invoicing jobs and the manual late-cancel path (R8, R9).
    path("fakturering/korningar/", jobs.job_runs, name="job_runs"),
    path("fakturering/korningar/starta/", jobs.job_start, name="job_start"),
    path("fakturering/korningar/<int:run_id>/", jobs.job_run_detail, name="job_run"),
    path("fakturering/sena-avbokningar/", jobs.late_cancellations, name="late_cancellations"),
    path(
        "fakturering/sena-avbokningar/<int:booking_id>/",
        jobs.late_cancellation_charge,
        name="late_cancellation",
    ),
]
