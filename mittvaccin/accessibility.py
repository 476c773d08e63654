"""The accessibility statement (tillgänglighetsredogörelse) that lag 2018:1937 asks of a public service.

One public page for the whole installation. Reached from a unit's booking pages it names that unit's
caregiver and contact details (`?enhet=<slug>`); otherwise the only caregiver of the installation, or
none. The words are in templates/accessibility/statement_content.html, which the caregiver adapts
(README, "Accessibility statement").
"""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from mittvaccin.decorators import public
from mittvaccin.models import Caregiver, Unit


@public
@require_GET
def statement(request):
    unit = (
        Unit.objects.select_related("caregiver")
        .filter(slug=request.GET.get("enhet") or None, is_active=True)
        .first()
    )
    caregiver = unit.caregiver if unit else None
    if caregiver is None:
        only = list(Caregiver.objects.all()[:2])
        caregiver = only[0] if len(only) == 1 else None
    return render(request, "accessibility/statement.html", {"unit": unit, "caregiver": caregiver})
