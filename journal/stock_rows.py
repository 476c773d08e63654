"""The lot rows of the stock page, as HTML.

A unit holds hundreds of lots, and drawing each row with the template engine (a dozen tags and
variables a row) was most of the page's time (issue 11). A row is one string made here with every text
escaped; the words are translated once per page (`lot_words`).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _


def lot_words() -> dict:
    return {
        "expired": escape(_("Utgången – kassera")),
        "expiring": escape(_("Går ut inom 30 dagar")),
        # Filled in per row with the open package's last moment of use.
        "open_vial": _("öppnad förpackning, hållbar till %(t)s"),
    }


def lot_row(lot, *, prefix: str, words: dict) -> SafeString:
    """The <tr> of one lot (a `journal.stock.LotRow`)."""
    batch = lot.batch
    state = " expired" if lot.expired else " expiring" if lot.expiring else ""
    if lot.expired:
        badge = f'<span class="badge danger" data-testid="lot-expired">✖ {words["expired"]}</span>'
    elif lot.expiring:
        badge = f'<span class="badge warn" data-testid="lot-expiring">⚠ {words["expiring"]}</span>'
    else:
        badge = ""
    vial = ""
    if lot.open_vial:
        until = timezone.localtime(lot.open_vial.usable_until).strftime("%Y-%m-%d %H:%M")
        vial = f'<span class="tag">{escape(words["open_vial"] % {"t": until})}</span>'
    return mark_safe(  # noqa: S308  (every text in it is escaped)
        f'<tr class="lot-row{state}">\n'
        "      <td></td>\n"
        f'      <td><a href="{prefix}{batch.pk}/" class="lot">{escape(batch.lot_number)}</a></td>\n'
        f"      <td>{batch.expiry_date.isoformat()}</td>\n"
        f'      <td class="num">{lot.balance}</td>\n'
        f"      <td>{badge}\n"
        f"        {vial}</td>\n"
        "    </tr>"
    )
