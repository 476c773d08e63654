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


# Each key counted in its window in one round trip: INCR, and the window's expiry when the key has
# none yet (its first hit). The keys are counted in order and the first one over its limit stops the
# count, so an attempt refused for its address is not counted against the number it carried.
_COUNT = """
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if redis.call('TTL', key) < 0 then redis.call('EXPIRE', key, ARGV[1]) end
  if count > tonumber(ARGV[i + 1]) then return 0 end
end
return 1
"""


def _allowed(*checks: tuple[str, str | None, int]) -> bool:
    """Count one attempt for each (kind, value, limit) that has a value and a limit; False when one
    of them has used up its window."""
    counted = [(kind, value, limit) for kind, value, limit in checks if value and limit > 0]
    if not counted:
        return True
    cache = caches[COUNTERS]
    keys = [cache.make_key(_key(kind, value)) for kind, value, _limit in counted]
    limits = [limit for _kind, _value, limit in counted]
    try:
        client = cache.client.get_client(write=True)
        return bool(
            client.register_script(_COUNT)(
                keys=keys, args=[settings.BOOKING_RATE_LIMIT_WINDOW_SECONDS, *limits]
            )
        )
    except Exception as error:  # Redis away or hanging: whatever the client library raised
        raise _unavailable() from error


def hit(kind: str, value: str, limit: int) -> bool:
    """Count one attempt for (kind, value); False when the limit for the window is already used up."""
    return _allowed((kind, value, limit))


def address_allowed(address: str | None) -> bool:
    return hit("address", address or "unknown", settings.BOOKING_RATE_LIMIT_PER_ADDRESS)


def identity_allowed(identity_number: str) -> bool:
    return hit("identity", identity_number, settings.BOOKING_RATE_LIMIT_PER_IDENTITY)


def booking_allowed(address: str | None, identity_number: str | None) -> bool:
    """A booking form's attempt: its address, and the personnummer when the form gave a valid one."""
    return _allowed(
        ("address", address or "unknown", settings.BOOKING_RATE_LIMIT_PER_ADDRESS),
        ("identity", identity_number, settings.BOOKING_RATE_LIMIT_PER_IDENTITY),
    )
