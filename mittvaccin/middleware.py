"""Session lifetime and the unit a signed-in user works at."""

import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from mittvaccin.principal import active_units

SESSION_LOGIN_AT = "mv_login_at"
SESSION_SEEN_AT = "mv_seen_at"
SESSION_UNIT = "mv_unit_id"
# Refresh the "last seen" mark at most this often, so an active user does not write the session per request.
SEEN_RESOLUTION_SECONDS = 30


class SessionLifetimeMiddleware:
    """Ends a session after SESSION_IDLE_SECONDS without requests and SESSION_MAX_SECONDS in all."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            login_at = request.session.get(SESSION_LOGIN_AT, now)
            seen_at = request.session.get(SESSION_SEEN_AT, now)
            if now - seen_at > settings.SESSION_IDLE_SECONDS or now - login_at > settings.SESSION_MAX_SECONDS:
                logout(request)
                messages.info(request, _("Du har loggats ut eftersom sessionen gick ut. Logga in igen."))
                login_url = redirect_to_login(resume_path(request), reverse("login"))["Location"]
                if getattr(request, "htmx", False) or request.headers.get("HX-Request"):
                    response = redirect(login_url)
                    response.status_code = 200
                    response["HX-Redirect"] = login_url
                    return response
                return redirect(login_url)
            if SESSION_LOGIN_AT not in request.session:
                request.session[SESSION_LOGIN_AT] = now
            if now - seen_at >= SEEN_RESOLUTION_SECONDS or SESSION_SEEN_AT not in request.session:
                request.session[SESSION_SEEN_AT] = now
        return self.get_response(request)


def resume_path(request) -> str:
    """Where to come back to after logging in again.

    A form's POST address only takes the form, so opening it after the login would be an empty page:
    the page the form was on (the Referer, when it is this site) is shown instead.
    """
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    return same_site_referer(request) or reverse("home")


def same_site_referer(request) -> str:
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return ""


def parent_page(path: str) -> str:
    """The nearest address above `path` that is a page (…/besok/7/kontroller/ → …/besok/7/), or ""."""
    parts = [part for part in path.split("/") if part]
    while len(parts) > 1:
        parts.pop()
        candidate = "/" + "/".join(parts) + "/"
        try:
            resolve(candidate)
        except Resolver404:
            continue
        return candidate
    return ""


class MethodNotAllowedPageMiddleware:
    """A browser that opens a form-only address (a bookmark, a reload, a link back after switching unit)
    gets a page that says so and leads on, instead of an empty 405 response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 405
            and request.method == "GET"
            and not request.headers.get("HX-Request")
            and not response.content
        ):
            back = same_site_referer(request)
            if not back or urlsplit(back).path == request.path:
                back = parent_page(request.path)
            page = render(request, "405.html", {"back": back}, status=405)
            if response.has_header("Allow"):
                page["Allow"] = response["Allow"]
            return page
        return response


class CurrentUnitMiddleware:
    """Sets request.unit: the unit of the user's own caregiver they work at now (switchable)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.unit = None
        if request.user.is_authenticated:
            request.unit = current_unit(request)
        return self.get_response(request)


def current_unit(request):

    unit_id = request.session.get(SESSION_UNIT)
    units = {unit.pk: unit for unit in active_units(request.user)}
    unit = units.get(unit_id) or units.get(request.user.default_unit_id)
    if unit is None and units:
        unit = next(iter(units.values()))
    if unit is not None and unit.pk != unit_id:
        request.session[SESSION_UNIT] = unit.pk
    return unit


class SwedishFirstLocaleMiddleware:
    """Swedish unless the user has chosen another language in the footer.

    Django's LocaleMiddleware would follow the browser's Accept-Language; clinicians on an
    English-language computer still expect the Swedish clinical interface.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            # The next request, task or command in this thread starts from the default again.
            translation.deactivate()
        response.headers.setdefault("Content-Language", language)
        return response
