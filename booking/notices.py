"""What the resident receives: confirmation, move, cancellation and reminder texts, and the .ics file.

The calendar file is written here (RFC 5545, one VEVENT) rather than with the `icalendar` package:
a single event with escaped text and folded lines is all we need, and a dependency for it would be
more to keep than this.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from booking.extensions import FEE_LATE_CANCELLATION, FEE_NO_SHOW, fee_applies
from booking.models import Booking
from booking.tokens import manage_url


def when_text(booking: Booking, *, today=None) -> str:
    """The visit's time as people say it: "fredag 4 december kl. 09.00" ("Friday 4 December at 09:00").

    The year is added only when it is not this year's. Day and month names follow the active language.
    """
    start = timezone.localtime(booking.starts_at)
    today = today or timezone.localdate()
    day = date_format(start, "l j F" if start.year == today.year else "l j F Y")
    return _("%(day)s kl. %(hour)s.%(minute)s") % {"day": day, "hour": f"{start:%H}", "minute": f"{start:%M}"}


def place_text(booking: Booking) -> str:
    unit = booking.unit
    parts = [unit.name]
    if unit.address:
        parts.append(f"{unit.address}, {unit.postal_code} {unit.city}".strip(", "))
    return ", ".join(parts)


def fees(unit, *, made_at=None, starts_at=None) -> dict:
    """Which fees a booking at `unit` made at `made_at` for `starts_at` would carry (asked of billing).

    Without times: a booking made now for a visit some days ahead, the usual case on the unit's page.
    """
    made_at = made_at or timezone.now()
    starts_at = starts_at or made_at + dt.timedelta(days=3)
    return {
        "late_cancellation": fee_applies(FEE_LATE_CANCELLATION, unit, made_at=made_at, starts_at=starts_at),
        "no_show": fee_applies(FEE_NO_SHOW, unit, made_at=made_at, starts_at=starts_at),
    }


def booking_fees(booking: Booking) -> dict:
    return fees(booking.unit, made_at=booking.made_at, starts_at=booking.starts_at)


def cancellation_rule(unit=None, *, made_at=None, starts_at=None) -> str:
    """The cancellation rule in plain words, as it applies at the unit (stated before booking, R9)."""
    charged = fees(unit, made_at=made_at, starts_at=starts_at) if unit is not None else None
    if charged is None or all(charged.values()):
        return _(
            "Avboka senast 24 timmar före besöket. Avbokar du senare, eller kommer du inte, "
            "skickas en faktura för sent avbokat eller uteblivet besök."
        )
    if charged["no_show"]:
        return _(
            "Avboka senast 24 timmar före besöket om du inte kan komma. Kommer du inte alls, "
            "skickas en faktura för uteblivet besök."
        )
    return _(
        "Avboka gärna senast 24 timmar före besöket om du inte kan komma, så att någon annan kan få tiden."
    )


def booking_rule(booking: Booking) -> str:
    """The cancellation rule of this booking: the one sentence the page, the e-mail, the SMS and the
    calendar file all show (a booking made at short notice may carry no fee)."""
    return cancellation_rule(booking.unit, made_at=booking.made_at, starts_at=booking.starts_at)


def _phone_line(booking: Booking) -> str:
    if booking.unit.phone:
        return _("Frågor? Ring %(unit)s på %(phone)s.") % {
            "unit": booking.unit.name,
            "phone": booking.unit.phone,
        }
    return ""


def _visit_lines(booking: Booking) -> list[str]:
    """What, when, where and the booking number: the lines every message about a booked time has."""
    return [
        _("Besök: %(type)s") % {"type": booking.visit_type.name},
        _("Tid: %(when)s") % {"when": when_text(booking)},
        _("Plats: %(place)s") % {"place": place_text(booking)},
        _("Bokningsnummer: %(ref)s") % {"ref": booking.reference_display},
    ]


def confirmation(booking: Booking) -> tuple[str, str, str]:
    """(subject, e-mail body, SMS body)."""
    link = manage_url(booking)
    subject = _("Bokningsbekräftelse %(ref)s: %(type)s %(when)s") % {
        "ref": booking.reference_display,
        "type": booking.visit_type.name,
        "when": when_text(booking),
    }
    body = "\n".join(
        line
        for line in [
            _("Din tid är bokad."),
            "",
            *_visit_lines(booking),
            "",
            _("Se, flytta eller avboka din tid här (länken är personlig, dela den inte):"),
            link,
            "",
            booking_rule(booking),
            _phone_line(booking),
            "",
            _("Kalenderfilen i bilagan lägger in besöket i din kalender."),
        ]
        if line is not None
    )
    # The same rule, word for word, as the booking page and the e-mail (R9).
    sms = _(
        "Bokad: %(type)s %(when)s, %(unit)s. Bokningsnr %(ref)s. %(rule)s Se, flytta eller avboka: %(link)s"
    ) % {
        "type": booking.visit_type.name,
        "when": when_text(booking),
        "unit": booking.unit.name,
        "ref": booking.reference_display,
        "rule": booking_rule(booking),
        "link": link,
    }
    return subject, body, sms


def moved(booking: Booking) -> tuple[str, str, str]:
    subject, body, sms = confirmation(booking)
    subject = _("Ny tid %(ref)s: %(type)s %(when)s") % {
        "ref": booking.reference_display,
        "type": booking.visit_type.name,
        "when": when_text(booking),
    }
    body = _("Din tid är flyttad. Den gamla tiden gäller inte längre.") + "\n\n" + body
    sms = _("Flyttad: ") + sms
    return subject, body, sms


def cancelled(booking: Booking) -> tuple[str, str, str]:
    subject = _("Avbokad: %(type)s %(when)s (%(ref)s)") % {
        "type": booking.visit_type.name,
        "when": when_text(booking),
        "ref": booking.reference_display,
    }
    lines = [
        _("Din tid %(when)s på %(unit)s är avbokad.")
        % {"when": when_text(booking), "unit": booking.unit.name},
        _("Bokningsnummer: %(ref)s") % {"ref": booking.reference_display},
    ]
    if booking.late_cancellation and booking_fees(booking)["late_cancellation"]:
        lines.append(
            _("Avbokningen kom mindre än 24 timmar före besöket. Du får en faktura för sent avbokat besök.")
        )
    if booking.cancelled_by_kind == "clinic":
        lines.append(_("Mottagningen har avbokat tiden. Vi ber om ursäkt. Boka gärna en ny tid."))
    lines.append(_phone_line(booking))
    body = "\n".join(lines)
    sms = " ".join(lines[:1] + lines[2:3])
    return subject, body, sms


def reminder(booking: Booking) -> tuple[str, str, str]:
    link = manage_url(booking)
    subject = _("Påminnelse: %(type)s %(when)s") % {
        "type": booking.visit_type.name,
        "when": when_text(booking),
    }
    body = "\n".join(
        [
            _("Välkommen till %(unit)s.") % {"unit": booking.unit.name},
            "",
            *_visit_lines(booking),
            "",
            _("Kan du inte komma? Avboka här:"),
            link,
            "",
            booking_rule(booking),
            _phone_line(booking),
        ]
    )
    sms = _("Påminnelse: %(type)s %(when)s, %(unit)s. %(rule)s Avboka här: %(link)s") % {
        "type": booking.visit_type.name,
        "when": when_text(booking),
        "unit": booking.unit.name,
        "rule": booking_rule(booking),
        "link": link,
    }
    return subject, body, sms


# --- iCalendar ------------------------------------------------------------------------------------


def _ics_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _ics_fold(line: str) -> str:
    """Lines longer than 75 octets are folded with CRLF + space, never inside a UTF-8 character."""
    out, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode())
            current = b""
        current += encoded
    out.append(current.decode())
    return "\r\n ".join(out)


def _ics_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def ics(booking: Booking, *, now=None) -> str:
    """The visit as an iCalendar file. A moved booking keeps its UID with a higher SEQUENCE."""
    host = settings.PUBLIC_URL.split("://", 1)[-1].split("/", 1)[0] or "mittvaccin"
    sequence = booking.events.filter(kind="moved").count() if booking.pk else 0
    status = "CANCELLED" if booking.status == Booking.Status.CANCELLED else "CONFIRMED"
    description = "\n".join(
        [
            _("Bokningsnummer: %(ref)s") % {"ref": booking.reference_display},
            _("Se, flytta eller avboka: %(link)s") % {"link": manage_url(booking)},
            booking_rule(booking),
        ]
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//MittVaccin//Tidbok//SV",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:booking-{booking.reference}@{host}",
        f"SEQUENCE:{sequence}",
        f"DTSTAMP:{_ics_time(now or timezone.now())}",
        f"DTSTART:{_ics_time(booking.starts_at)}",
        f"DTEND:{_ics_time(booking.ends_at)}",
        f"SUMMARY:{_ics_escape(booking.visit_type.name + ' – ' + booking.unit.name)}",
        f"LOCATION:{_ics_escape(place_text(booking))}",
        f"DESCRIPTION:{_ics_escape(description)}",
        f"STATUS:{status}",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-PT2H",
        f"DESCRIPTION:{_ics_escape(booking.visit_type.name)}",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_ics_fold(line) for line in lines) + "\r\n"
