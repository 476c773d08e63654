from django.urls import path

from journal.views import (
    access_log,
    catalogue,
    certificate,
    notes,
    orders,
    patients,
    previsit,
    protection,
    recall,
    shared_record,
    signals,
    stock,
    visit,
)

app_name = "journal"
urlpatterns = [
    path("patienter/sok/", patients.patient_search, name="patient_search"),
    path("patienter/ny/", patients.patient_create, name="patient_create"),
    path("patient/<int:patient_id>/", patients.patient_detail, name="patient"),
    path("patient/<int:patient_id>/kontaktuppgifter/", patients.patient_edit, name="patient_edit"),
    path("patient/<int:patient_id>/skyddad-identitet/", protection.protection, name="protection"),
    path(
        "patient/<int:patient_id>/skyddad-identitet/hav/", protection.protection_lift, name="protection_lift"
    ),
    path("loggkontroll/", access_log.access_log, name="access_log"),
    path("loggkontroll/patient/<int:patient_id>/", access_log.access_log_extract, name="access_log_extract"),
    # The vaccination screen (R3, R6, R1) and its steps.
    path("patient/<int:patient_id>/besok/nytt/", visit.visit_start, name="visit_start"),
    path("patient/<int:patient_id>/besok/<int:visit_id>/", visit.visit, name="visit"),
    path(
        "patient/<int:patient_id>/besok/<int:visit_id>/halsodeklaration/",
        visit.visit_declaration,
        name="visit_declaration",
    ),
    path(
        "patient/<int:patient_id>/besok/<int:visit_id>/bedomning/",
        visit.visit_assessment,
        name="visit_assessment",
    ),
    path(
        "patient/<int:patient_id>/besok/<int:visit_id>/kontroller/",
        visit.visit_confirm,
        name="visit_confirm",
    ),
    path("patient/<int:patient_id>/besok/<int:visit_id>/vaccination/", visit.visit_dose, name="visit_dose"),
    path(
        "patient/<int:patient_id>/besok/<int:visit_id>/ej-given/",
        visit.visit_not_given,
        name="visit_not_given",
    ),
    # Vaccinations outside a visit.
    path(
        "patient/<int:patient_id>/vaccination/tidigare/",
        patients.vaccination_elsewhere,
        name="vaccination_elsewhere",
    ),
    path(
        "patient/<int:patient_id>/vaccination/<int:vaccination_id>/felregistrerad/",
        patients.vaccination_error,
        name="vaccination_error",
    ),
    path("patient/<int:patient_id>/intyg.pdf", certificate.certificate, name="certificate"),
    # Orders (R2).
    path("patient/<int:patient_id>/ordination/ny/", orders.order_create, name="order_create"),
    path("patient/<int:patient_id>/ordination/begar/", orders.order_request, name="order_request"),
    path(
        "patient/<int:patient_id>/ordination/begaran/<int:order_request_id>/besvara/",
        orders.order_request_decline,
        name="order_request_decline",
    ),
    path(
        "patient/<int:patient_id>/ordination/<int:order_id>/makulera/",
        orders.order_error,
        name="order_error",
    ),
    # Notes (R12).
    path("patient/<int:patient_id>/anteckning/ny/", notes.note_create, name="note_create"),
    path("patient/<int:patient_id>/anteckning/<int:note_id>/ratta/", notes.note_correct, name="note_correct"),
    path(
        "patient/<int:patient_id>/anteckning/<int:note_id>/kommentar/",
        notes.note_comment,
        name="note_comment",
    ),
    # Attention signals (R13).
    path("patient/<int:patient_id>/signal/ny/", signals.signal_create, name="signal_create"),
    path(
        "patient/<int:patient_id>/signal/<int:signal_id>/dokumenterad/",
        signals.signal_documented,
        name="signal_documented",
    ),
    path(
        "patient/<int:patient_id>/signal/<int:signal_id>/inaktivera/",
        signals.signal_inactivate,
        name="signal_inactivate",
    ),
    path(
        "patient/<int:patient_id>/signal/<int:signal_id>/fhir.json", signals.signal_fhir, name="signal_fhir"
    ),
    path("att-dokumentera/", signals.signal_todos, name="signal_todos"),
    # Shared record (R4, R6).
    path("patient/<int:patient_id>/sammanhallen/samtycke/", shared_record.consent, name="consent"),
    path("patient/<int:patient_id>/sammanhallen/sparr/", shared_record.block, name="block"),
    path(
        "patient/<int:patient_id>/sammanhallen/sparr/<int:block_id>/hav/",
        shared_record.block_lift,
        name="block_lift",
    ),
    path(
        "patient/<int:patient_id>/sammanhallen/nodatkomst/",
        shared_record.emergency_access,
        name="emergency_access",
    ),
    # Physicians.
    path("bedomningar/", patients.assessments, name="assessments"),
    # Stock by lot at the unit the user works at (A2, A3).
    path("lager/", stock.stock_overview, name="stock"),
    path("lager/leverans/", stock.delivery, name="stock_delivery"),
    path("lager/installningar/", stock.stock_settings, name="stock_settings"),
    path("lager/batch/<int:batch_id>/", stock.lot, name="stock_lot"),
    path("lager/batch/<int:batch_id>/kassera/", stock.lot_waste, name="stock_lot_waste"),
    path("lager/batch/<int:batch_id>/flytta/", stock.lot_transfer, name="stock_lot_transfer"),
    path("lager/batch/<int:batch_id>/inventera/", stock.lot_stocktake, name="stock_lot_stocktake"),
    path("lager/batch/<int:batch_id>/oppna/", stock.lot_open_vial, name="stock_lot_open_vial"),
    # Lot recall look-back (A4).
    path("aterkallelse/", recall.recall_list, name="recalls"),
    path("aterkallelse/<int:recall_id>/", recall.recall_detail, name="recall"),
    path("aterkallelse/<int:recall_id>/lista.csv", recall.recall_csv, name="recall_csv"),
    path("aterkallelse/<int:recall_id>/meddelande/", recall.recall_message, name="recall_message"),
    # The national catalogue, for catalogue maintainers (A1).
    path("katalog/", catalogue.catalogue_list, name="catalogue"),
    path("katalog/ny/", catalogue.product_create, name="catalogue_product_create"),
    path("katalog/<int:product_id>/", catalogue.product_edit, name="catalogue_product"),
    path("katalog/inlasning/", catalogue.catalogue_import, name="catalogue_import"),
    path("katalog/katalog.csv", catalogue.catalogue_export, name="catalogue_export"),
    path("katalog/forvaltare/", catalogue.maintainers, name="catalogue_maintainers"),
    path(
        "katalog/forvaltare/<int:user_id>/ta-bort/",
        catalogue.maintainer_revoke,
        name="catalogue_maintainer_revoke",
    ),
    # Residents' answers before a booked visit, assessed by a physician (A15).
    path(
        "patient/<int:patient_id>/fore-besoket/<int:previsit_id>/bedomning/",
        previsit.previsit_assessment,
        name="previsit_assessment",
    ),
]
