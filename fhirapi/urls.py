from django.urls import path

from fhirapi import views

app_name = "fhirapi"

urlpatterns = [
    path("admin/api-klienter/", views.clients, name="clients"),
    path("admin/api-klienter/<int:client_id>/aterkalla/", views.client_revoke, name="client_revoke"),
]
