"""The dose rows of a vaccination history table, as HTML.

The patient page shows twenty doses and the vaccination screen the whole history; drawn by the
template engine each row was some thirty tags, variables and filters, a fifth of the long history
page's time (issue 11). A row is therefore one string made here, the same bytes the template gave, with
every text escaped; the words are translated once per table and the link to mark a dose entered in error
is reversed once per patient.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from journal.selectors import is_entered_in_error, next_dose_reminded_at
from mittvaccin.html_rows import escape

DASH = "–"


def _day(value) -> str:
    """As the `local` filter shows a moment as a day."""
    return timezone.localtime(value).strftime("%Y-%m-%d") if value else DASH


def _words() -> dict:
    return {
        key: escape(text)
        for key, text in {
            "in_error": _("Felregistrerad"),
            "given": _("Given"),
            "next": _("nästa"),
            "reminded": _("påmind"),
            "deviation": _("avvikelse"),
            "not_given": _("Ej given"),
            "elsewhere": _("Given på annat håll"),
            "blocked": _("Spärrad för andra vårdgivare"),
            "mark_error": _("Felregistrerad…"),
        }.items()
    }


def _status(dose, err: bool, words: dict) -> str:
    """What the status cell says before its blocked tag, with the template's line breaks."""
    if err:
        mark = dose.entered_in_error
        return (
            f'<span class="badge danger">✖ {words["in_error"]}</span> '
            f'<span class="small">{escape(mark.reason)} ({escape(mark.signature)})</span>\n        '
        )
    if dose.status == "given":
        due = ""
        if dose.next_due_date:
            when = next_dose_reminded_at(dose)
            reminded = f" · {words['reminded']} {timezone.localtime(when).date().isoformat()}" if when else ""
            due = f' <span class="small">{words["next"]} {dose.next_due_date.isoformat()}{reminded}</span>'
        deviation = ""
        if dose.override_reason:
            deviation = (
                f' <span class="badge warn" title="{escape(dose.schedule_deviation)}">⚠ '
                f"{words['deviation']}</span>"
            )
        return f'<span class="badge ok">✔ {words["given"]}</span>{due}{deviation}\n        '
    if dose.status == "not_given":
        return (
            f'<span class="badge warn">⚠ {words["not_given"]}</span> '
            f'<span class="small">{escape(dose.get_not_given_reason_display())}</span>\n        '
        )
    return f'<span class="tag">{words["elsewhere"]}</span>'


def history_rows(history, *, actions=False, can_register=False, focus=False) -> SafeString:
    """The <tr> of each dose in `history` (or the empty table's row). `actions`: the column with the
    link to mark a dose entered in error (shown when `can_register`); `focus`: the first row is where
    focus goes after "show earlier" brings the rows in, and announces how many came."""
    if not history:
        empty = escape(_("Inga vaccinationer registrerade hos vårdgivaren."))
        return mark_safe(f'\n    <tr><td colspan="7">{empty}</td></tr>\n  ')  # noqa: S308  (escaped)
    words = _words()
    error_links: dict[int, tuple[str, str]] = {}
    parts = []
    for index, dose in enumerate(history):
        err = is_entered_in_error(dose)
        first = bool(focus) and index == 0
        row_id = ' id="earlier-doses"' if first else ""
        announce = ""
        if first:
            count = len(history)
            text = ngettext(
                "%(n)s tidigare vaccination visas", "%(n)s tidigare vaccinationer visas", count
            ) % {"n": count}
            announce = f' data-focus-next data-announce="{text}"'
        name = escape(dose.vaccine_name)
        if dose.product_id is not None:
            name += f' <span class="muted small">{escape(dose.vaccine_disease)}</span>'
        if dose.status == "given_elsewhere":
            place = dose.elsewhere_place or DASH
        else:
            place = (dose.unit.name if dose.unit_id is not None else "") or DASH
        blocked = f'<span class="tag">{words["blocked"]}</span>' if getattr(dose, "is_blocked", False) else ""
        action = ""
        if actions:
            link = ""
            if not err and can_register:
                if dose.patient_id not in error_links:
                    head, tail = reverse("journal:vaccination_error", args=[dose.patient_id, 0]).rsplit(
                        "/0/", 1
                    )
                    error_links[dose.patient_id] = (escape(head), escape(tail))
                head, tail = error_links[dose.patient_id]
                link = f'<a class="small" href="{head}/{dose.pk}/{tail}">{words["mark_error"]}</a>'
            action = f"<td>{link}</td>"
        parts.append(
            f'\n    <tr class="{"in-error" if err else ""} status-{escape(dose.status)}"{row_id}>\n'
            f"      <td{announce}>{_day(dose.given_at)}</td>\n"
            f"      <td>{name}</td>\n"
            f"      <td>{escape(dose.dose_number or DASH)}</td>\n"
            f'      <td class="pnr">{escape(dose.lot_number or DASH)}</td>\n'
            f"      <td>{escape(place)}</td>\n"
            f"      <td>\n        {_status(dose, err, words)}\n        {blocked}\n      </td>\n"
            f"      {action}\n"
            "    </tr>\n  "
        )
    return mark_safe("".join(parts))  # noqa: S308  (every text in it is escaped)


def block_options(history) -> SafeString:
    """The <option> of each dose not blocked yet, for the form that blocks one from other caregivers."""
    return mark_safe(  # noqa: S308  (every text in it is escaped)
        "".join(
            f'<option value="{dose.pk}">{_day(dose.given_at)} {escape(dose.vaccine_name)}</option>'
            for dose in history
            if not getattr(dose, "is_blocked", False)
        )
    )
