"""Daily housekeeping from beat: old rows go, recent ones and unfinished work stay
(siko.housekeeping, notifications.housekeeping)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from notifications.enums import MailKind, MailState
from notifications.housekeeping import clear_sent_mails
from notifications.models import OutgoingMail
from siko.celery import app as celery_app
from siko.housekeeping import run_housekeeping
from siko.models import LocalMail
from siko.sessions import SessionStore
from tests.factories.conferences import make_conference

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 6, 15, 12, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def _session(expires_in: timedelta) -> str:
    store = SessionStore()
    store["siko_refreshed_at"] = 1
    store.create()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() + expires_in
    )
    return str(store.session_key)


def _attempt(username: str, age: timedelta) -> AccessAttempt:
    attempt = AccessAttempt.objects.create(
        username=username, ip_address="10.0.0.1", failures_since_start=3, user_agent="t"
    )
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=timezone.now() - age)
    return attempt


def _local_mail(subject: str, created: datetime) -> None:
    mail = LocalMail.objects.create(
        from_email="siko@x", recipients="a@b", subject=subject, body="", message=""
    )
    LocalMail.objects.filter(pk=mail.pk).update(created=created)


def test_expired_sessions_old_login_attempts_and_old_local_mails_go() -> None:
    expired, alive = _session(-timedelta(minutes=1)), _session(timedelta(minutes=20))
    cooloff = settings.AXES_COOLOFF_TIME
    _attempt("alt", cooloff + timedelta(minutes=1))
    _attempt("frisch", cooloff - timedelta(minutes=5))
    now = timezone.now()
    keep = settings.SIKO_LOCAL_MAILBOX_RETENTION_DAYS
    _local_mail("alt", now - timedelta(days=keep + 1))
    _local_mail("frisch", now - timedelta(days=keep - 1))

    result = run_housekeeping(now=now)

    assert set(Session.objects.values_list("session_key", flat=True)) >= {alive}
    assert not Session.objects.filter(session_key=expired).exists()
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["frisch"]
    assert list(LocalMail.objects.values_list("subject", flat=True)) == ["frisch"]
    assert (result.sessions, result.login_attempts, result.local_mails) == (1, 1, 1)
    # Idempotent: a second run finds nothing left to do.
    again = run_housekeeping(now=now)
    assert (again.sessions, again.login_attempts, again.local_mails) == (0, 0, 0)


def _mail(key: str, state: str, sent_days_ago: int | None, conference=None) -> OutgoingMail:
    return OutgoingMail.objects.create(
        kind=MailKind.NOTICE,
        dedup_key=key,
        to="lzpd@polizei.nrw.example",
        subject=key,
        body_text="Text",
        body_html="<p>Text</p>",
        ics="BEGIN:VCALENDAR",
        state=state,
        conference=conference,
        sent_at=NOON - timedelta(days=sent_days_ago) if sent_days_ago is not None else None,
    )


def test_sent_mails_past_retention_go_and_a_conference_keeps_its_mail_log(kpb_a_user) -> None:
    conference = make_conference(kpb_a_user)
    keep = settings.SIKO_OUTBOX_RETENTION_DAYS
    _mail("alt-ohne-konferenz", MailState.SENT, keep + 1)
    _mail("frisch-ohne-konferenz", MailState.SENT, keep - 1)
    _mail("alt-der-konferenz", MailState.SENT, keep + 1, conference)
    _mail("alt-fehlgeschlagen", MailState.FAILED, None)
    _mail("wartet", MailState.QUEUED, None)

    result = clear_sent_mails(now=NOON)

    rows = {mail.subject: mail for mail in OutgoingMail.objects.all()}
    assert set(rows) == {
        "frisch-ohne-konferenz",
        "alt-der-konferenz",
        "alt-fehlgeschlagen",
        "wartet",
    }
    emptied = rows["alt-der-konferenz"]
    assert (emptied.body_text, emptied.body_html, emptied.ics) == ("", "", "")
    assert (emptied.to, emptied.state, emptied.sent_at) == (
        "lzpd@polizei.nrw.example",
        MailState.SENT,
        NOON - timedelta(days=keep + 1),
    )
    assert rows["frisch-ohne-konferenz"].body_text == "Text"
    assert rows["alt-fehlgeschlagen"].body_text == "Text"
    assert (result.deleted, result.emptied) == (1, 1)
    again = clear_sent_mails(now=NOON)
    assert (again.deleted, again.emptied) == (0, 0)


def test_beat_runs_both_housekeeping_tasks_daily() -> None:
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    celery_app.loader.import_default_modules()  # what a worker does at start

    assert {"siko.housekeeping", "notifications.housekeeping"} <= tasks
    assert {"siko.housekeeping", "notifications.housekeeping"} <= set(celery_app.tasks)
