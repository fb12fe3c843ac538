"""Daily housekeeping (beat, siko.tasks): rows that have done their job are removed.

Each step deletes by age only, so running it twice, or after a missed day, is harmless.

- expired sessions (Django's clearsessions; the store is siko.sessions, a database store);
- login attempts of django-axes whose cool-off has passed (axes' access and failure logs are not
  written at all, see settings);
- local mailbox rows (embedded mode, /postfach/) older than SIKO_LOCAL_MAILBOX_RETENTION_DAYS.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone

from siko.models import LocalMail

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Housekeeping:
    sessions: int
    login_attempts: int
    local_mails: int


def clear_expired_sessions() -> int:
    """Deletes expired sessions, as `manage.py clearsessions` does; returns how many."""
    store: type[SessionBase] = import_module(settings.SESSION_ENGINE).SessionStore
    model = getattr(store, "get_model_class", None)
    before = model().objects.count() if model else 0
    store.clear_expired()
    return before - model().objects.count() if model else 0


def clear_old_login_attempts(now: datetime) -> int:
    """Failed logins whose cool-off has passed no longer count (axes' own rule for expired
    attempts, which it applies only to the user who tries to log in again)."""
    count, _ = AccessAttempt.objects.filter(
        attempt_time__lte=now - settings.AXES_COOLOFF_TIME
    ).delete()
    return count


def clear_local_mailbox(now: datetime) -> int:
    cutoff = now - timedelta(days=settings.SIKO_LOCAL_MAILBOX_RETENTION_DAYS)
    count, _ = LocalMail.objects.filter(created__lt=cutoff).delete()
    return count


def run_housekeeping(*, now: datetime | None = None) -> Housekeeping:
    now = now or timezone.now()
    result = Housekeeping(
        sessions=clear_expired_sessions(),
        login_attempts=clear_old_login_attempts(now),
        local_mails=clear_local_mailbox(now),
    )
    logger.info(
        "housekeeping: %s expired sessions, %s old login attempts, %s local mails removed",
        result.sessions,
        result.login_attempts,
        result.local_mails,
    )
    return result
