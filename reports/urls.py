from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("statistik/", views.statistics, name="statistics"),
    path("statistik/csv/", views.statistics_csv, name="statistics_csv"),
]
