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
