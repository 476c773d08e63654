"""Generation tokens for read-mostly copies in the shared cache (the public booking's, the catalogue's).

A copy's key carries the current token of its kind; a change draws a new token, at once and again after
the commit, so a copy made from rows read just before the commit is never reachable afterwards. The cache
fails soft: when it cannot be read there is no token, and the caller reads the database.
"""

from __future__ import annotations

import logging
import uuid

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)


def current(key: str) -> str | None:
    """The token under `key` (drawn when missing), or None when the cache cannot be read."""
    try:
        token = cache.get(key)
        if token is None:
            cache.add(key, uuid.uuid4().hex[:12], timeout=None)
            token = cache.get(key)
    except Exception:
        logger.warning("cache unreadable at %s; reading from the database", key, exc_info=True)
        return None
    return token


def renew(key: str) -> None:
    """A new token under `key`: now and once more after the commit."""

    def draw():
        try:
            cache.set(key, uuid.uuid4().hex[:12], timeout=None)
        except Exception:
            # Unreachable: the copies expire after their own lifetime at the latest.
            logger.warning("could not renew the cache generation %s", key, exc_info=True)

    draw()
    transaction.on_commit(draw)
