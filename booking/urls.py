import datetime as dt

from django.urls import path, register_converter

from booking import views, views_public


class IsoDateConverter:
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError as exc:  # 2026-02-30 matches the pattern but is no date: 404
            raise ValueError(value) from exc

    def to_url(self, value):
        return value.isoformat() if isinstance(value, dt.date) else str(value)


register_converter(IsoDateConverter, "isodate")

app_name = "booking"
urlpatterns = [
    # Staff: the timebook of a unit
    path("tidbok/", views.timebook, name="timebook"),
    path("tidbok/<int:unit_id>/dag/", views.day, name="today"),
    path("tidbok/<int:unit_id>/dag/<isodate:day>/", views.day, name="day"),
    path("tidbok/<int:unit_id>/vecka/<isodate:day>/", views.week, name="week"),
    path("tidbok/<int:unit_id>/boka/", views.book, name="book"),
    path("tidbok/<int:unit_id>/att-hantera/", views.affected, name="affected"),
    path("tidbok/bokning/<int:booking_id>/", views.booking_detail, name="booking"),
    path("tidbok/bokning/<int:booking_id>/flytta/", views.booking_move, name="booking_move"),
    path("tidbok/bokning/<int:booking_id>/avboka/", views.booking_cancel, name="booking_cancel"),
    path("tidbok/bokning/<int:booking_id>/ankomst/", views.booking_check_in, name="booking_check_in"),
    path("tidbok/bokning/<int:booking_id>/uteblev/", views.booking_no_show, name="booking_no_show"),
    path(
        "tidbok/bokning/<int:booking_id>/angra-uteblev/",
        views.booking_undo_no_show,
        name="booking_undo_no_show",
    ),
    # Staff: no-shows and late cancellations per unit and day (R8, R9)
    path("tidbok-avvikelser/", views.billing_facts_home, name="billing_facts_home"),
    path("tidbok-avvikelser/<int:unit_id>/", views.billing_facts, name="billing_facts"),
    # Staff: setting up the timebook
    path("tidbok-schema/", views.setup_home, name="setup_home"),
    path("tidbok-schema/<int:unit_id>/", views.setup, name="setup"),
    path("tidbok-schema/<int:unit_id>/besokstyp/ny/", views.visit_type_create, name="visit_type_create"),
    path("tidbok-schema/besokstyp/<int:visit_type_id>/", views.visit_type_edit, name="visit_type_edit"),
    path("tidbok-schema/<int:unit_id>/schema/ny/", views.schedule_create, name="schedule_create"),
    path("tidbok-schema/schema/<int:schedule_id>/", views.schedule_edit, name="schedule_edit"),
    path("tidbok-schema/<int:unit_id>/undantag/ny/", views.exception_create, name="exception_create"),
    path(
        "tidbok-schema/undantag/<int:exception_id>/ta-bort/", views.exception_remove, name="exception_remove"
    ),
    # Residents (no login): choose, book, and the private link to see, move or cancel
    path("boka/", views_public.public_index, name="public_index"),
    path("boka/<slug:unit_slug>/", views_public.public_unit, name="public_unit"),
    path("boka/<slug:unit_slug>/<int:visit_type_id>/", views_public.public_times, name="public_times"),
    path(
        "boka/<slug:unit_slug>/<int:visit_type_id>/<int:slot_id>/",
        views_public.public_book,
        name="public_book",
    ),
    path("bokning/<str:token>/", views_public.manage, name="manage"),
    path("bokning/<str:token>/kalender.ics", views_public.manage_ics, name="manage_ics"),
    path("bokning/<str:token>/avboka/", views_public.manage_cancel, name="manage_cancel"),
    path("bokning/<str:token>/flytta/", views_public.manage_move, name="manage_move"),
]
