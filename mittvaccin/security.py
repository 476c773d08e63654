"""Response headers Django does not set itself.

Django 5.2 has no Permissions-Policy setting and it is one fixed header, so a four-line middleware is
kept here rather than a package for it. Content-Security-Policy comes from django-csp (settings).
"""

from django.conf import settings


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
