from django.urls import path

from residents.views import bookings, declaration, home

app_name = "residents"

urlpatterns = [
    path("mina-vaccinationer/", home.home, name="home"),
    path("mina-vaccinationer/for/", home.act_for, name="act_for"),
    path("mina-vaccinationer/intyg/", home.certificate, name="certificate"),
    path("mina-vaccinationer/logga-ut/", home.logout, name="logout"),
    path("mina-vaccinationer/boka/", bookings.book_units, name="book_units"),
    path("mina-vaccinationer/boka/<slug:unit_slug>/", bookings.book_types, name="book_types"),
    path(
        "mina-vaccinationer/boka/<slug:unit_slug>/<int:visit_type_id>/",
        bookings.book_times,
        name="book_times",
    ),
    path(
        "mina-vaccinationer/boka/<slug:unit_slug>/<int:visit_type_id>/<int:slot_id>/",
        bookings.book_confirm,
        name="book_confirm",
    ),
    path("mina-vaccinationer/bokning/<int:booking_id>/", bookings.booking_detail, name="booking"),
    path(
        "mina-vaccinationer/bokning/<int:booking_id>/avboka/", bookings.booking_cancel, name="booking_cancel"
    ),
    path("mina-vaccinationer/bokning/<int:booking_id>/flytta/", bookings.booking_move, name="booking_move"),
    path(
        "mina-vaccinationer/bokning/<int:booking_id>/halsodeklaration/",
        declaration.declaration,
        name="declaration",
    ),
]
