"""Sends outbox rows: every mail is a row first (queued → sending → sent | failed).

Who may send a row
    A worker claims a row with a conditional UPDATE (queued → sending) whose row count must be 1,
    so a double click, a retried task or a duplicate broker message sends nothing twice. On
    PostgreSQL the claimer also holds a session advisory lock on the row while it talks to the
    mail server. The lock dies with the worker's database session, so "sending, but nobody holds
    the lock" proves that the sender is gone (SIGKILL, OOM, lost host): the row may be taken over
    at once by the redelivered task or the sweeper. Without advisory locks (SQLite) a row counts
    as abandoned after SENDING_LEASE, which is longer than any task may run.

Transient and permanent errors
    Connection problems, timeouts and 4xx answers put the row back to queued with a growing
    delay (BACKOFF); the task retries with a countdown, delays too long for the broker are left to
    the sweeper. 5xx answers and refused recipients fail the row at once; the German error is
    shown in the conference's mail log.

The window that stays open
    If the mail server accepted a message (250 after DATA) and the worker dies before it marks
    the row sent, the row is sent again. Closing that window needs a two-phase commit between the
    database and SMTP, which SMTP does not offer. The Message-ID is stable per row, so receiving
    systems (and people) can recognise the duplicate.
"""

import contextvars
import logging
import re
import smtplib
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formataddr, parseaddr
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import DatabaseError, connection
from django.db.models import F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from notifications.compose import build_message as compose_message
from notifications.enums import MailState
from notifications.models import OutgoingMail

logger = logging.getLogger(__name__)

#: Delay before attempt n+1 after a transient error in attempt n; attempt 6 failing is final.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(minutes=30),
    timedelta(minutes=60),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
#: A row in `sending` without a lock-holding sender counts as abandoned after this long (SQLite:
#: no advisory locks, so the lease must outlast the hard task time limit).
SENDING_LEASE = timedelta(minutes=15)
#: A queued row whose time came this long ago without a worker taking it has lost its task
#: (Redis down at commit, a message lost); the sweeper enqueues it again.
QUEUED_GRACE = timedelta(minutes=3)
SWEEP_BATCH = 500
#: Namespace of the advisory lock keys (high 32 bits of the bigint key): "SiKo".
_LOCK_NAMESPACE = 0x53694B6F
_DISPLAY_NAME_UNSAFE = re.compile(r"[^\w .&/-]+")


def max_retry_countdown() -> int:
    """The longest countdown handed to Celery: the task must start and end within the broker's
    visibility timeout, or Redis would hand the message to a second worker."""
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    return visibility - settings.CELERY_TASK_TIME_LIMIT - 60


@dataclass(frozen=True)
class SendResult:
    """What one send attempt did; `retry_in` is set when the row waits for another attempt."""

    state: str  # a MailState, or "" when this call did not own the row
    retry_in: timedelta | None = None

    @property
    def claimed(self) -> bool:
        return bool(self.state)


NOT_CLAIMED = SendResult("")


def _uses_advisory_locks() -> bool:
    return connection.vendor == "postgresql"


def _lock_key(mail_id: int) -> int:
    return (_LOCK_NAMESPACE << 32) | (mail_id & 0xFFFFFFFF)


@contextmanager
def _sender_lock(mail_id: int) -> Iterator[bool]:
    """Holds the row's advisory lock (PostgreSQL) for the duration; yields False if another live
    session holds it. Without advisory locks it yields True and claims rely on the UPDATE alone."""
    if not _uses_advisory_locks():
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_lock_key(mail_id)])
        acquired = cursor.fetchone()[0]
    if not acquired:
        yield False
        return
    try:
        yield True
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_lock_key(mail_id)])
        except DatabaseError:
            # A broken session has lost its locks anyway; a fresh one is opened on next use.
            connection.close()


def sender_address(mail: OutgoingMail) -> str:
    """From: "SiKo NRW - <host>" <address>. The display name keeps letters (umlauts become an
    RFC 2047 encoded word) but loses quotes, commas, brackets and the like, which Exchange and
    some gateways mangle or reject."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
    name = "SiKo NRW"
    if mail.conference is not None:
        name = f"{name} - {mail.conference.host.short_name}"
    name = " ".join(_DISPLAY_NAME_UNSAFE.sub(" ", name).split())
    return formataddr((name, address), charset="utf-8")


def build_message(mail: OutgoingMail) -> EmailMultiAlternatives:
    """The row as it goes over the wire: text, HTML and calendar from the row, plus the headers
    that make it traceable (stable Message-ID, correlation id) and mark it as automatic."""
    message = compose_message(mail, from_email=sender_address(mail))
    message.extra_headers.update(
        {
            "Message-ID": mail.message_id,
            "Auto-Submitted": "auto-generated",
            # Exchange: no out-of-office or auto replies to a robot.
            "X-Auto-Response-Suppress": "OOF, AutoReply",
            "X-SiKo-Correlation-ID": str(mail.correlation_id),
        }
    )
    return message


def send_mail_row(mail_id: int, *, now: datetime | None = None) -> SendResult:
    """Sends one outbox row if this call can claim it; never raises for mail server errors.

    Invariants: a row is only sent by the caller whose conditional UPDATE moved it to sending
    (row count 1); each claim counts one attempt; the row ends in sent, failed, or queued with
    next_attempt_at.
    """
    with _sender_lock(mail_id) as locked:
        if not locked:
            return NOT_CLAIMED  # a live worker is sending it right now
        claimable = Q(state=MailState.QUEUED)
        if _uses_advisory_locks():
            # We hold the lock, so a row left in `sending` has lost its sender.
            claimable |= Q(state=MailState.SENDING, attempts__lt=MAX_ATTEMPTS)
        started = now or timezone.now()
        claimed = OutgoingMail.objects.filter(claimable, pk=mail_id).update(
            state=MailState.SENDING,
            sending_since=started,
            next_attempt_at=None,
            attempts=F("attempts") + 1,
        )
        if claimed != 1:
            return NOT_CLAIMED
        mail = OutgoingMail.objects.select_related("conference__host").get(pk=mail_id)
        return _deliver_claimed(mail, started)


def _deliver_claimed(mail: OutgoingMail, started: datetime) -> SendResult:
    """Sends a row this caller claimed (state sending) and marks it at once: sent right after
    the server's 250, so that a kill finds as few sent-but-unmarked rows as possible."""
    if not mail.to:
        OutgoingMail.objects.filter(pk=mail.pk).update(
            state=MailState.FAILED,
            sending_since=None,
            last_error=_("Die Mail hat keine Empfängeradresse."),
        )
        return SendResult(MailState.FAILED)
    try:
        _send_over_kept_connection(build_message(mail))
    except Exception as error:  # noqa: BLE001 - every error ends in a visible row state
        _drop_kept_connection()
        return _record_failure(mail, error, started)
    OutgoingMail.objects.filter(pk=mail.pk).update(
        state=MailState.SENT, sent_at=timezone.now(), last_error=""
    )
    logger.info(
        "mail %s sent (correlation %s, attempt %s)",
        mail.pk,
        mail.correlation_id,
        mail.attempts,
        extra={"mail_id": mail.pk, "correlation_id": str(mail.correlation_id)},
    )
    return SendResult(MailState.SENT)


#: Rows a delivery task claims together: one lock query, one claiming UPDATE and one read per
#: group instead of per mail (each mail is still marked sent on its own, at once). A worker
#: killed mid-group leaves up to this many claimed rows, each with one attempt counted, which
#: its redelivered task or the sweep takes again.
CLAIM_GROUP = 10


@contextmanager
def _sender_locks(mail_ids: list[int]) -> Iterator[list[int]]:
    """_sender_lock for several rows, one query to take and one to release: yields the ids whose
    lock this session got (all of them without advisory locks)."""
    if not _uses_advisory_locks():
        yield mail_ids
        return
    keys = {_lock_key(mail_id): mail_id for mail_id in mail_ids}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT k, pg_try_advisory_lock(k) FROM unnest(%s::bigint[]) AS k", [list(keys)]
        )
        locked = [keys[key] for key, acquired in cursor.fetchall() if acquired]
    try:
        yield locked
    finally:
        if locked:
            try:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_advisory_unlock(k) FROM unnest(%s::bigint[]) AS k",
                        [[_lock_key(mail_id) for mail_id in locked]],
                    )
            except DatabaseError:
                connection.close()  # a broken session has lost its locks anyway


def _claim(mail_ids: list[int], started: datetime) -> list[int]:
    """The conditional UPDATE of send_mail_row for several rows; returns the ids it moved to
    sending (UPDATE … RETURNING: PostgreSQL, SQLite 3.35+)."""
    if not mail_ids:
        return []
    meta, quote = OutgoingMail._meta, connection.ops.quote_name

    def column(name: str) -> str:
        return quote(str(getattr(meta.get_field(name), "column")))  # noqa: B009 - typed union

    claimable = f"{column('state')} = %s"
    params: list[Any] = [
        MailState.SENDING,
        connection.ops.adapt_datetimefield_value(started),
        *mail_ids,
        MailState.QUEUED,
    ]
    if _uses_advisory_locks():
        # We hold the locks, so a row left in `sending` has lost its sender.
        claimable += f" OR ({column('state')} = %s AND {column('attempts')} < %s)"
        params += [MailState.SENDING, MAX_ATTEMPTS]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} SET {column('state')} = %s, "  # noqa: S608 - names
            f"{column('sending_since')} = %s, {column('next_attempt_at')} = NULL, "
            f"{column('attempts')} = {column('attempts')} + 1 "
            f"WHERE {column('id')} IN ({', '.join(['%s'] * len(mail_ids))}) AND ({claimable}) "
            f"RETURNING {column('id')}",
            params,
        )
        return [row[0] for row in cursor.fetchall()]


def send_mail_rows(
    mail_ids: list[int], *, now: datetime | None = None, senders: int = 1
) -> dict[int, SendResult]:
    """send_mail_row for a batch, with the same invariants per row (only the caller whose
    UPDATE moved a row to sending sends it; each claim counts one attempt), claimed in groups
    of CLAIM_GROUP. Returns each id's result (NOT_CLAIMED for rows another sender has or had).

    With `senders` > 1 (PostgreSQL only) the groups are shared by as many threads, each with its
    own database session (its claims and advisory locks) and its own kept mail server
    connection: a sender mostly waits for the mail server's and the database's answers, so
    several sessions in flight deliver more per process. The calling thread is one of them."""
    ids = list(dict.fromkeys(mail_ids))  # a lock taken twice would be released once
    results = dict.fromkeys(ids, NOT_CLAIMED)
    senders = max(1, min(senders, len(ids))) if _uses_advisory_locks() else 1
    # Shared by several senders, the groups are smaller (about two per sender), so that all
    # of them finish at about the same time.
    size = min(CLAIM_GROUP, max(1, -(-len(ids) // (2 * senders)))) if senders > 1 else CLAIM_GROUP
    groups = [ids[start : start + size] for start in range(0, len(ids), size)]
    helpers = min(senders, len(groups)) - 1
    if helpers <= 0:
        for group in groups:
            results.update(_send_group(group, now))
        return results
    taken = threading.Lock()
    pending = iter(groups)

    def next_group() -> list[int] | None:
        with taken:
            return next(pending, None)

    def send_groups(*, own_session: bool) -> None:
        try:
            while (group := next_group()) is not None:
                results.update(_send_group(group, now))
        finally:
            if own_session:
                connection.close()  # this helper thread's session (and any lock left in it)

    # Each helper runs in a copy of the caller's context (scopes, the log's request id).
    helper_runs = [
        _helper_pool().submit(contextvars.copy_context().run, send_groups, own_session=True)
        for _ in range(helpers)
    ]
    try:
        send_groups(own_session=False)
    finally:
        for run in helper_runs:
            run.result()  # waits; a helper's database error fails the task as it would here
    return results


def _send_group(group: list[int], now: datetime | None) -> dict[int, SendResult]:
    """One claim group: lock, claim and read together, then each mail sent and marked."""
    results: dict[int, SendResult] = {}
    with _sender_locks(group) as locked:
        started = now or timezone.now()
        claimed = _claim(locked, started)
        rows = OutgoingMail.objects.select_related("conference__host").in_bulk(claimed)
        for mail_id in sorted(claimed):
            results[mail_id] = _deliver_claimed(rows[mail_id], started)
    return results


#: The threads that help a delivery task send (send_mail_rows' `senders`), started on first use
#: in the worker process; they keep their mail server connections between tasks.
_helpers: ThreadPoolExecutor | None = None
_helpers_lock = threading.Lock()
#: At most this many helper threads per process.
MAX_HELPERS = 7


def _helper_pool() -> ThreadPoolExecutor:
    global _helpers  # noqa: PLW0603 - one pool per process, made on first use (after the fork)
    with _helpers_lock:
        if _helpers is None:
            _helpers = ThreadPoolExecutor(MAX_HELPERS, thread_name_prefix="siko-sender")
        return _helpers


#: A worker keeps its mail server connection between mails (a fan-out sends one after the other
#: without connecting each time); after this long without a mail it connects anew.
KEPT_CONNECTION_IDLE_SECONDS = 20
_kept = threading.local()


def _mail_settings() -> tuple:
    return tuple(
        getattr(settings, name, None)
        for name in (
            "EMAIL_BACKEND",
            "EMAIL_HOST",
            "EMAIL_PORT",
            "EMAIL_HOST_USER",
            "EMAIL_USE_TLS",
            "EMAIL_USE_SSL",
        )
    )


def _drop_kept_connection() -> None:
    connection = getattr(_kept, "connection", None)
    _kept.connection = None
    if connection is not None:
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - a broken connection is dropped either way
            logger.debug("closing the kept mail connection failed", exc_info=True)


def _kept_connection() -> tuple[BaseEmailBackend, bool]:
    """This thread's open mail connection and whether it was used before (reused)."""
    now = time.monotonic()
    if getattr(_kept, "connection", None) is not None and (
        _kept.settings != _mail_settings() or now - _kept.used > KEPT_CONNECTION_IDLE_SECONDS
    ):
        _drop_kept_connection()
    reused = getattr(_kept, "connection", None) is not None
    if not reused:
        connection = get_connection()
        connection.open()  # SMTP connects here; the local mailbox has nothing to open
        _kept.connection, _kept.settings = connection, _mail_settings()
    _kept.used = now
    return _kept.connection, reused


def _send_over_kept_connection(message: EmailMultiAlternatives) -> None:
    """Sends over the kept connection. If the server closed a reused connection in the meantime
    (idle timeout, restart), the mail goes once more over a new one: smtplib reports a disconnect
    before the server's 250 to DATA, so the server did not take the message – except in the
    window the module docstring describes, which a worker kill opens just the same."""
    message.connection, reused = _kept_connection()
    try:
        message.send()
    except smtplib.SMTPServerDisconnected:
        if not reused:
            raise
        _drop_kept_connection()
        message.connection, _reused = _kept_connection()
        message.send()


def _smtp_code(error: Exception) -> int | None:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return max(codes) if codes else None
    return getattr(error, "smtp_code", None)


def _decoded(message: bytes | str | None) -> str:
    if isinstance(message, bytes):
        return message.decode(errors="replace")
    return str(message or "")


def _smtp_text(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{code} {_decoded(message)}" for code, message in error.recipients.values()
        )
    code, message = getattr(error, "smtp_code", None), getattr(error, "smtp_error", None)
    if code is not None:
        return f"{code} {_decoded(message)}".strip()
    return f"{type(error).__name__}: {error}".strip().rstrip(":")


def is_transient(error: Exception) -> bool:
    """Worth another attempt: the server or the network is busy, not the mail wrong."""
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return True  # a configuration problem an administrator can fix; keep the mail
    code = _smtp_code(error)
    if code is not None:
        return 400 <= code < 500
    # SMTPServerDisconnected, SMTPConnectError without a code, socket timeouts, refused
    # connections and Celery's soft time limit: the attempt did not go through.
    return isinstance(error, (smtplib.SMTPException, OSError, SoftTimeLimitExceeded))


def _record_failure(mail: OutgoingMail, error: Exception, started: datetime) -> SendResult:
    detail = _smtp_text(error)[:1000]
    if is_transient(error) and mail.attempts < MAX_ATTEMPTS:
        delay = BACKOFF[mail.attempts - 1]
        next_attempt = started + delay
        when = formats.time_format(timezone.localtime(next_attempt), "H:i")
        OutgoingMail.objects.filter(pk=mail.pk).update(
            state=MailState.QUEUED,
            sending_since=None,
            next_attempt_at=next_attempt,
            last_error=_(
                "Vorübergehender Fehler (Versuch %(attempt)s von %(max)s): %(detail)s. "
                "Neuer Versuch ab %(when)s Uhr."
            )
            % {"attempt": mail.attempts, "max": MAX_ATTEMPTS, "detail": detail, "when": when},
        )
        logger.warning(
            "mail %s: transient error in attempt %s, retry in %s", mail.pk, mail.attempts, delay
        )
        return SendResult(MailState.QUEUED, retry_in=delay)
    if is_transient(error):
        text = _("Nach %(max)s Versuchen aufgegeben: %(detail)s") % {
            "max": MAX_ATTEMPTS,
            "detail": detail,
        }
    elif _smtp_code(error) is not None:
        text = _("Der Mailserver hat die Mail abgelehnt: %(detail)s") % {"detail": detail}
    else:
        logger.exception("mail %s could not be built or sent", mail.pk)
        text = _("Die Mail konnte nicht versendet werden: %(detail)s") % {"detail": detail}
    OutgoingMail.objects.filter(pk=mail.pk).update(
        state=MailState.FAILED, sending_since=None, last_error=text
    )
    logger.warning("mail %s failed for good after %s attempts", mail.pk, mail.attempts)
    return SendResult(MailState.FAILED)


@dataclass(frozen=True)
class SweepResult:
    recovered: list[int]  # rows whose sender died while sending; queued again
    given_up: list[int]  # rows whose sender died too often; failed
    enqueued: list[int]  # queued rows handed to the broker again


def _abandoned_sending(now: datetime) -> tuple[list[int], list[int]]:
    """Rows in `sending` whose sender is gone: back to queued (or failed after MAX_ATTEMPTS)."""
    stuck = OutgoingMail.objects.filter(state=MailState.SENDING).order_by("pk")
    if not _uses_advisory_locks():
        stuck = stuck.filter(sending_since__lte=now - SENDING_LEASE)
    recovered, given_up = [], []
    for mail_id, attempts, since in stuck.values_list("pk", "attempts", "sending_since")[
        :SWEEP_BATCH
    ]:
        with _sender_lock(mail_id) as locked:
            if not locked:
                if since and since <= now - SENDING_LEASE:
                    _end_dead_session(mail_id)
                continue
            row = OutgoingMail.objects.filter(
                pk=mail_id, state=MailState.SENDING, sending_since=since
            )
            if attempts >= MAX_ATTEMPTS:
                if row.update(
                    state=MailState.FAILED,
                    sending_since=None,
                    last_error=_("Der Versand wurde %(max)s-mal unterbrochen; aufgegeben.")
                    % {"max": MAX_ATTEMPTS},
                ):
                    given_up.append(mail_id)
            elif row.update(
                state=MailState.QUEUED,
                sending_since=None,
                next_attempt_at=now,
                last_error=_(
                    "Versand unterbrochen (Worker beendet); die Mail wird erneut gesendet."
                ),
            ):
                recovered.append(mail_id)
    return recovered, given_up


def _end_dead_session(mail_id: int) -> None:
    """A lock held past the lease belongs to a session whose worker cannot be alive any more
    (the hard time limit is shorter): typically a host that vanished without closing its TCP
    connection. Ending that session frees the row instead of waiting for TCP keepalive."""
    key = _lock_key(mail_id)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                "AND granted AND classid = %s AND objid = %s AND objsubid = 1 "
                "AND pid <> pg_backend_pid()",
                [(key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF],
            )
        logger.warning("mail %s: ended the database session of a vanished sender", mail_id)
    except DatabaseError:
        logger.exception("mail %s: could not end the session of a vanished sender", mail_id)


def sweep_outbox(*, send: Callable[[int], bool], now: datetime | None = None) -> SweepResult:
    """Beat, every minute: nothing in the outbox waits forever.

    Re-queues rows whose sender died while sending, and hands queued rows whose time has come
    (for QUEUED_GRACE already) to the broker again — their task was lost, e.g. Redis was down at
    commit. A duplicate task is harmless: only one claim succeeds. `send` hands a row to the
    broker and says whether it took it (notifications.tasks.send_mail_later).
    """
    now = now or timezone.now()
    recovered, given_up = _abandoned_sending(now)
    overdue = now - QUEUED_GRACE
    due = list(
        OutgoingMail.objects.filter(state=MailState.QUEUED)
        .filter(
            Q(next_attempt_at__lte=overdue)
            | Q(next_attempt_at__isnull=True, created__lte=overdue)
            | Q(pk__in=recovered)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    # Marked before enqueueing: the next sweep waits QUEUED_GRACE again for this new task.
    OutgoingMail.objects.filter(pk__in=due, state=MailState.QUEUED).update(next_attempt_at=now)
    enqueued: list[int] = []
    for mail_id in due:
        if not send(mail_id):
            # Broker down: these rows wait QUEUED_GRACE for the next sweep.
            logger.warning(
                "outbox sweep: broker unavailable, %s rows wait", len(due) - len(enqueued)
            )
            break
        enqueued.append(mail_id)
    if recovered or given_up or enqueued:
        logger.info(
            "outbox sweep: %s recovered, %s given up, %s enqueued",
            len(recovered),
            len(given_up),
            len(enqueued),
        )
    return SweepResult(recovered, given_up, enqueued)
