"""Campaigns (administrators, R10)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from billing import services
from billing.forms import CampaignForm
from billing.models import Campaign
from mittvaccin.decorators import require_right
from mittvaccin.refusals import refusal_to_form
from mittvaccin.rights import Right
from mittvaccin.tenancy import owned, owned_or_404


@require_right(Right.CAREGIVER_ADMINISTER)
@require_GET
def campaigns(request):
    today = timezone.localdate()
    rows = (
        owned(Campaign, request)
        .prefetch_related("products", "articles")
        .annotate(uses=Count("charges"))
        .order_by("-starts_on", "name")
    )
    return render(request, "billing/campaigns.html", {"campaigns": rows, "today": today})


@require_right(Right.CAREGIVER_ADMINISTER)
def campaign_edit(request, campaign_id=None):
    caregiver = request.user.caregiver
    campaign = owned_or_404(Campaign, request, pk=campaign_id) if campaign_id else None
    initial = {} if campaign else {"starts_on": timezone.localdate(), "campaign_price": "0"}
    form = CampaignForm(request.POST or None, instance=campaign, initial=initial, caregiver=caregiver)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        products, articles = data.pop("products"), data.pop("articles")
        try:
            saved = services.campaign_save(
                caregiver=caregiver,
                data=data,
                products=products,
                articles=articles,
                user=request.user,
                campaign=campaign,
                submission_key=request.POST.get("submission", ""),
            )
        except services.BillingError as error:
            refusal_to_form(form, error)
        else:
            messages.success(request, _("Kampanjen %(name)s är sparad.") % {"name": saved.name})
            return redirect("billing:campaigns")
    return render(
        request,
        "billing/campaign_form.html",
        {
            "form": form,
            "campaign": campaign,
            "in_use": bool(campaign and campaign.charges.exists()),
            # Kept across a refused post: the corrected form is still the same one submission.
            "submission": request.POST.get("submission") or uuid.uuid4().hex,
        },
    )
