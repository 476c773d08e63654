"""Sessions in the database, read through the cache: a signed-in request reads its session without a query.

The database stays the record (a session outlives a Redis outage; signing in and working go on), as
with Django's `cached_db` engine, which this is, with two differences:

- A cached copy lives SESSION_CACHE_SECONDS at the most, not the session's whole age. Ending a session
  (sign-out, a password set by someone else, the idle and total lifetime) deletes or rewrites the
  database row and drops the copy; if the cache could not be reached at that moment, a stale copy can
  outlive the change by that long and no longer (the same bound as the cached account,
  `mittvaccin.principal`). The idle and total lifetime are checked on every request from the session's
  own marks (`SessionLifetimeMiddleware`), so they hold whichever copy is read.
- The cache fails soft on every path, reading too: an unreachable cache means a database read, never
  an error.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

logger = logging.getLogger(__name__)

SESSION_CACHE_SECONDS = 60


class SessionStore(CachedDBStore):
    cache_key_prefix = "mittvaccin.session:1:"

    def _cache_seconds(self, age: int) -> int:
        return max(0, min(age, SESSION_CACHE_SECONDS))

    def _cache_set(self, data, age: int) -> None:
        try:
            self._cache.set(self.cache_key, data, self._cache_seconds(age))
        except Exception:  # a speed-up only: the database row is the session
            logger.warning("session cache unwritable", exc_info=True)

    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:
            data = None
        if data is not None:
            return data
        row = self._get_session_from_db()
        if not row:
            return {}
        data = self.decode(row.session_data)
        self._cache_set(data, self.get_expiry_age(expiry=row.expire_date))
        return data

    def exists(self, session_key):
        # Only the database can say a key is free: a new key must never collide with a live session.
        return super(CachedDBStore, self).exists(session_key)

    def save(self, must_create=False):
        super(CachedDBStore, self).save(must_create)
        self._cache_set(self._session, self.get_expiry_age())

    def delete(self, session_key=None):
        super(CachedDBStore, self).delete(session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except Exception:
            logger.warning("session cache entry could not be dropped; it expires on its own", exc_info=True)
