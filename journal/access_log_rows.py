"""The rows of the administrator's log review (Loggkontroll), as HTML.

A page shows a hundred log rows, and drawing them with the template engine (about thirty tags and
variables a row, each entry a model with its user and unit models) was two thirds of the page's time
(issue 11). Each row is read as the plain values it shows and drawn here, every text escaped.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from mittvaccin.access_actions import describe
from mittvaccin.html_rows import escape

# What a row shows, and what the review's own log entry needs (the patient's id, number and marking).
LOG_ROW_FIELDS = (
    "at",
    "user_id",
    "user__first_name",
    "user__last_name",
    "user__username",
    "api_client_id",
    "api_client_name",
    "resident_identity",
    "unit__name",
    "patient_id",
    "patient_identity",
    "patient_protected",
    "action",
    "params",
    "reason",
    "client_address",
)


def log_rows(entries) -> SafeString:
    """The table body's rows for `entries`, named rows of `LOG_ROW_FIELDS` (`values_list(named=True)`)."""
    zone = timezone.get_current_timezone()
    protected = (
        f' <span class="badge danger">{render_to_string("_icon_lock.html")} {escape(_("Skyddad"))}</span>'
    )
    api_client = escape(_("API-klient"))
    patient_self = escape(_("Patienten själv (e-legitimation)"))
    guardian = escape(_("Vårdnadshavare (e-legitimation)"))
    reason_word = escape(_("Skäl"))
    rows = []
    for entry in entries:
        if entry.user_id:
            # As `User.get_full_name`, then the username beside it.
            name = f"{entry.user__first_name} {entry.user__last_name}".strip()
            reader = f'{escape(name)} <span class="muted small">{escape(entry.user__username)}</span>'
        elif entry.api_client_id is not None:
            reader = f'{escape(entry.api_client_name)} <span class="tag">{api_client}</span>'
        elif entry.resident_identity == entry.patient_identity:
            reader = patient_self
        else:
            reader = guardian
        number = entry.patient_identity
        what = escape(describe(entry.action, entry.params))
        if entry.reason:
            what += f'<br><span class="small">{reason_word}: {escape(entry.reason)}</span>'
        rows.append(
            f"<tr><td>{entry.at.astimezone(zone):%Y-%m-%d %H:%M:%S}</td>"
            f"<td>{reader}</td>"
            f"<td>{escape(entry.unit__name) if entry.unit__name else '–'}</td>"
            f'<td class="pnr">{escape(number[:8])}-{escape(number[8:])}{protected if entry.patient_protected else ""}</td>'
            f"<td>{what}</td>"
            f'<td class="small">{escape(entry.client_address) if entry.client_address else "–"}</td></tr>'
        )
    return mark_safe("\n".join(rows))  # noqa: S308  (every text in the rows is escaped above)
