"""Billing screens: price list, articles, campaigns and settings (administrators); review, invoices,
credit notes, export and job runs (clinic staff); the price step of the dose form (nurses)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from billing import selectors, services
from billing.access import log_patient_read, log_patients_read
from billing.forms import (
    AdjustForm,
    ArticleForm,
    BillingSettingsForm,
    CampaignForm,
    CreditForm,
    JobStartForm,
    PeriodForm,
    PriceForm,
    RemoveForm,
    ReviewFilterForm,
)
from billing.models import (
    Article,
    Campaign,
    Charge,
    Invoice,
    InvoiceCounter,
    InvoiceDocument,
    InvoiceKind,
    JobKind,
    JobRun,
    Price,
)
from billing.money import format_kr
from journal.models import Patient, VaccineProduct, Visit
from mittvaccin.decorators import require_right
from mittvaccin.rights import Right
from mittvaccin.tenancy import owned, owned_or_404


def _form_error_messages(error: ValidationError) -> list[str]:
    return error.messages


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- Prices and articles (administrators, R17) -------------------------------------------------------


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
        except ValidationError as error:
            _apply_errors(form, error)
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
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Det kommande priset för %(item)s är borttaget.") % {"item": item})
    query = f"?product={price.product_id}" if price.product_id else f"?article={price.article_id}"
    return redirect(reverse("billing:price_new") + query)


@require_right(Right.CAREGIVER_ADMINISTER)
def article_edit(request, article_id):
    article = owned_or_404(Article, request, pk=article_id)
    form = ArticleForm(request.POST or None, instance=article)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Artikeln %(name)s är sparad.") % {"name": article.name})
        return redirect("billing:prices")
    return render(request, "billing/article_form.html", {"form": form, "article": article})


@require_right(Right.CAREGIVER_ADMINISTER)
def billing_settings(request):
    row = services.billing_settings_for(request.user.caregiver)
    numbers_used = InvoiceCounter.objects.filter(caregiver=request.user.caregiver, last_number__gt=0).exists()
    form = BillingSettingsForm(request.POST or None, instance=row, numbers_used=numbers_used)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Faktureringsinställningarna är sparade."))
        return redirect("billing:settings")
    return render(request, "billing/settings.html", {"form": form, "numbers_used": numbers_used})


# --- Campaigns (administrators, R10) ----------------------------------------------------------------


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
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Kampanjen %(name)s är sparad.") % {"name": saved.name})
            return redirect("billing:campaigns")
    return render(
        request,
        "billing/campaign_form.html",
        {"form": form, "campaign": campaign, "in_use": bool(campaign and campaign.charges.exists())},
    )


# --- The price step of the dose form (nurses, R10, R16, R18) -----------------------------------------


@require_GET
def dose_price(request):
    """Billing's part of the journal's dose form, loaded by htmx with the form's current fields."""
    if not (request.user.has_right(Right.VACCINATION_REGISTER) or request.user.has_right(Right.JOURNAL_READ)):
        raise PermissionDenied
    try:
        patient_id = int(request.GET.get("patient", ""))
    except ValueError:
        raise Http404 from None
    patient = owned_or_404(Patient, request, pk=patient_id)
    visit = None
    if request.GET.get("visit"):
        visit = owned_or_404(Visit, request, pk=request.GET["visit"], patient=patient)
    unit = visit.unit if visit else request.unit
    product = _dose_product(request, patient)
    day = _dose_day(request.GET.get("given_at")) or (
        timezone.localdate(visit.started_at) if visit else timezone.localdate()
    )
    quote = services.dose_quote(
        patient=patient,
        unit=unit,
        product=product,
        day=day,
        campaign_id=request.GET.get("billing-campaign") or None,
        visit=visit,
    )
    log_patient_read(request, patient, _("Pris och kampanj vid vaccination"))
    response = render(
        request,
        "billing/_dose_price.html",
        {
            "quote": quote,
            "patient": patient,
            "visit": visit,
            "unit": unit,
            "risk_confirmed": bool(request.GET.get("billing-risk-group-confirmed")),
        },
    )
    return response


def _dose_product(request, patient):
    """The product of the dose form: its order (the journal's field), or a product id."""
    from journal.models import Order

    order_id = _int_or_none(request.GET.get("order"))
    if order_id is not None:
        order = owned(Order, request).filter(pk=order_id, patient=patient).select_related("product").first()
        if order is not None:
            return order.product
    product_id = _int_or_none(request.GET.get("product"))
    return VaccineProduct.objects.filter(pk=product_id).first() if product_id is not None else None


def _dose_day(value):
    """The local day of the form's given_at ("2026-11-25T14:32"), if it is one."""
    try:
        return dt.datetime.fromisoformat(value).date() if value else None
    except ValueError:
        return None


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- Review (clinic staff, R11) ---------------------------------------------------------------------


def _review_filter(request, data):
    caregiver = request.user.caregiver
    data = data.copy()
    if "unit" not in data and request.unit and request.unit.has_invoicing:
        data["unit"] = str(request.unit.pk)
    form = ReviewFilterForm(data, caregiver=caregiver)
    date_from, date_to = form.period()
    if form.is_valid():
        # Show the period in effect in the fields, also when it came from the defaults.
        data.setdefault("date_from", date_from.isoformat())
        data.setdefault("date_to", date_to.isoformat())
        if not data["date_from"] or not data["date_to"]:
            data["date_from"], data["date_to"] = date_from.isoformat(), date_to.isoformat()
        form = ReviewFilterForm(data, caregiver=caregiver)
        form.is_valid()
    unit = form.cleaned_data.get("unit") if form.is_valid() else None
    status = (form.cleaned_data.get("status") if form.is_valid() else None) or "pending"
    return form, unit, date_from, date_to, status


@require_right(Right.INVOICING_REVIEW)
@require_GET
def review(request):
    form, unit, date_from, date_to, status = _review_filter(request, request.GET)
    charges = selectors.review_charges(
        who=request, unit=unit, date_from=date_from, date_to=date_to, status=status
    )
    page = Paginator(charges, 200).get_page(request.GET.get("sida"))
    rows = list(page.object_list)
    log_patients_read(request, [c.patient for c in rows], _("Granskning av fakturering"))
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "totals": selectors.review_totals(charges),
        "unit": unit,
        "date_from": date_from,
        "date_to": date_to,
        "status": status,
        "query": request.GET.urlencode(),
    }
    template = (
        "billing/review.html#table" if request.htmx and request.GET.get("partial") else "billing/review.html"
    )
    return render(request, template, context)


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return target
    return ""


def _back_to_review(request):
    return redirect(_safe_next(request) or reverse("billing:review"))


@require_right(Right.INVOICING_REVIEW)
@require_GET
def charge_detail(request, charge_id):
    charge = owned_or_404(
        Charge.objects.select_related(
            "patient", "unit", "campaign", "product", "article", "created_by", "approved_by"
        ),
        request,
        pk=charge_id,
    )
    log_patient_read(request, charge.patient, _("Debitering"))
    return render(
        request,
        "billing/charge_detail.html",
        {
            "charge": charge,
            "adjustments": charge.adjustments.select_related("by").order_by("at", "id"),
            "lines": charge.invoice_lines.select_related("invoice").order_by("invoice__number"),
            "adjust_form": AdjustForm(initial={"amount": charge.amount}, auto_id=f"adjust-{charge.pk}-%s"),
            "remove_form": RemoveForm(auto_id=f"remove-{charge.pk}-%s"),
            "next": request.get_full_path(),
        },
    )


@require_right(Right.INVOICING_REVIEW)
def charge_adjust(request, charge_id):
    charge = owned_or_404(Charge.objects.select_related("patient", "campaign"), request, pk=charge_id)
    form = AdjustForm(
        request.POST or None, initial={"amount": charge.amount}, auto_id=f"adjust-{charge.pk}-%s"
    )
    if request.method == "POST" and form.is_valid():
        try:
            charge = services.charge_adjust(charge=charge, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return _charge_changed(
                request,
                charge,
                _("Beloppet är ändrat till %(amount)s.") % {"amount": format_kr(charge.amount)},
            )
    return _charge_form(request, charge, form, "adjust")


@require_right(Right.INVOICING_REVIEW)
def charge_remove(request, charge_id):
    charge = owned_or_404(Charge.objects.select_related("patient", "campaign"), request, pk=charge_id)
    form = RemoveForm(request.POST or None, auto_id=f"remove-{charge.pk}-%s")
    if request.method == "POST" and form.is_valid():
        try:
            charge = services.charge_remove(charge=charge, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return _charge_changed(request, charge, _("Debiteringen är borttagen."))
    return _charge_form(request, charge, form, "remove")


def _charge_form(request, charge, form, action):
    log_patient_read(request, charge.patient, _("Debitering"))
    context = {
        "charge": charge,
        "form": form,
        "action": action,
        "inline": bool(request.htmx),
        "next": _safe_next(request) or reverse("billing:review"),
    }
    if request.htmx:
        # 200 even with errors: htmx swaps only successful responses, and the form shows its errors.
        return render(request, "billing/_charge_form.html", context)
    return render(request, "billing/charge_form.html", context)


def _charge_changed(request, charge, message):
    if request.htmx:
        charge = (
            Charge.objects.select_related("patient", "unit", "campaign", "product", "article")
            .prefetch_related("adjustments__by")
            .get(pk=charge.pk)
        )
        # The row is drawn for the page it replaces a row of: same filter, so the same columns.
        page_query = QueryDict(urlsplit(request.htmx.current_url or "").query)
        _form, unit, date_from, date_to, status = _review_filter(request, page_query)
        response = render(
            request, "billing/review.html#row", {"charge": charge, "flash": message, "unit": unit}
        )
        # The footer's totals follow the change at once (out of band), as after a reload of the page.
        charges = selectors.review_charges(
            who=request, unit=unit, date_from=date_from, date_to=date_to, status=status
        )
        totals = render_to_string(
            "billing/review.html#totals",
            {"totals": selectors.review_totals(charges), "unit": unit, "oob": True},
            request=request,
        )
        response.content += totals.encode()
        response["HX-Retarget"] = f"#charge-{charge.pk}"
        response["HX-Reswap"] = "outerHTML"
        return response
    messages.success(request, message)
    return _back_to_review(request)


@require_right(Right.INVOICING_REVIEW)
@require_POST
def charges_approve(request):
    ids = [value for value in request.POST.getlist("charge") if value.isdigit()]
    if not ids:
        messages.warning(request, _("Markera de debiteringar som ska godkännas."))
        return _back_to_review(request)
    result = services.charges_approve(caregiver=request.user.caregiver, charge_ids=ids, user=request.user)
    if result.approved:
        messages.success(request, _("%(n)s debiteringar godkända.") % {"n": result.approved})
    if result.already:
        messages.warning(
            request, _("%(n)s av de markerade var redan godkända; de är oförändrade.") % {"n": result.already}
        )
    if result.refused:
        messages.error(
            request,
            _("%(n)s av de markerade kan inte godkännas (fakturerade, borttagna eller okända).")
            % {"n": result.refused},
        )
    return _back_to_review(request)


# --- Invoices (clinic staff, R15) --------------------------------------------------------------------


@require_right(Right.INVOICING_REVIEW)
@require_POST
def invoices_create(request):
    # The same filter fields as the review page, posted with the button: invoice what is shown.
    _form, unit, date_from, date_to, _status = _review_filter(request, request.POST)
    try:
        result = services.invoices_issue(
            caregiver=request.user.caregiver,
            user=request.user,
            unit=unit,
            date_from=date_from,
            date_to=date_to,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back_to_review(request)
    if result.invoices:
        numbers = sorted(i.number for i in result.invoices)
        messages.success(
            request,
            _("%(n)s fakturor skapade (nr %(first)s–%(last)s). PDF:erna skapas nu.")
            % {"n": len(numbers), "first": numbers[0], "last": numbers[-1]},
        )
    if result.closed_without_invoice:
        messages.info(
            request,
            _("%(n)s patienter hade bara avgiftsfria debiteringar (0 kr) och får ingen faktura.")
            % {"n": result.closed_without_invoice},
        )
    for patient, error in result.errors:
        messages.error(
            request,
            _("Ingen faktura för %(patient)s: %(error)s") % {"patient": patient.display_name, "error": error},
        )
    if not (result.invoices or result.closed_without_invoice or result.errors):
        messages.warning(request, _("Det finns inga godkända debiteringar att fakturera i urvalet."))
    return _back_to_review(request)


@require_right(Right.INVOICING_REVIEW)
@require_GET
def invoices(request):
    form = _period_form(request.GET)
    date_from, date_to = form.period()
    rows = (
        owned(Invoice, request)
        .filter(invoice_date__gte=date_from, invoice_date__lte=date_to)
        .select_related("patient", "credited_invoice", "document")
        .order_by("-number")
    )
    kind = request.GET.get("typ")
    if kind in InvoiceKind.values:
        rows = rows.filter(kind=kind)
    page = Paginator(rows, 100).get_page(request.GET.get("sida"))
    log_patients_read(request, [i.patient for i in page.object_list], _("Fakturalista"))
    figures = rows.order_by().aggregate(total=Sum("total"), count=Count("id"))
    return render(
        request,
        "billing/invoices.html",
        {
            "form": form,
            "page": page,
            "figures": figures,
            "date_from": date_from,
            "date_to": date_to,
            "kind": kind,
        },
    )


def _period_form(query):
    """The period filter, showing the period in effect also when it came from the defaults."""
    form = PeriodForm(query or None)
    date_from, date_to = form.period()
    if not form.is_bound or form.is_valid():
        data = query.copy()
        data["date_from"] = data.get("date_from") or date_from.isoformat()
        data["date_to"] = data.get("date_to") or date_to.isoformat()
        form = PeriodForm(data)
        form.is_valid()
    return form


def _invoice(request, invoice_id):
    return owned_or_404(
        Invoice.objects.select_related("patient", "credited_invoice", "issued_by"), request, pk=invoice_id
    )


@require_right(Right.INVOICING_REVIEW)
@require_GET
def invoice_detail(request, invoice_id):
    invoice = _invoice(request, invoice_id)
    document = InvoiceDocument.objects.filter(invoice=invoice).first()
    if request.htmx and request.GET.get("poll"):
        # The PDF status poll shows no patient data, so it reads no patient and logs nothing.
        poll = _int_or_none(request.GET["poll"]) or 0
        return render(
            request,
            "billing/invoice_detail.html#pdf-status",
            {"invoice": invoice, "document": document, "poll": poll, "poll_more": poll < PDF_POLLS},
        )
    log_patient_read(request, invoice.patient, _("Faktura"))
    from billing.pdf import invoice_context

    context = invoice_context(invoice)
    uncredited = not invoice.is_credit_note and invoice.lines.filter(credit_line__isnull=True).exists()
    context.update(
        {
            "credit_notes": list(invoice.credit_notes.order_by("number")),
            "can_credit": uncredited,
            "document": document,
            "credit_form": CreditForm(),
            "poll": 0,
            "poll_more": True,
        }
    )
    return render(request, "billing/invoice_detail.html", context)


# The invoice page asks for the PDF every 3 s for about two minutes; after that the button renders it.
PDF_POLLS = 40


@require_right(Right.INVOICING_REVIEW)
@require_GET
def invoice_pdf(request, invoice_id):
    from billing.pdf import invoice_pdf_bytes

    invoice = _invoice(request, invoice_id)
    log_patient_read(request, invoice.patient, _("Faktura (PDF)"))
    content = invoice_pdf_bytes(invoice)
    kind = "kreditfaktura" if invoice.is_credit_note else "faktura"
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{kind}-{invoice.number}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_right(Right.INVOICING_REVIEW)
def invoice_credit(request, invoice_id):
    invoice = _invoice(request, invoice_id)
    form = CreditForm(request.POST or None)
    if invoice.is_credit_note:
        messages.error(request, _("En kreditfaktura kan inte krediteras."))
        return redirect("billing:invoice", invoice_id=invoice.pk)
    if request.method == "POST" and form.is_valid():
        try:
            note = services.credit_note_issue(invoice=invoice, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Kreditfaktura %(number)s är skapad för faktura %(invoice)s.")
                % {"number": note.number, "invoice": invoice.number},
            )
            return redirect("billing:invoice", invoice_id=note.pk)
    log_patient_read(request, invoice.patient, _("Faktura"))
    return render(request, "billing/invoice_credit.html", {"invoice": invoice, "form": form})


@require_right(Right.INVOICING_REVIEW)
@require_GET
def invoices_export(request):
    form = _period_form(request.GET)
    if request.GET.get("hamta") and form.is_valid():
        date_from, date_to = form.period()
        rows = list(selectors.invoices_for_export(who=request, date_from=date_from, date_to=date_to))
        log_patients_read(request, [i.patient for i in rows], _("Fakturaexport"))
        response = HttpResponse(selectors.export_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="fakturor-{date_from}-{date_to}.csv"'
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "billing/export.html", {"form": form, "columns": selectors.EXPORT_COLUMNS})


# --- Job runs (clinic staff, R8, R9) ------------------------------------------------------------------


@require_right(Right.INVOICING_REVIEW)
@require_GET
def job_runs(request):
    runs = list(owned(JobRun, request).select_related("triggered_by")[:30])
    template = "billing/job_runs.html#runs" if request.htmx else "billing/job_runs.html"
    return render(
        request, template, {"runs": runs, "any_active": any(r.is_active for r in runs), "kinds": JobKind}
    )


@require_right(Right.INVOICING_REVIEW)
@require_POST
def job_start(request):
    from billing.services.jobs import JobAlreadyRunning, job_queue

    form = JobStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Okänt jobb."))
        return redirect("billing:job_runs")
    try:
        run = job_queue(caregiver=request.user.caregiver, kind=form.cleaned_data["kind"], user=request.user)
    except JobAlreadyRunning as running:
        messages.warning(
            request, _("%(job)s pågår redan; följ den nedan.") % {"job": running.run.get_kind_display()}
        )
    else:
        messages.success(request, _("%(job)s har startat.") % {"job": run.get_kind_display()})
    return redirect("billing:job_runs")


@require_right(Right.INVOICING_REVIEW)
@require_GET
def job_run_detail(request, run_id):
    run = owned_or_404(JobRun, request, pk=run_id)
    template = "billing/job_run.html#run" if request.htmx else "billing/job_run.html"
    return render(request, template, {"run": run})


# --- Late cancellations by hand (clinic staff, R9) --------------------------------------------------


@require_right(Right.INVOICING_REVIEW)
@require_GET
def late_cancellations(request):
    """The unit's recent late cancellations and whether each is charged; each can be charged now."""
    from billing.services.jobs import due_bookings

    unit = request.unit
    since = timezone.now() - dt.timedelta(days=14)
    bookings = []
    if unit is not None:
        bookings = list(
            due_bookings(kind=JobKind.LATE_CANCELLATION, caregiver=request.user.caregiver, since=since)
            .filter(unit=unit)
            .order_by("-starts_at", "-pk")[:200]
        )
    article = services.articles_ensure(request.user.caregiver)["late_cancellation"]
    charged = {
        c.booking_id: c
        for c in Charge.objects.filter(booking_id__in=[b.pk for b in bookings], article=article)
    }
    log_patients_read(request, [b.patient for b in bookings], _("Sena avbokningar att debitera"))
    rows = [{"booking": b, "charge": charged.get(b.pk)} for b in bookings]
    return render(request, "billing/late_cancellations.html", {"rows": rows, "unit": unit})


@require_right(Right.INVOICING_REVIEW)
def late_cancellation_charge(request, booking_id):
    """The manual late-cancel path for one booking: show the facts, charge on POST (R9)."""
    from billing.services.jobs import late_cancellation_charge as charge_booking
    from booking.models import Booking

    booking = owned_or_404(
        Booking.objects.select_related("unit", "patient", "visit_type"), request, pk=booking_id
    )
    log_patient_read(request, booking.patient, _("Sen avbokning"))
    if request.method == "POST":
        try:
            charge = charge_booking(booking=booking, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(article)s debiterad: %(amount)s. Debiteringen finns nu i granskningen.")
                % {"article": charge.description, "amount": format_kr(charge.amount)},
            )
            return redirect("billing:charge", charge_id=charge.pk)
    article = services.articles_ensure(request.user.caregiver)["late_cancellation"]
    charge = Charge.objects.filter(booking_id=booking.pk, article=article).first()
    return render(request, "billing/late_cancellation.html", {"booking": booking, "charge": charge})
