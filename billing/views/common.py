"""What billing's views share: ids from query strings, the way back to the review, saved form values."""

from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return target
    return ""


def _back_to_review(request):
    return redirect(_safe_next(request) or reverse("billing:review"))


def _saved_values(form) -> dict:
    """What `form.save()` would write: the model form's fields as cleaning left them on its instance
    (a field missing from the POST keeps its stored value), for a service to save."""
    return {name: getattr(form.instance, name) for name in form._meta.fields}
