"""The national vaccine catalogue, for catalogue maintainers only: products, their history, files, maintainers."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from journal import catalogue
from journal.catalogue_forms import CatalogueApplyForm, CatalogueUploadForm, MaintainerGrantForm, ProductForm
from journal.models import VaccineProduct
from mittvaccin.decorators import require_catalogue_maintainer
from mittvaccin.models import CatalogueMaintainerChange, User


@require_catalogue_maintainer
@require_GET
def catalogue_list(request):
    products = VaccineProduct.objects.order_by("-is_active", "name")
    return render(request, "journal/catalogue/list.html", {"products": products})


def _save(request, form, product):
    data = form.cleaned_data
    try:
        saved, changed = catalogue.product_save(
            product=product, data=data, user=request.user, source="screen", comment=data.get("comment", "")
        )
    except catalogue.CatalogueError as error:
        form.add_error(None, error.message)
        return None
    if not changed:
        messages.info(request, _("Inget ändrades i %(name)s.") % {"name": saved.name})
    elif product is None:
        messages.success(request, _("%(name)s är tillagd i katalogen.") % {"name": saved.name})
    else:
        messages.success(
            request, _("%(name)s är sparad som version %(v)d.") % {"name": saved.name, "v": saved.version}
        )
    return redirect("journal:catalogue_product", product_id=saved.pk)


@require_catalogue_maintainer
def product_create(request):
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        response = _save(request, form, None)
        if response is not None:
            return response
    return render(
        request,
        "journal/catalogue/product.html",
        {"form": form, "product": None},
        status=422 if form.errors else 200,
    )


@require_catalogue_maintainer
def product_edit(request, product_id):
    product = get_object_or_404(VaccineProduct, pk=product_id)
    form = ProductForm(request.POST or None, product=product, initial=ProductForm.initial_for(product))
    if request.method == "POST" and form.is_valid():
        response = _save(request, form, product)
        if response is not None:
            return response
    versions = list(product.versions.select_related("changed_by").order_by("-version"))
    history = [
        (
            version,
            catalogue.version_changes(version, versions[index + 1] if index + 1 < len(versions) else None),
        )
        for index, version in enumerate(versions)
    ]
    return render(
        request,
        "journal/catalogue/product.html",
        {"form": form, "product": product, "history": history},
        status=422 if form.errors else 200,
    )


@require_catalogue_maintainer
def catalogue_import(request):
    """Upload → preview of what is added and changed → apply. Nothing changes before the second step."""
    upload_form = CatalogueUploadForm()
    plan = apply_form = problems = None
    stale = False
    if request.method == "POST" and "digest" in request.POST:
        apply_form = CatalogueApplyForm(request.POST)
        if apply_form.is_valid():
            content = apply_form.cleaned_data["content"]
            try:
                plan = catalogue.catalogue_plan(content)
            except catalogue.CatalogueFileError as error:
                problems = error.problems
            else:
                if plan.digest == apply_form.cleaned_data["digest"]:
                    try:
                        counts = catalogue.catalogue_apply(plan, user=request.user, source="import")
                    except catalogue.CatalogueError as error:
                        messages.error(request, error.message)
                    else:
                        messages.success(
                            request,
                            _(
                                "Katalogfilen är inläst: %(add)d tillagda, %(change)d ändrade, %(same)d oförändrade."
                            )
                            % {"add": counts["add"], "change": counts["change"], "same": counts["unchanged"]},
                        )
                        return redirect("journal:catalogue")
                stale = True
                apply_form = CatalogueApplyForm(initial={"content": content, "digest": plan.digest})
    elif request.method == "POST":
        upload_form = CatalogueUploadForm(request.POST, request.FILES)
        if upload_form.is_valid():
            content = upload_form.cleaned_data["file"]
            try:
                plan = catalogue.catalogue_plan(content)
            except catalogue.CatalogueFileError as error:
                problems = error.problems
            else:
                apply_form = CatalogueApplyForm(initial={"content": content, "digest": plan.digest})
    status = 422 if (problems or upload_form.errors) else 200
    return render(
        request,
        "journal/catalogue/import.html",
        {
            "upload_form": upload_form,
            "plan": plan,
            "apply_form": apply_form,
            "problems": problems,
            "stale": stale,
        },
        status=status,
    )


@require_catalogue_maintainer
@require_GET
def catalogue_export(request):
    response = HttpResponse(catalogue.catalogue_export_text(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="vaccinkatalog-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    return response


@require_catalogue_maintainer
def maintainers(request):
    form = MaintainerGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        account = User.objects.filter(username=form.cleaned_data["username"].strip()).first()
        if account is None:
            form.add_error("username", _("Det finns inget konto med det användarnamnet."))
        else:
            try:
                catalogue.maintainer_set(
                    user=account, granted=True, by=request.user, reason=form.cleaned_data["reason"]
                )
            except catalogue.CatalogueError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("%(name)s förvaltar nu vaccinkatalogen.") % {"name": account})
                return redirect("journal:catalogue_maintainers")
    return render(
        request,
        "journal/catalogue/maintainers.html",
        {
            "form": form,
            "maintainers": User.objects.filter(is_catalogue_maintainer=True)
            .select_related("caregiver")
            .order_by("last_name"),
            "changes": CatalogueMaintainerChange.objects.select_related("user", "by")[:50],
        },
        status=422 if form.errors else 200,
    )


@require_catalogue_maintainer
@require_POST
def maintainer_revoke(request, user_id):
    account = get_object_or_404(User, pk=user_id, is_catalogue_maintainer=True)
    reason = (request.POST.get("reason") or "").strip()
    try:
        catalogue.maintainer_set(user=account, granted=False, by=request.user, reason=reason)
    except catalogue.CatalogueError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(name)s förvaltar inte längre vaccinkatalogen.") % {"name": account})
    return redirect("journal:catalogue_maintainers")
