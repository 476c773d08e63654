"""What billing's views share: ids from query strings, the way back to the review, saved form values."""

from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse

from mittvaccin.redirects import safe_next


def _back_to_review(request):
    return redirect(safe_next(request, reverse("billing:review")))


def _saved_values(form) -> dict:
    """What `form.save()` would write: the model form's fields as cleaning left them on its instance
    (a field missing from the POST keeps its stored value), for a service to save."""
    return {name: getattr(form.instance, name) for name in form._meta.fields}
