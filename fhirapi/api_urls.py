"""/fhir/: the token-authenticated API. The token endpoint is django-oauth-toolkit's own view."""

from django.urls import path
from oauth2_provider import views as oauth_views

from fhirapi import api
from mittvaccin.decorators import public

app_name = "fhir"

urlpatterns = [
    path("auth/token", public(oauth_views.TokenView.as_view()), name="token"),
    path("metadata", api.metadata, name="metadata"),
    path("Patient", api.patient_search, name="patient_search"),
    path("Patient/<str:patient_id>", api.patient_read, name="patient_read"),
    path("Immunization", api.immunization_search, name="immunization_search"),
    path("ImmunizationRecommendation", api.recommendation_search, name="recommendation_search"),
    path("AllergyIntolerance", api.allergy_search, name="allergy_search"),
    path("Flag", api.flag_search, name="flag_search"),
    path("<path:rest>", api.unknown, name="unknown"),
]
