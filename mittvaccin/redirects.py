"""Redirects after a form go through one safe helper: a posted `next` never leaves the site."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default: str, *, field: str = "next", within: str | None = None) -> str:
    """The page the form asked to return to (`field` in the POST, else the query string) when it is on
    this site, and under `within` when that is given (a patient's own pages); `default` otherwise.

    Django's check refuses other hosts, scheme-relative `//host` and the backslash forms browsers
    read as a host (`/\\host`).
    """
    target = request.POST.get(field) or request.GET.get(field) or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return default
    if not target.startswith("/") or (within is not None and not target.startswith(within)):
        return default
    return target
