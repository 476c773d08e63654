"""Flood protection for the public booking forms: a fixed-window counter per key in the shared cache.

While Redis is away the counters cannot count, and the public booking is then closed (a page that says
to try again in a moment, mittvaccin/degraded.py) rather than open without limits.

Written here rather than taken from django-ratelimit: we key on the canonical personnummer, which is
only known after the form has parsed it, and a fixed window in the Redis cache that every web process
shares is a dozen lines; a new dependency would be more to keep than this.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext_lazy as _

from mittvaccin.degraded import ServiceUnavailable

# Not the fail-soft default cache: a limit that cannot count must refuse, not let everything through.
COUNTERS = "counters"


def _unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(
        _(
            "Webbokningen är tillfälligt stängd eftersom en del av systemet inte svarar. "
            "Ingen bokning har gjorts. Försök igen om en stund, eller ring mottagningen."
        ),
        what="booking rate limiter",
    )


def _key(kind: str, value: str) -> str:
    # Personnummer are not written to Redis in clear text.
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{kind}:{value}".encode()).hexdigest()[:32]
    return f"booking:rl:{kind}:{digest}"


def hit(kind: str, value: str, limit: int) -> bool:
    """Count one attempt for (kind, value); False when the limit for the window is already used up."""
    if not value or limit <= 0:
        return True
    key = _key(kind, value)
    window = settings.BOOKING_RATE_LIMIT_WINDOW_SECONDS
    cache = caches[COUNTERS]
    try:
        cache.add(key, 0, timeout=window)
        try:
            count = cache.incr(key)
        except ValueError:
            # The key expired between add and incr: start a new window.
            cache.set(key, 1, timeout=window)
            count = 1
    except Exception as error:  # Redis away or hanging: whatever the client library raised
        raise _unavailable() from error
    return count <= limit


def address_allowed(address: str | None) -> bool:
    return hit("address", address or "unknown", settings.BOOKING_RATE_LIMIT_PER_ADDRESS)


def identity_allowed(identity_number: str) -> bool:
    return hit("identity", identity_number, settings.BOOKING_RATE_LIMIT_PER_IDENTITY)
