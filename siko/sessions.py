"""Sessions read from a cache, confirmed by the database, and written at most once a minute.

**Written at most once a minute.** Saving the session on every request
(SESSION_SAVE_EVERY_REQUEST) wrote a database row per page view of every signed-in user. Instead,
RefreshSessionMiddleware renews the session when its last renewal is a minute old or more, and
the store gives every saved session that minute on top of SESSION_COOKIE_AGE: a session ends
between 30 and 31 minutes after its last request – never earlier than 30, as before, and never
later than 31.

**Read from the cache, confirmed by the database.** The database stays the only authority on
whether a session exists; the cache (each process's memory by default, or Redis) only saves
reading and decoding its data. Every cache entry carries the `expire_date` its save wrote
to the database, which changes with every save. A session read from the cache counts only when
its row with exactly that `expire_date` still exists and has not expired, and that check is part
of the one query that loads the signed-in user, the second factor and the KPB's authority
(siko.signed_in). So:

- a session ended in the database (logout, flush, a new key at login, an expired or deleted row)
  is over at once, even when deleting its cache entry failed or a cache came back from an outage
  with old entries;
- a session saved while its cache entry could not be written reads the database's newer data
  (the entry's `expire_date` no longer matches);
- the cache being down costs a database read, never an error page: every cache call that fails
  is logged (a warning once per outage of a process) and answered from the database, and the
  cache is not asked again for CACHE_RETRY_SECONDS.

Password changes, deactivation and erasure end sessions through the user row, which is read
on every request (Django's session hash, `is_active`).

    SESSION_ENGINE = "siko.sessions"
    SESSION_CACHE_ALIAS = "sessions"  (a cache of CACHES; without it: the database alone)
    MIDDLEWARE: "siko.sessions.RefreshSessionMiddleware" right after SessionMiddleware
"""

import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.cache import BaseCache, caches
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from siko.signed_in import MODEL_BACKEND, CachedSession, SignedIn, load_signed_in, user_pk_from

logger = logging.getLogger(__name__)

#: A session is renewed (written) at most this often.
REFRESH_INTERVAL_SECONDS = 60
#: When the session was last renewed (seconds since the epoch).
REFRESHED_AT_KEY = "siko_refreshed_at"
#: After a failed cache call, sessions come from the database alone for this long.
CACHE_RETRY_SECONDS = 5.0

CACHE_KEY_PREFIX = "siko.session."

_T = TypeVar("_T")


class _CacheState:
    """Whether this process currently reaches the session cache (one per process)."""

    def __init__(self) -> None:
        #: Since the last failed call, until one succeeds (the warning is logged once).
        self.down = False
        #: Until then (time.monotonic()) the cache is not asked.
        self.retry_at = 0.0

    def cache(self) -> BaseCache | None:
        alias = getattr(settings, "SESSION_CACHE_ALIAS", "")
        if alias not in settings.CACHES or (self.down and time.monotonic() < self.retry_at):
            return None
        return caches[alias]

    def call(self, operation: Callable[[], _T]) -> _T | None:
        try:
            result = operation()
        except Exception as error:  # noqa: BLE001 - any cache failure: the database answers
            if not self.down:
                logger.warning(
                    "session cache unavailable, sessions come from the database: %r", error
                )
            self.down = True
            self.retry_at = time.monotonic() + CACHE_RETRY_SECONDS
            return None
        if self.down:
            logger.info("session cache available again")
            self.down = False
        return result


cache_state = _CacheState()


def cache_key(session_key: str) -> str:
    return CACHE_KEY_PREFIX + session_key


def forget_cached_sessions(session_keys: Iterable[str]) -> None:
    """Removes cached copies of sessions deleted in the database by other means than the store
    (a bulk delete). Not needed for correctness – a session without its row does not count – but
    no copy of an ended session's data is kept."""
    keys = [cache_key(key) for key in session_keys]
    cache = cache_state.cache()
    if cache is not None and keys:
        cache_state.call(lambda: cache.delete_many(keys))


class SessionStore(DatabaseSessionStore):
    """Django's database sessions, read through a cache and confirmed by the database; the stored
    expiry covers the renewal interval."""

    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        #: The user, device and authority the confirming query loaded along (siko.signed_in).
        self.signed_in: SignedIn | None = None
        self._written: tuple[str, dict[str, Any], datetime] | None = None

    def get_session_cookie_age(self) -> int:
        return settings.SESSION_COOKIE_AGE + REFRESH_INTERVAL_SECONDS

    def load(self) -> dict[str, Any]:
        self.signed_in = None
        key = self.session_key
        cache = cache_state.cache()
        entry = cache_state.call(lambda: cache.get(cache_key(key))) if cache and key else None
        if entry is not None:
            data, expire_date = entry
            if self._confirm(data, expire_date):
                return data
        return self._load_from_database()

    def _load_from_database(self) -> dict[str, Any]:
        row = self._get_session_from_db()  # type: ignore[attr-defined]  # no row: the key is reset, a new one comes on save
        if row is None:
            return {}
        data = self.decode(row.session_data)
        self._cache_set(row.session_key, data, row.expire_date)
        return data

    def _confirm(self, data: dict[str, Any], expire_date: datetime) -> bool:
        """Whether the session's row as cached is still in the database and not expired; for a
        signed-in session the same query loads the user and the second factor."""
        row = self.model.objects.filter(
            session_key=self.session_key, expire_date=expire_date, expire_date__gt=timezone.now()
        )
        try:
            user_pk = user_pk_from(data) if data.get(BACKEND_SESSION_KEY) == MODEL_BACKEND else None
        except (KeyError, ValidationError):
            user_pk = None
        if user_pk is None:
            return row.exists()
        signed_in, alive = load_signed_in(
            user_pk,
            data.get(DEVICE_ID_SESSION_KEY),
            session=CachedSession(self._session_key or "", expire_date),
        )
        if alive is None:  # the user is gone: the row alone
            alive = row.exists()
        if alive:
            self.signed_in = signed_in
        return alive

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        row = super().create_model_instance(data)
        self._written = (row.session_key, data, row.expire_date)
        return row

    def save(self, must_create: bool = False) -> None:
        self._written = None
        super().save(must_create=must_create)
        if self._written is not None:  # None: create() saved (and cached) already
            session_key, data, expire_date = self._written
            self._written = None
            self._cache_set(session_key, data, expire_date)

    def delete(self, session_key: str | None = None) -> None:
        key = session_key or self.session_key
        super().delete(session_key)
        if key:
            forget_cached_sessions([key])

    def _cache_set(self, session_key: str, data: dict[str, Any], expire_date: datetime) -> None:
        cache = cache_state.cache()
        if cache is None:
            return
        timeout = max(1, int((expire_date - timezone.now()).total_seconds()))
        cache_state.call(lambda: cache.set(cache_key(session_key), (data, expire_date), timeout))


class RefreshSessionMiddleware:
    """Renews a non-empty session once its last renewal is REFRESH_INTERVAL_SECONDS old (the
    SessionMiddleware around it then saves it with a new expiry); a session saved anyway (login,
    messages) counts as renewed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = request.session
        if session.is_empty():
            return response  # anonymous without a session, or just logged out
        now = time.time()
        if session.modified or now - session.get(REFRESHED_AT_KEY, 0) >= REFRESH_INTERVAL_SECONDS:
            session[REFRESHED_AT_KEY] = now
        return response
