"""Sessions that are written at most once a minute and still end after 30 idle minutes.

Saving the session on every request (SESSION_SAVE_EVERY_REQUEST) wrote a database row per page
view of every signed-in user. Instead, RefreshSessionMiddleware renews the session when its last
renewal is a minute old or more, and the store gives every saved session that minute on top of
SESSION_COOKIE_AGE: a session ends between 30 and 31 minutes after its last request – never
earlier than 30, as before, and never later than 31.

    SESSION_ENGINE = "siko.sessions"
    MIDDLEWARE: "siko.sessions.RefreshSessionMiddleware" right after SessionMiddleware
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.http import HttpRequest, HttpResponse

#: A session is renewed (written) at most this often.
REFRESH_INTERVAL_SECONDS = 60
#: When the session was last renewed (seconds since the epoch).
REFRESHED_AT_KEY = "siko_refreshed_at"


class SessionStore(DatabaseSessionStore):
    """Django's database sessions whose stored expiry covers the renewal interval."""

    def get_session_cookie_age(self) -> int:
        return settings.SESSION_COOKIE_AGE + REFRESH_INTERVAL_SECONDS


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
