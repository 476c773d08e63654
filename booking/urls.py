import datetime as dt

from django.urls import path, register_converter

from booking.views import book, bookings, public, setup, timebook


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
    path("tidbok/", timebook.timebook, name="timebook"),
    path("tidbok/<int:unit_id>/dag/", timebook.day, name="today"),
    path("tidbok/<int:unit_id>/dag/<isodate:day>/", timebook.day, name="day"),
    path("tidbok/<int:unit_id>/vecka/<isodate:day>/", timebook.week, name="week"),
    path("tidbok/<int:unit_id>/boka/", book.book, name="book"),
    path("tidbok/<int:unit_id>/att-hantera/", timebook.affected, name="affected"),
    path("tidbok/bokning/<int:booking_id>/", bookings.booking_detail, name="booking"),
    path("tidbok/bokning/<int:booking_id>/flytta/", bookings.booking_move, name="booking_move"),
    path("tidbok/bokning/<int:booking_id>/avboka/", bookings.booking_cancel, name="booking_cancel"),
    path("tidbok/bokning/<int:booking_id>/ankomst/", bookings.booking_check_in, name="booking_check_in"),
    path("tidbok/bokning/<int:booking_id>/uteblev/", bookings.booking_no_show, name="booking_no_show"),
    path(
        "tidbok/bokning/<int:booking_id>/angra-uteblev/",
        bookings.booking_undo_no_show,
        name="booking_undo_no_show",
    ),
    # Staff: no-shows and late cancellations per unit and day (R8, R9)
    path("tidbok-avvikelser/", timebook.billing_facts_home, name="billing_facts_home"),
    path("tidbok-avvikelser/<int:unit_id>/", timebook.billing_facts, name="billing_facts"),
    # Staff: setting up the timebook
    path("tidbok-schema/", setup.setup_home, name="setup_home"),
    path("tidbok-schema/<int:unit_id>/", setup.setup, name="setup"),
    path("tidbok-schema/<int:unit_id>/besokstyp/ny/", setup.visit_type_create, name="visit_type_create"),
    path("tidbok-schema/besokstyp/<int:visit_type_id>/", setup.visit_type_edit, name="visit_type_edit"),
    path("tidbok-schema/<int:unit_id>/schema/ny/", setup.schedule_create, name="schedule_create"),
    path("tidbok-schema/schema/<int:schedule_id>/", setup.schedule_edit, name="schedule_edit"),
    path("tidbok-schema/<int:unit_id>/undantag/ny/", setup.exception_create, name="exception_create"),
    path(
        "tidbok-schema/undantag/<int:exception_id>/ta-bort/", setup.exception_remove, name="exception_remove"
    ),
    # Residents (no login): choose, book, and the private link to see, move or cancel
    path("boka/", public.public_index, name="public_index"),
    path("boka/<slug:unit_slug>/", public.public_unit, name="public_unit"),
    path("boka/<slug:unit_slug>/<int:visit_type_id>/", public.public_times, name="public_times"),
    path(
        "boka/<slug:unit_slug>/<int:visit_type_id>/<int:slot_id>/",
        public.public_book,
        name="public_book",
    ),
    path("bokning/<str:token>/", public.manage, name="manage"),
    path("bokning/<str:token>/kalender.ics", public.manage_ics, name="manage_ics"),
    path("bokning/<str:token>/avboka/", public.manage_cancel, name="manage_cancel"),
    path("bokning/<str:token>/flytta/", public.manage_move, name="manage_move"),
]
