from django.urls import path

from billing import views, views_chain, views_payments

app_name = "billing"
urlpatterns = [
    # Administrators: prices, articles, campaigns, settings (R10, R17).
    path("fakturering/priser/", views.prices, name="prices"),
    path("fakturering/priser/nytt/", views.price_new, name="price_new"),
    path("fakturering/priser/<int:price_id>/ta-bort/", views.price_delete, name="price_delete"),
    path("fakturering/artiklar/<int:article_id>/", views.article_edit, name="article_edit"),
    path("fakturering/kampanjer/", views.campaigns, name="campaigns"),
    path("fakturering/kampanjer/ny/", views.campaign_edit, name="campaign_create"),
    path("fakturering/kampanjer/<int:campaign_id>/", views.campaign_edit, name="campaign_edit"),
    path("fakturering/installningar/", views.billing_settings, name="settings"),
    # Nurses: the price step of the dose form (R16, R18).
    path("fakturering/dospris/", views.dose_price, name="dose_price"),
    # Clinic staff: review, invoices, credit notes, export (R11, R15).
    path("fakturering/granskning/", views.review, name="review"),
    path("fakturering/granskning/godkann/", views.charges_approve, name="charges_approve"),
    path("fakturering/debitering/<int:charge_id>/", views.charge_detail, name="charge"),
    path("fakturering/debitering/<int:charge_id>/justera/", views.charge_adjust, name="charge_adjust"),
    path("fakturering/debitering/<int:charge_id>/ta-bort/", views.charge_remove, name="charge_remove"),
    path("fakturering/fakturor/", views.invoices, name="invoices"),
    path("fakturering/fakturor/skapa/", views.invoices_create, name="invoices_create"),
    path("fakturering/fakturor/export/", views.invoices_export, name="invoices_export"),
    path("fakturering/fakturor/<int:invoice_id>/", views.invoice_detail, name="invoice"),
    path("fakturering/fakturor/<int:invoice_id>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("fakturering/fakturor/<int:invoice_id>/kreditera/", views.invoice_credit, name="invoice_credit"),
    # Clinic staff: the invoicing jobs and the manual late-cancel path (R8, R9).
    path("fakturering/korningar/", views.job_runs, name="job_runs"),
    path("fakturering/korningar/starta/", views.job_start, name="job_start"),
    path("fakturering/korningar/<int:run_id>/", views.job_run_detail, name="job_run"),
    path("fakturering/sena-avbokningar/", views.late_cancellations, name="late_cancellations"),
    path(
        "fakturering/sena-avbokningar/<int:booking_id>/",
        views.late_cancellation_charge,
        name="late_cancellation",
    ),
    # Clinic staff: incoming payments (BgMax), overdue invoices and reminders.
    path("fakturering/betalningar/", views_payments.payments, name="payments"),
    path("fakturering/betalningar/fil/<int:file_id>/", views_payments.payment_file, name="payment_file"),
    path(
        "fakturering/betalningar/<int:payment_id>/hantera/",
        views_payments.payment_settle_view,
        name="payment_settle",
    ),
    path("fakturering/forfallna/", views_payments.reminders, name="reminders"),
    path("fakturering/forfallna/paminn/", views_payments.reminders_send_view, name="reminders_send"),
    path(
        "fakturering/fakturor/<int:invoice_id>/paminnelse/",
        views_payments.reminder_pdf,
        name="reminder_pdf",
    ),
    # Clinic staff: the chain from a dose to its payment, and from an invoice line back to the dose.
    path("fakturering/kedja/dos/<int:vaccination_id>/", views_chain.chain_dose, name="chain_dose"),
    path("fakturering/kedja/fakturarad/<int:line_id>/", views_chain.chain_line, name="chain_line"),
]
