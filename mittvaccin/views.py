import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.cache import caches
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from mittvaccin import eid, services
from mittvaccin.accounts import has_second_factor
from mittvaccin.decorators import public, require_right, signed_in
from mittvaccin.forms import LoginForm, StaffCreateForm, StaffForm, StaffPasswordForm, UnitForm
from mittvaccin.models import Unit, User
from mittvaccin.navigation import home_panels
from mittvaccin.redirects import safe_next
from mittvaccin.rights import Right
from mittvaccin.tenancy import owned, owned_or_404

logger = logging.getLogger(__name__)


def csrf_failure(request, reason=""):
    """A stale or re-submitted form after logout: explain, save nothing."""
    return render(request, "403_csrf.html", status=403)


class LoginView(auth_views.LoginView):
    template_name = "mittvaccin/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["eid_providers"] = eid.staff_providers()
        context["eid_development"] = settings.OIDC_DEVELOPMENT
        return context


@signed_in
@require_GET
def home(request):

    return render(request, "mittvaccin/home.html", {"panels": home_panels(request)})


@public
def language_switch(request):
    """Django's own language switch, public on purpose: the login and the residents' pages offer it."""
    return set_language(request)


@signed_in
@require_POST
def unit_switch(request):
    unit = services.unit_switch(request=request, unit_id=request.POST.get("unit"))
    messages.success(request, _("Du arbetar nu på %(unit)s.") % {"unit": unit.name})
    return redirect(safe_next(request, "/"))


@public
@never_cache
def ping(request):
    """The floor of the benchmark: the smallest response the full middleware stack can give."""
    return HttpResponse("ok", content_type="text/plain")


@public
@never_cache
def healthz(request):
    """For load balancers and docker-compose: can this web process serve? It can without Redis.

    A Redis outage degrades the product (no public booking, work waits in the outbox) but every
    signed-in page still works, so only the database decides the status; Redis is reported.
    """

    status = {"database": False, "redis": False}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        status["database"] = True
    except Exception:  # a health check reports, it does not raise
        logger.exception("health check: database")
    try:
        counters = caches["counters"]
        counters.set("healthz", "1", 10)
        status["redis"] = counters.get("healthz") == "1"
    except Exception:
        logger.warning("health check: Redis does not answer")
    ok = status["database"]
    return JsonResponse({"ok": ok, "degraded": not status["redis"], **status}, status=200 if ok else 503)


# --- Caregiver administration ----------------------------------------------------------------------


@require_right(Right.CAREGIVER_ADMINISTER)
def units(request):
    return render(request, "mittvaccin/units.html", {"units": owned(Unit, request).order_by("name")})


@require_right(Right.CAREGIVER_ADMINISTER)
def unit_edit(request, unit_id=None):
    unit = owned_or_404(Unit, request, pk=unit_id) if unit_id else Unit(caregiver=request.user.caregiver)
    form = UnitForm(request.POST or None, instance=unit)
    if request.method == "POST" and form.is_valid():
        services.unit_update(unit=unit, data=form.cleaned_data)
        messages.success(request, _("Enheten %(unit)s är sparad.") % {"unit": unit.name})
        return redirect("units")
    return render(request, "mittvaccin/unit_form.html", {"form": form, "unit": unit})


@require_right(Right.CAREGIVER_ADMINISTER)
def staff(request):
    accounts = owned(User, request).select_related("default_unit").order_by("last_name", "first_name")
    return render(
        request,
        "mittvaccin/staff.html",
        {"accounts": accounts, "rights": Right, "caregiver": request.user.caregiver},
    )


@require_right(Right.CAREGIVER_ADMINISTER)
def staff_create(request):
    form = StaffCreateForm(request.POST or None, caregiver=request.user.caregiver)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        account = services.staff_create(
            caregiver=request.user.caregiver,
            username=data.pop("username"),
            password=data.pop("password"),
            **data,
        )
        messages.success(request, _("Kontot %(name)s är skapat.") % {"name": account})
        return redirect("staff")
    return render(request, "mittvaccin/staff_form.html", {"form": form})


@require_right(Right.CAREGIVER_ADMINISTER)
def staff_edit(request, user_id):
    account = owned_or_404(User, request, pk=user_id)
    form = StaffForm(request.POST or None, instance=account, caregiver=request.user.caregiver)
    if request.method == "POST" and form.is_valid():
        if account == request.user and Right.CAREGIVER_ADMINISTER not in form.cleaned_data["rights"]:
            form.add_error("rights", _("Du kan inte ta bort din egen administratörsbehörighet."))
        else:
            services.staff_update(user=account, data=form.cleaned_data)
            messages.success(request, _("Kontot %(name)s är sparat.") % {"name": account})
            return redirect("staff")
    return render(
        request,
        "mittvaccin/staff_form.html",
        {
            "form": form,
            "account": account,
            "password_form": StaffPasswordForm(account=account),
            "has_second_factor": has_second_factor(account),
        },
    )


@require_right(Right.CAREGIVER_ADMINISTER)
@require_POST
def staff_password(request, user_id):
    account = owned_or_404(User, request, pk=user_id)
    form = StaffPasswordForm(request.POST, account=account)
    if form.is_valid():
        services.staff_password_set(user=account, password=form.cleaned_data["new_password"], by=request.user)
        if account == request.user:
            update_session_auth_hash(request, account)  # changing one's own password keeps one logged in
        messages.success(request, _("Nytt lösenord är satt för %(name)s.") % {"name": account})
        return redirect("staff_edit", user_id=account.pk)
    staff_form = StaffForm(instance=account, caregiver=request.user.caregiver)
    return render(
        request,
        "mittvaccin/staff_form.html",
        {
            "form": staff_form,
            "account": account,
            "password_form": form,
            "has_second_factor": has_second_factor(account),
        },
        status=422,
    )
