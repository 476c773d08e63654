"""When a part the product leans on is away (Redis), refuse clearly instead of failing or going unguarded.

A view, or anything it calls, raises ServiceUnavailable; the middleware answers with a page that says
what happened and to try again in a moment (503 with Retry-After), and nothing was saved. Used where
going on without the part would be unsafe: the public booking's rate limits must count every attempt,
so while Redis is away the public booking is closed rather than unlimited.
"""

from __future__ import annotations

import logging

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 60


class ServiceUnavailable(Exception):
    def __init__(self, message=None, *, what: str = ""):
        self.message = message or _("Tjänsten är tillfälligt otillgänglig. Försök igen om en stund.")
        self.what = what
        super().__init__(str(self.message))


class ServiceUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ServiceUnavailable):
            return None
        logger.warning("%s unavailable: %s refused", exception.what or "a service", request.path)
        response = render(request, "503.html", {"message": exception.message}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
