from django.urls import path

from nvr import views

app_name = "nvr"

urlpatterns = [
    path("admin/vaccinationsregistret/", views.reports, name="reports"),
    path("admin/vaccinationsregistret/skicka/", views.send_now, name="send_now"),
    path(
        "admin/vaccinationsregistret/rapport/<int:report_id>/fil/",
        views.report_download,
        name="report_download",
    ),
]
