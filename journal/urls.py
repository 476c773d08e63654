from django.urls import path

from journal import clinical_views as clinical
from journal import views

app_name = "journal"
urlpatterns = [
    path("patienter/sok/", views.patient_search, name="patient_search"),
    path("patienter/ny/", views.patient_create, name="patient_create"),
    path("patient/<int:patient_id>/", views.patient_detail, name="patient"),
    path("patient/<int:patient_id>/kontaktuppgifter/", views.patient_edit, name="patient_edit"),
    path("loggkontroll/", views.access_log, name="access_log"),
    path("loggkontroll/patient/<int:patient_id>/", views.access_log_extract, name="access_log_extract"),
    # The vaccination screen (R3, R6, R1) and its steps.
    path("patient/<int:patient_id>/besok/nytt/", clinical.visit_start, name="visit_start"),
    path("patient/<int:patient_id>/besok/<int:visit_id>/", clinical.visit, name="visit"),
    path(
        "patient/<int:patient_id>/besok/<int:visit_id>/halsodeklaration/",
        clinical.visit_declaration,
        name="visit_declaration",
    ),
    path(
        "patient/<int:patient_id>/besok/<int:visit_id>/bedomning/",
        clinical.visit_assessment,
        name="visit_assessment",
    ),
    path(
        "patient/<int:patient_id>/besok/<int:visit_id>/kontroller/",
        clinical.visit_confirm,
        name="visit_confirm",
    ),
    path(
        "patient/<int:patient_id>/besok/<int:visit_id>/vaccination/", clinical.visit_dose, name="visit_dose"
    ),
    path(
        "patient/<int:patient_id>/besok/<int:visit_id>/ej-given/",
        clinical.visit_not_given,
        name="visit_not_given",
    ),
    # Vaccinations outside a visit.
    path(
        "patient/<int:patient_id>/vaccination/tidigare/",
        clinical.vaccination_elsewhere,
        name="vaccination_elsewhere",
    ),
    path(
        "patient/<int:patient_id>/vaccination/<int:vaccination_id>/felregistrerad/",
        clinical.vaccination_error,
        name="vaccination_error",
    ),
    path("patient/<int:patient_id>/intyg.pdf", clinical.certificate, name="certificate"),
    # Orders (R2).
    path("patient/<int:patient_id>/ordination/ny/", clinical.order_create, name="order_create"),
    path(
        "patient/<int:patient_id>/ordination/<int:order_id>/makulera/",
        clinical.order_error,
        name="order_error",
    ),
    # Notes (R12).
    path("patient/<int:patient_id>/anteckning/ny/", clinical.note_create, name="note_create"),
    path(
        "patient/<int:patient_id>/anteckning/<int:note_id>/ratta/", clinical.note_correct, name="note_correct"
    ),
    path(
        "patient/<int:patient_id>/anteckning/<int:note_id>/kommentar/",
        clinical.note_comment,
        name="note_comment",
    ),
    # Attention signals (R13).
    path("patient/<int:patient_id>/signal/ny/", clinical.signal_create, name="signal_create"),
    path(
        "patient/<int:patient_id>/signal/<int:signal_id>/dokumenterad/",
        clinical.signal_documented,
        name="signal_documented",
    ),
    path(
        "patient/<int:patient_id>/signal/<int:signal_id>/inaktivera/",
        clinical.signal_inactivate,
        name="signal_inactivate",
    ),
    path(
        "patient/<int:patient_id>/signal/<int:signal_id>/fhir.json", clinical.signal_fhir, name="signal_fhir"
    ),
    path("att-dokumentera/", clinical.signal_todos, name="signal_todos"),
    # Shared record (R4, R6).
    path("patient/<int:patient_id>/sammanhallen/samtycke/", clinical.consent, name="consent"),
    path("patient/<int:patient_id>/sammanhallen/sparr/", clinical.block, name="block"),
    path(
        "patient/<int:patient_id>/sammanhallen/sparr/<int:block_id>/hav/",
        clinical.block_lift,
        name="block_lift",
    ),
    path(
        "patient/<int:patient_id>/sammanhallen/nodatkomst/",
        clinical.emergency_access,
        name="emergency_access",
    ),
    # Physicians.
    path("bedomningar/", clinical.assessments, name="assessments"),
]
