from django.urls import path

from journal.views import (
    access_log,
    certificate,
    notes,
    orders,
    patients,
    previsit,
    shared_record,
    signals,
    visit,
)

app_name = "journal"
urlpatterns = [
    path("patienter/sok/", patients.patient_search, name="patient_search"),
    path("patienter/ny/", patients.patient_create, name="patient_create"),
    path("patient/<int:patient_id>/", patients.patient_detail, name="patient"),
    path("patient/<int:patient_id>/kontaktuppgifter/", patients.patient_edit, name="patient_edit"),
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
    path(
        "patient/<int:patient_id>/fore-besoket/<int:previsit_id>/bedomning/",
        previsit.previsit_assessment,
        name="previsit_assessment",
    ),
]
