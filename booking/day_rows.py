"""The rows of the timebook's day view, as HTML.

A busy day has hundreds of bookings, and drawing each row with the template engine (some forty tags and
variables a row) was most of the page's time (issue 11). The row is therefore one string made here,
with every text escaped; `RowPage` holds what is the same for every row of a page (links, the CSRF
field, the translated words), made once. The day view and the single row that htmx swaps in after an
action (check-in, no-show) both come from `booking_row`, so they cannot differ. `day_body` puts a
day's booking rows and its free and closed times together, the table's body.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from mittvaccin.html_rows import escape, protected_badge
from mittvaccin.rights import Right


@dataclass(frozen=True)
class RowPage:
    prefix: str  # the booking page's URL without the id
    show_signals: bool
    journal_read: bool
    now: object
    today: object
    csrf_field: str
    protected_badge: str
    words: dict


def row_page(request, *, now=None, today=None) -> RowPage:
    """What every row of one page shares."""
    return RowPage(
        prefix=reverse("booking:booking", args=[0]).removesuffix("0/"),
        show_signals=request.user.has_right(Right.JOURNAL_READ),
        journal_read=request.user.has_right(Right.JOURNAL_READ),
        now=now or timezone.now(),
        today=today or timezone.localdate(),
        csrf_field=f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(get_token(request))}">',
        protected_badge=f" {protected_badge()}",
        words={
            key: escape(text)
            for key, text in {
                "booked": _("Bokad"),
                "web_title": _("Bokad på webben"),
                "web": _("webb"),
                "checked_in": _("Incheckad"),
                "attended": _("Kom (ångrat uteblivet)"),
                "no_show": _("Uteblev"),
                "open_visit": _("Öppna vaccination"),
                "arrival": _("Ankomst"),
                "no_show_confirm": _("Markera som utebliven? Ett uteblivet besök faktureras."),
                "move": _("Boka om"),
                "cancel": _("Avboka"),
                "undo_no_show": _("Ångra uteblivet"),
            }.items()
        },
    )


def booking_row(booking, *, first: bool, page: RowPage) -> SafeString:
    """The <tr> of one booking (decorated by the view: signals, age_text, time_text, is_today, visit_url)."""
    words, pk, status = page.words, booking.pk, booking.status
    link = f"{page.prefix}{pk}/"
    patient = booking.patient
    age = f' <span class="muted">{escape(booking.age_text)}</span>' if booking.age_text else ""
    protected = page.protected_badge if patient.protected_identity else ""
    signals = ""
    if page.show_signals:
        badges = (
            render_to_string("journal/_signal_badges.html", {"signals": booking.signals})
            if booking.signals
            else ""
        )
        signals = f"<td>{badges}</td>"
    return mark_safe(  # noqa: S308  (every text in it is escaped)
        f'\n      <tr id="booking-{pk}" class="bk {escape(status)}{" slot-first" if first else ""}" '
        'data-testid="booking-row">\n'
        f'        <td class="t">{escape(booking.time_text) if first else ""}</td>\n'
        f'        <td><a href="{link}" class="pt-name">{escape(patient.display_name)}</a> '
        f'<span class="pnr">{escape(patient.identity_display)}</span>{age}{protected}</td>\n'
        f"        <td>{escape(booking.visit_type.name)}</td>\n"
        f"        {signals}\n"
        '        <td class="st">\n'
        f"          {_status(booking, words)}\n"
        "        </td>\n"
        '        <td class="acts">\n'
        f"          {_actions(booking, page, link)}\n"
        "        </td>\n"
        "      </tr>\n"
        "      "
    )


def _status(booking, words) -> str:
    status = booking.status
    if status == "booked":
        web = (
            f' <span class="muted small" title="{words["web_title"]}">{words["web"]}</span>'
            if booking.made_by_kind == "resident"
            else ""
        )
        return f'<span class="tag">{words["booked"]}</span>{web}\n          '
    if status == "checked_in":
        return f'<span class="badge ok">✔ {words["checked_in"]}</span>\n          '
    if status == "attended":
        return f'<span class="badge ok">✔ {words["attended"]}</span>\n          '
    if status == "no_show":
        return f'<span class="badge warn">⚠ {words["no_show"]}</span>'
    return ""


def _actions(booking, page: RowPage, link: str) -> str:
    words, status = page.words, booking.status
    if status == "checked_in":
        open_visit = (
            f'<a class="button small primary" href="{escape(booking.visit_url)}">{words["open_visit"]} →</a>'
            if page.journal_read
            else ""
        )
        return f"\n            {open_visit}\n          "
    arrival = no_show = later = undo = ""
    if status in ("booked", "attended") and booking.is_today:
        arrival = (
            f'\n          <form method="post" action="{link}ankomst/" class="inline">{page.csrf_field}\n'
            f'            <button class="button small primary" type="submit" hx-post="{link}ankomst/">'
            f"{words['arrival']}</button>\n          </form>"
        )
    if status == "booked" and booking.starts_at <= page.now:
        no_show = (
            f'\n          <form method="post" action="{link}uteblev/" class="inline">{page.csrf_field}\n'
            f'            <button class="button small" type="submit" hx-post="{link}uteblev/" '
            f'hx-target="#booking-{booking.pk}" hx-swap="outerHTML" hx-confirm="{words["no_show_confirm"]}">'
            f"{words['no_show']}</button>\n          </form>"
        )
    if status == "booked" and booking.starts_at > page.now:
        later = (
            f'\n          <a class="button small" href="{link}flytta/">{words["move"]}</a>\n'
            f'          <a class="button small danger" href="{link}avboka/">{words["cancel"]}</a>\n          '
        )
    if status == "no_show":
        undo = f'<a class="button small" href="{link}angra-uteblev/">{words["undo_no_show"]}</a>'
    return f"\n          {arrival}\n          {no_show}\n          {later}\n          {undo}\n          "


def day_body(view, page: RowPage, *, book_url: str) -> SafeString:
    """The day table's <tbody> content: each time's booking rows (made by the view, `row_html`), then a
    "closed" row for a closed time without bookings or a "free" row with its booking link."""
    closed_word = escape(_("stängd"))
    book_word = escape(_("Boka"))
    columns = 5 if page.show_signals else 4
    parts = []
    for row in view.rows:
        parts.extend(booking.row_html for booking in row.bookings)
        slot = row.slot
        if slot.is_closed:
            if not row.bookings:
                parts.append(
                    f'<tr class="closed-row"><td class="t">{_time(slot.starts_at)}</td>'
                    f'<td colspan="{columns}" class="muted">{closed_word}</td></tr>\n'
                )
        elif row.free:
            free = escape(
                _("ledig (%(free)s av %(capacity)s)") % {"free": row.free, "capacity": slot.capacity}
            )
            book = (
                f'<a class="button small" href="{escape(book_url)}?slot={slot.pk}">{book_word}</a>'
                if slot.starts_at > page.now
                else ""
            )
            parts.append(
                f'<tr class="free-row{"" if row.bookings else " slot-first"}">\n'
                f'  <td class="t">{"" if row.bookings else _time(slot.starts_at)}</td>\n'
                f'  <td colspan="{columns - 1}" class="muted">— {free} '
                f'<span class="small">{escape(slot.schedule_name)}</span></td>\n'
                f'  <td class="acts">{book}</td>\n'
                "</tr>\n"
            )
    return mark_safe("".join(parts))  # noqa: S308  (every text in it is escaped; row_html is built here too)


def _time(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M")
