"""A staff member's own account: password, second factor, recovery codes; and the administrator's
reset of someone's second factor."""

from __future__ import annotations

import base64

import segno
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from mittvaccin import eid
from mittvaccin.accounts import SESSION_STRONG, has_second_factor, sign_in_event
from mittvaccin.decorators import require_right, signed_in
from mittvaccin.forms import SecondFactorForm
from mittvaccin.models import SignInEvent, User
from mittvaccin.redirects import safe_next
from mittvaccin.rights import Right
from mittvaccin.tenancy import owned, owned_or_404

RECOVERY_CODES = 10


@signed_in
@never_cache
def account(request):
    user = request.user
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        _password_changed(request, user)
        messages.success(request, _("Ditt lösenord är bytt."))
        return redirect("account")
    return render(
        request,
        "mittvaccin/account.html",
        {
            "form": form,
            "has_second_factor": has_second_factor(user),
            "required": user.caregiver.require_second_factor,
            "recovery_left": StaticToken.objects.filter(device__user=user, device__confirmed=True).count(),
            "signed_in_with_eid": bool(request.session.get(eid.SESSION_PROVIDER)),
        },
        status=422 if form.errors else 200,
    )


def _password_changed(request, user):
    with transaction.atomic():
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        sign_in_event(request, SignInEvent.Kind.PASSWORD_CHANGED, user=user)
    update_session_auth_hash(request, user)  # the other sessions end, this one stays


@signed_in
@never_cache
def password_first(request):
    """A password someone else chose (a new account, a reset) is replaced at the first sign-in."""
    user = request.user
    if not user.must_change_password:
        return redirect("home")
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        _password_changed(request, user)
        messages.success(request, _("Ditt nya lösenord är sparat."))
        return redirect("home")
    return render(
        request, "mittvaccin/password_first.html", {"form": form}, status=422 if form.errors else 200
    )


def _next(request) -> str:
    return safe_next(request, reverse("home"))


@signed_in
@never_cache
def second_factor(request):
    """The code from the authenticator app (or one recovery code) after the password."""
    user = request.user
    if request.session.get(SESSION_STRONG) or user.is_verified():
        return redirect(_next(request))
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        for device in devices_for_user(user, confirmed=True):
            if device.verify_token(code):
                otp_login(request, device)
                request.session[SESSION_STRONG] = True
                if isinstance(device, StaticDevice):
                    sign_in_event(request, SignInEvent.Kind.RECOVERY_CODE_USED, user=user)
                    messages.warning(
                        request, _("Du loggade in med en reservkod. Den kan inte användas igen.")
                    )
                return redirect(_next(request))
        sign_in_event(request, SignInEvent.Kind.SECOND_FACTOR_FAILED, user=user)
        form.add_error("code", gettext_lazy("Koden stämmer inte. Försök igen med en ny kod."))
    return render(
        request,
        "mittvaccin/second_factor.html",
        {"form": form, "next": _next(request)},
        status=422 if form.errors else 200,
    )


def _pending_totp(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="MittVaccin", confirmed=False)


@signed_in
@never_cache
def second_factor_enrol(request):
    """Turn on the authenticator app: scan, type one code, get the recovery codes (shown once)."""

    user = request.user
    if has_second_factor(user):
        return redirect("account")
    device = _pending_totp(user)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            with transaction.atomic():
                device.confirmed = True
                device.save()
                codes = _new_recovery_codes(user)
                sign_in_event(request, SignInEvent.Kind.SECOND_FACTOR_ENROLLED, user=user)
            otp_login(request, device)
            request.session[SESSION_STRONG] = True
            return render(request, "mittvaccin/recovery_codes.html", {"codes": codes, "first": True})
        sign_in_event(request, SignInEvent.Kind.SECOND_FACTOR_FAILED, user=user, detail="enrolment")
        form.add_error(
            "code", gettext_lazy("Koden stämmer inte. Kontrollera klockan i telefonen och försök igen.")
        )
    return render(
        request,
        "mittvaccin/second_factor_enrol.html",
        {
            "form": form,
            "qr": segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#111", light="#fff"),
            "secret": base64.b32encode(device.bin_key).decode(),
            "required": user.caregiver.require_second_factor,
        },
        status=422 if form.errors else 200,
    )


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_("Reservkoder"), confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@signed_in
@require_POST
def recovery_codes_renew(request):
    if not has_second_factor(request.user):
        return redirect("account")
    with transaction.atomic():
        codes = _new_recovery_codes(request.user)
    return render(request, "mittvaccin/recovery_codes.html", {"codes": codes, "first": False})


@require_right(Right.CAREGIVER_ADMINISTER)
@require_POST
def staff_second_factor_reset(request, user_id):
    """A lost phone: the administrator removes the account's second factor; it is set up again at the
    next sign-in (where the caregiver requires it)."""
    account_user = owned_or_404(User, request, pk=user_id)
    with transaction.atomic():
        for device in devices_for_user(account_user, confirmed=None):
            device.delete()
        sign_in_event(request, SignInEvent.Kind.SECOND_FACTOR_RESET, user=account_user, by=request.user)
    messages.success(request, _("Tvåstegsverifieringen för %(name)s är återställd.") % {"name": account_user})
    return redirect("staff_edit", user_id=account_user.pk)


@require_right(Right.CAREGIVER_ADMINISTER)
@require_POST
def caregiver_security(request):
    caregiver = request.user.caregiver
    caregiver.require_second_factor = request.POST.get("require_second_factor") == "on"
    caregiver.save(update_fields=["require_second_factor"])
    messages.success(
        request,
        _("Tvåstegsverifiering krävs nu vid inloggning med lösenord.")
        if caregiver.require_second_factor
        else _("Tvåstegsverifiering krävs inte längre (den som har aktiverat den använder den ändå)."),
    )
    return redirect("staff")


@require_right(Right.CAREGIVER_ADMINISTER)
def sign_in_events(request):

    events = owned(SignInEvent, request).select_related("user", "by")[:200]
    return render(request, "mittvaccin/sign_in_events.html", {"events": events})
