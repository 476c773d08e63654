"""An order as HTML: the patient page's orders and the vaccination screen's checks.

Drawn by the template engine each order was some twenty tags, filters and translations, about as much as
the patient page's read of all its orders (issue 11). Here it is one string, the same bytes the template
`journal/_order.html` gave, with every text escaped (the words as `{% translate %}` gives them, not).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from mittvaccin.html_rows import escape, linebreaksbr

DASH = "–"


def _value(value) -> str:
    """As `{{ value }}` shows a number or a text (localized, escaped)."""
    return escape(localize(value))


def _state(order) -> str:
    if order.withdrawn:
        return f'<span class="badge danger">✖ {_("Makulerad")}</span>'
    if not order.remaining:
        return f'<span class="badge ok">✔ {_("Alla doser givna")}</span>'
    if order.expired:
        return f'<span class="badge warn">⚠ {_("Utgången")}</span>'
    return ""


def order_html(order, visit=None) -> SafeString:
    """The order (from `selectors.patient_orders`) as the template drew it; `visit`: the visit the
    vaccination screen shows, whose unit an order from another unit is marked against."""
    left = _("%(left)s av %(total)s doser kvar") % {
        "left": _value(order.remaining),
        "total": _value(order.doses_total),
    }
    schedule = f"{_('Schema')}: {escape(order.schedule)} · " if order.schedule else ""
    instructions = f'<p class="small">{linebreaksbr(order.instructions)}</p>' if order.instructions else ""
    moment = timezone.localtime(order.ordered_at).strftime("%Y-%m-%d %H:%M") if order.ordered_at else DASH
    signed = _("Ordinerad av %(who)s %(when)s på %(unit)s") % {
        "who": escape(order.signature),
        "when": escape(moment),
        "unit": escape(order.unit.name),
    }
    other_unit = (
        f' <span class="tag">{_("annan enhet")}</span>' if visit and order.unit_id != visit.unit_id else ""
    )
    reason = (
        f'<p class="small">{_("Skäl")}: {escape(order.entered_in_error.reason)}</p>'
        if order.withdrawn
        else ""
    )
    return mark_safe(  # noqa: S308  (every text in it is escaped)
        f'\n<div class="order{"" if order.is_open else " closed"}" data-testid="order">\n'
        f"  <p><strong>{escape(order.product.name)}</strong> "
        f'<span class="muted">({escape(order.product.disease)})</span> · {_value(order.dose_ml)} ml ·\n'
        f"    {left}\n"
        f"    {_state(order)}\n"
        "  </p>\n"
        f'  <p class="small">{schedule}{_("gäller till")} {order.valid_until.isoformat()}</p>\n'
        f"  {instructions}\n"
        f'  <p class="small muted">{signed}{other_unit}</p>\n'
        f"  {reason}\n"
        "</div>\n"
    )
