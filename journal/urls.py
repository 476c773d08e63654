from django.urls import path

from journal import views

app_name = "journal"
urlpatterns = [
    path("patienter/sok/", views.patient_search, name="patient_search"),
    path("patienter/ny/", views.patient_create, name="patient_create"),
    path("patient/<int:patient_id>/", views.patient_detail, name="patient"),
    path("patient/<int:patient_id>/kontaktuppgifter/", views.patient_edit, name="patient_edit"),
    path("loggkontroll/", views.access_log, name="access_log"),
    path("loggkontroll/patient/<int:patient_id>/", views.access_log_extract, name="access_log_extract"),
]
