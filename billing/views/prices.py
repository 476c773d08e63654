"""Prices, articles and billing settings (administrators, R17)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from billing import selectors, services
from billing.forms import ArticleForm, BillingSettingsForm, PriceForm
from billing.models import Article, InvoiceCounter, Price
from billing.money import format_kr
from billing.views.common import _saved_values
from journal.models import VaccineProduct
from mittvaccin.decorators import require_right
from mittvaccin.refusals import refusal_to_form
from mittvaccin.rights import Right
from mittvaccin.tenancy import owned, owned_or_404


@require_right(Right.CAREGIVER_ADMINISTER)
@require_GET
def prices(request):
    caregiver = request.user.caregiver
    today = timezone.localdate()
    articles = services.articles_ensure(caregiver)
    products = VaccineProduct.objects.filter(is_active=True).order_by("disease", "name")
    article_rows = []
    for kind in ("visit_fee", "no_show", "late_cancellation"):
        article = articles[kind]
        periods = list(article.prices.exclude(valid_until__lt=today).order_by("valid_from"))
        article_rows.append(
            {
                "article": article,
                "current": next((p for p in periods if p.covers(today)), None),
                "upcoming": next((p for p in periods if p.valid_from > today), None),
            }
        )
    return render(
        request,
        "billing/prices.html",
        {
            "rows": selectors.price_rows(caregiver=caregiver, products=products, day=today),
            "article_rows": article_rows,
            "settings_row": services.billing_settings_for(caregiver),
            "today": today,
        },
    )


def _price_item(request):
    """The product (global catalogue) or the caregiver's own article a price form is about."""
    product_id, article_id = request.GET.get("product"), request.GET.get("article")
    try:
        if product_id:
            return VaccineProduct.objects.get(pk=int(product_id)), None
        if article_id:
            return None, owned_or_404(Article, request, pk=int(article_id))
    except (ValueError, VaccineProduct.DoesNotExist):
        pass
    raise Http404


@require_right(Right.CAREGIVER_ADMINISTER)
def price_new(request):
    product, article = _price_item(request)
    caregiver = request.user.caregiver
    history = owned(Price, request).filter(product=product, article=article).select_related("created_by")
    form = PriceForm(request.POST or None, initial={"valid_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            price = services.price_set(
                caregiver=caregiver,
                product=product,
                article=article,
                user=request.user,
                **form.cleaned_data,
            )
        except services.BillingError as error:
            refusal_to_form(form, error)
        else:
            messages.success(
                request,
                _("Priset för %(item)s är %(amount)s från %(date)s.")
                % {"item": product or article, "amount": format_kr(price.amount), "date": price.valid_from},
            )
            return redirect("billing:prices")
    return render(
        request,
        "billing/price_form.html",
        {
            "form": form,
            "item": product or article,
            "history": history.order_by("-valid_from"),
            "today": timezone.localdate(),
        },
    )


@require_right(Right.CAREGIVER_ADMINISTER)
@require_POST
def price_delete(request, price_id):
    price = owned_or_404(Price, request, pk=price_id)
    item = price.product or price.article
    try:
        services.price_remove(price=price, user=request.user)
    except services.BillingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Det kommande priset för %(item)s är borttaget.") % {"item": item})
    query = f"?product={price.product_id}" if price.product_id else f"?article={price.article_id}"
    return redirect(reverse("billing:price_new") + query)


@require_right(Right.CAREGIVER_ADMINISTER)
def article_edit(request, article_id):
    article = owned_or_404(Article, request, pk=article_id)
    form = ArticleForm(request.POST or None, instance=article)
    if request.method == "POST" and form.is_valid():
        services.article_save(article=article, data=_saved_values(form))
        messages.success(request, _("Artikeln %(name)s är sparad.") % {"name": article.name})
        return redirect("billing:prices")
    return render(request, "billing/article_form.html", {"form": form, "article": article})


@require_right(Right.CAREGIVER_ADMINISTER)
def billing_settings(request):
    row = services.billing_settings_for(request.user.caregiver)
    numbers_used = InvoiceCounter.objects.filter(caregiver=request.user.caregiver, last_number__gt=0).exists()
    form = BillingSettingsForm(request.POST or None, instance=row, numbers_used=numbers_used)
    if request.method == "POST" and form.is_valid():
        services.billing_settings_save(caregiver=request.user.caregiver, data=_saved_values(form))
        messages.success(request, _("Faktureringsinställningarna är sparade."))
        return redirect("billing:settings")
    return render(request, "billing/settings.html", {"form": form, "numbers_used": numbers_used})
