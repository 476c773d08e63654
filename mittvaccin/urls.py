from django.contrib.auth import views as auth_views
from django.urls import include, path

from mittvaccin import accessibility, views
from mittvaccin.decorators import public, signed_in

urlpatterns = [
    path("", views.home, name="home"),
    path("logga-in/", public(views.LoginView.as_view()), name="login"),
    path("logga-ut/", signed_in(auth_views.LogoutView.as_view()), name="logout"),
    path("enhet/byt/", views.unit_switch, name="unit_switch"),
    path("ping", views.ping, name="ping"),
    path("healthz", views.healthz, name="healthz"),
    path("tillganglighet/", accessibility.statement, name="accessibility_statement"),
    path("admin/enheter/", views.units, name="units"),
    path("admin/enheter/ny/", views.unit_edit, name="unit_create"),
    path("admin/enheter/<int:unit_id>/", views.unit_edit, name="unit_edit"),
    path("admin/personal/", views.staff, name="staff"),
    path("admin/personal/ny/", views.staff_create, name="staff_create"),
    path("admin/personal/<int:user_id>/", views.staff_edit, name="staff_edit"),
    path("admin/personal/<int:user_id>/losenord/", views.staff_password, name="staff_password"),
    path("i18n/setlang/", views.language_switch, name="set_language"),
    path("", include("journal.urls")),
    path("", include("booking.urls")),
    path("", include("billing.urls")),
]
