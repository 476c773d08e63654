"""The statistics page and its CSV files. Each figure is a chart, the same numbers in a table, and a CSV."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from mittvaccin.decorators import require_right
from mittvaccin.rights import Right
from reports import charts, selectors
from reports.access import units_for, whole_caregiver
from reports.export import figure_csv
from reports.forms import StatisticsFilter
from reports.models import TallyState


def _filters(request):
    """The form and, when it is valid, the Filters it stands for (None otherwise)."""
    units = list(units_for(request))
    form = StatisticsFilter(
        request.GET or None if request.GET else {},
        units=units,
        products=selectors.product_choices(),
        whole_caregiver=whole_caregiver(request.user),
    )
    if not form.is_valid():
        return form, None, units
    data = form.cleaned_data
    chosen = [int(data["unit"])] if data.get("unit") else [unit.pk for unit in units]
    filters = selectors.Filters(
        caregiver_id=request.user.caregiver_id,
        date_from=data["date_from"],
        date_to=data["date_to"],
        unit_ids=chosen,
        product_id=int(data["product"]) if data.get("product") else None,
        granularity=data["granularity"],
    )
    return form, filters, units


def _figures(filters, units) -> dict:
    names = {unit.pk: unit.name for unit in units}
    bookings, shares, fill = selectors.bookings_by_unit_and_week(filters, names)
    doses = selectors.dose_figures(filters)
    return {
        "totals": doses.pop("totals"),
        **doses,
        "no_shows": shares,
        "fill": fill,
        "bookings": bookings,
        "money": selectors.money_by_month(filters, today=timezone.localdate()),
    }


# Which chart draws which figure: (kind, value columns).
CHARTS = {
    "doses": ("columns", [1]),
    "vaccines": ("bars", 1),
    "units": ("bars", 1),
    "ages": ("bars", 1),
    "campaigns": ("bars", 5),
    "no_shows": ("columns", [1, 2]),
    "fill": ("columns", [1]),
    "money": ("columns", [1, 2, 3, 4]),
}


def _chart(figure):
    kind, columns = CHARTS[figure.key]
    if kind == "bars":
        return charts.bars(figure, columns, figure.kinds[columns - 1])
    return charts.columns(figure, columns, figure.kinds)


@require_right(Right.STATISTICS)
@require_GET
def statistics(request):
    form, filters, units = _filters(request)
    context = {"form": form, "filters": filters, "whole": whole_caregiver(request.user), "units": units}
    if filters is not None:
        figures = _figures(filters, units)
        totals = figures.pop("totals")
        context.update(
            {
                "sections": [
                    {"figure": figure, "chart": _chart(figure) if key in CHARTS else None}
                    for key, figure in figures.items()
                ],
                "totals": totals,
                "refreshed": TallyState.objects.filter(caregiver=request.user.caregiver).first(),
                "query": request.GET.urlencode(),
            }
        )
    return render(request, "reports/statistics.html", context, status=200 if filters else 400)


@require_right(Right.STATISTICS)
@require_GET
def statistics_csv(request):
    figure = request.GET.get("figur", "")
    form, filters, units = _filters(request)
    if filters is None:
        message = " ".join(" ".join(errors) for errors in form.errors.values())
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    figures = _figures(filters, units)
    figures.pop("totals")
    if figure not in figures:
        raise Http404
    chosen = figures[figure]
    response = HttpResponse(figure_csv(chosen), content_type="text/csv; charset=utf-8")
    name = _("statistik")
    response["Content-Disposition"] = (
        f'attachment; filename="{name}-{figure}-{filters.date_from}-{filters.date_to}.csv"'
    )
    response["Cache-Control"] = "no-store"
    return response
