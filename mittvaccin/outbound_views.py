"""Messages to residents that did not go out, for staff to follow up (mittvaccin/messaging.py)."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from mittvaccin.decorators import require_right
from mittvaccin.messaging import MAX_ATTEMPTS, undelivered
from mittvaccin.rights import Right


@require_right(Right.BOOKING_MANAGE)
@require_GET
def undelivered_messages(request):
    # Recipients and texts are not listed here (no patient read to log): the booking or the patient's
    # page shows them, and writes the access log when opened.
    messages = list(
        undelivered(request).only(
            "created_at",
            "channel",
            "purpose",
            "reference",
            "status",
            "attempts",
            "next_attempt_at",
            "last_error",
        )[:200]
    )
    return render(
        request,
        "mittvaccin/undelivered.html",
        {"outbound": messages, "max_attempts": MAX_ATTEMPTS},
    )
