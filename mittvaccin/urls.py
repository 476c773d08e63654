from django.urls import include, path

from mittvaccin import accessibility, account_views, eid_views, outbound_views, views
from mittvaccin.decorators import public

urlpatterns = [
    path("", views.home, name="home"),
    path("logga-in/", public(views.LoginView.as_view()), name="login"),
    path("logga-ut/", eid_views.staff_logout, name="logout"),
    path("eid/<slug:provider_key>/start/", eid_views.eid_start, name="eid_start"),
    path("eid/<slug:provider_key>/retur/", eid_views.eid_callback, name="eid_callback"),
    path("konto/", account_views.account, name="account"),
    path("konto/nytt-losenord/", account_views.password_first, name="account_password_first"),
    path("konto/tvastegsverifiering/", account_views.second_factor, name="account_second_factor"),
    path(
        "konto/tvastegsverifiering/aktivera/",
        account_views.second_factor_enrol,
        name="account_second_factor_enrol",
    ),
    path("konto/reservkoder/", account_views.recovery_codes_renew, name="account_recovery_codes"),
    path("enhet/byt/", views.unit_switch, name="unit_switch"),
    path("ping", views.ping, name="ping"),
    path("healthz", views.healthz, name="healthz"),
    path("tillganglighet/", accessibility.statement, name="accessibility_statement"),
    path("admin/enheter/", views.units, name="units"),
    path("admin/enheter/ny/", views.unit_edit, name="unit_create"),
    path("admin/enheter/<int:unit_id>/", views.unit_edit, name="unit_edit"),
    path("admin/personal/", views.staff, name="staff"),
    path("admin/personal/ny/", views.staff_create, name="staff_create"),
    path("admin/personal/sakerhet/", account_views.caregiver_security, name="caregiver_security"),
    path("admin/personal/inloggningar/", account_views.sign_in_events, name="sign_in_events"),
    path("admin/personal/<int:user_id>/", views.staff_edit, name="staff_edit"),
    path("admin/personal/<int:user_id>/losenord/", views.staff_password, name="staff_password"),
    path(
        "admin/personal/<int:user_id>/tvastegsverifiering/",
        account_views.staff_second_factor_reset,
        name="staff_second_factor_reset",
    ),
    path("meddelanden/", outbound_views.undelivered_messages, name="undelivered_messages"),
    # Chosen before signing in too (the login and the public booking pages offer it).
    path("i18n/setlang/", views.language_switch, name="set_language"),
    path("", include("journal.urls")),
    path("", include("booking.urls")),
    path("", include("residents.urls")),
    path("", include("billing.urls")),
    path("", include("reports.urls")),
    path("", include("nvr.urls")),
    path("", include("fhirapi.urls")),
    path("fhir/", include("fhirapi.api_urls")),
]
