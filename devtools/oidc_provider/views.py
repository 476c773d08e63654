from django.contrib.auth import login
from django.contrib.auth.models import User
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from devtools.oidc_provider.models import TestIdentity


def index(request):
    return render(request, "idp/index.html", {"identities": TestIdentity.objects.select_related("user")})


def login_view(request):
    """Sign in as a test identity: no password, no card, no BankID. Development and tests only."""
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    error = ""
    if request.method == "POST":
        user = User.objects.filter(username=request.POST.get("identity", "").strip()).first()
        if user is None:
            error = "Ingen testidentitet med det namnet."
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(next_url)
    identities = TestIdentity.objects.select_related("user")
    return render(
        request,
        "idp/login.html",
        {"identities": identities, "next": next_url, "error": error},
        status=400 if error else 200,
    )
