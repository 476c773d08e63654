"""`Cache-Control: no-store` on every page, PDF and export the application answers.

Nearly every page carries patient data (a name in the header's search, a booking, an invoice), and a
shared clinic computer, a browser's back button or a proxy must keep none of it. Static files are served
by WhiteNoise before this middleware and keep their long cache lifetimes.
"""

from __future__ import annotations

from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response
