from functools import wraps

from django.core.exceptions import PermissionDenied


def require_right(right: str):
    """The view answers 403 to an account without `right` (rights are explicit, never titles)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.has_right(right):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.required_right = right
        return wrapper

    return decorate


def require_catalogue_maintainer(view):
    """The view answers 403 to everyone but catalogue maintainers (an installation-level right, not a Right)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_catalogue_maintainer):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapper.required_right = "catalogue_maintainer"
    return wrapper
