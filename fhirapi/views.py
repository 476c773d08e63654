"""The administrator's pages for the API's clients: list, create (the secret is shown once), revoke."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fhirapi import services
from fhirapi.forms import ApiClientForm
from fhirapi.models import ApiClient
from mittvaccin.decorators import require_right
from mittvaccin.rights import Right
from mittvaccin.tenancy import owned, owned_or_404


@require_right(Right.CAREGIVER_ADMINISTER)
def clients(request):
    form = ApiClientForm(request.POST or None, caregiver=request.user.caregiver)
    created = None
    if request.method == "POST" and form.is_valid():
        client, secret = services.api_client_create(
            caregiver=request.user.caregiver,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            user=request.user,
        )
        created = {"client": client, "secret": secret}
        form = ApiClientForm(caregiver=request.user.caregiver)
    return render(
        request,
        "fhirapi/clients.html",
        {
            "clients": owned(ApiClient, request)
            .select_related("created_by", "revoked_by")
            .order_by("revoked_at", "name"),
            "form": form,
            "created": created,
            "token_url": request.build_absolute_uri("/fhir/auth/token"),
            "base_url": request.build_absolute_uri("/fhir"),
        },
    )


@require_right(Right.CAREGIVER_ADMINISTER)
@require_POST
def client_revoke(request, client_id):
    client = owned_or_404(ApiClient, request, pk=client_id)
    if services.api_client_revoke(client=client, user=request.user):
        messages.success(
            request,
            _("Klienten %(name)s är återkallad. Dess token slutade gälla nu.") % {"name": client.name},
        )
    else:
        messages.info(request, _("Klienten %(name)s var redan återkallad.") % {"name": client.name})
    return redirect("fhirapi:clients")
