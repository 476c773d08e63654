"""Password sign-in and what follows it: a second factor where the caregiver asks for one, a new
password where someone else chose the current one, and the sign-in events kept for review."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django_otp import devices_for_user

from mittvaccin.models import SignInEvent, User
from mittvaccin.principal import second_factor_enrolled
from mittvaccin.services import client_address

# The session's sign-in is strong: e-identification, or a password and a second factor.
SESSION_STRONG = "mv_strong"

# What a signed-in user may reach before the gate is passed.
GATE_URL_NAMES = {
    "logout",
    "account_second_factor",
    "account_second_factor_enrol",
    "account_password_first",
    "set_language",
    "ping",
    "healthz",
}


def sign_in_event(
    request, kind: str, *, user=None, username: str = "", by=None, detail: str = ""
) -> SignInEvent:

    return SignInEvent.objects.create(
        kind=kind,
        user=user,
        by=by,
        username=(username or (user.username if user else ""))[:150],
        caregiver_id=user.caregiver_id if user else (by.caregiver_id if by else None),
        client_address=client_address(request) if request is not None else None,
        detail=detail[:300],
    )


def has_second_factor(user) -> bool:

    return any(True for _ in devices_for_user(user, confirmed=True))


def second_factor_required(user) -> bool:
    # Asked on every request of a session without a strong sign-in: from the cached principal.
    return user.caregiver.require_second_factor or second_factor_enrolled(user)


class AccountGateMiddleware:
    """After a password sign-in: the second factor first (where asked for), then a password of one's own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.session.get(SESSION_STRONG):
            match = getattr(request, "resolver_match", None)
            name = match.url_name if match else None
            if name is None:
                try:
                    name = resolve(request.path_info).url_name
                except Resolver404:
                    name = None
            if name not in GATE_URL_NAMES and not request.path_info.startswith("/static/"):
                target = self.gate(request, user)
                if target:
                    if request.headers.get("HX-Request"):
                        response = redirect(target)
                        response.status_code = 200
                        response["HX-Redirect"] = target
                        return response
                    return redirect(target)
        return self.get_response(request)

    @staticmethod
    def gate(request, user) -> str | None:
        if second_factor_required(user):
            if not user.is_verified():
                if second_factor_enrolled(user):
                    return reverse("account_second_factor")
                return reverse("account_second_factor_enrol")
            request.session[SESSION_STRONG] = True
        if user.must_change_password:
            return reverse("account_password_first")
        return None


def _locked_out(request, username, ip_address, **kwargs):

    # Failed attempts are counted by django-axes; the lockout is kept as a sign-in event of the
    # account's caregiver, so its administrator sees it.
    account = User.objects.filter(username=username or "").first()
    sign_in_event(request, SignInEvent.Kind.LOCKED_OUT, user=account, username=username or "", detail="axes")


def connect_signals() -> None:

    user_locked_out.connect(_locked_out, dispatch_uid="mittvaccin_locked_out")
