"""What billing's views share: validation errors on forms, the way back to the review."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse


def _form_error_messages(error: ValidationError) -> list[str]:
    return error.messages


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


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
