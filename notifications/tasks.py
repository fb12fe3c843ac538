"""Celery tasks of the notifications app: thin interfaces to the outbox and the reminder sweep.

All run with acks_late and reject_on_worker_lost (settings), so a killed worker's message comes
back; the outbox makes a second run harmless. The task names keep the "conferences." prefix
they had before the app existed, so messages already in the broker are still understood.
"""

from collections.abc import Callable
from datetime import datetime

from celery import Task, shared_task
from django.conf import settings
from django.utils import timezone
from django_scopes import scopes_disabled

from notifications import housekeeping, outbox, reminders
from siko.tasks_queue import BROKER_ERRORS, enqueue, enqueue_on_commit

#: Rows one delivery task sends over the worker's kept SMTP connections.
DELIVERY_BATCH = 50


def delivery_senders() -> int:
    """Mail server sessions a delivery task keeps busy at once (threads of its process,
    PostgreSQL only; outbox.send_mail_rows): the setting SIKO_DELIVERY_SENDERS, at least 1."""
    return max(1, int(settings.SIKO_DELIVERY_SENDERS))


#: What the outbox sweep runs first, with its `now`: the apps above register how they resume
#: building outbox rows that a killed worker left unbuilt (conferences: invitation mails).
SWEEP_HOOKS: list[Callable[[datetime], None]] = []


@shared_task(name="conferences.send_mail", bind=True, max_retries=None)
def task_send_mail(self: Task, *, mail_id: int) -> None:
    with scopes_disabled():
        result = outbox.send_mail_row(mail_id)
    if result.retry_in is None or self.request.is_eager:
        # In-process (embedded mode) a retry would run at once; the sweeper picks the row up
        # when its next_attempt_at has come.
        return
    countdown = int(result.retry_in.total_seconds())
    if countdown <= outbox.max_retry_countdown():
        raise self.retry(countdown=countdown)
    # Longer waits stay in the database only: the sweeper enqueues the row when it is due.


@shared_task(name="notifications.send_mails", bind=True)
def task_send_mails(self: Task, *, mail_ids: list[int]) -> None:
    """Sends a batch of rows, each claimed on its own as by task_send_mail (exactly once): a
    killed worker's batch comes back (acks_late), and the rows it had sent are not claimed again.
    A row waiting for another attempt gets a task of its own with the countdown."""
    # In-process (embedded mode, tests) one after the other, in the caller's transaction.
    senders = 1 if self.request.is_eager else delivery_senders()
    with scopes_disabled():
        results = outbox.send_mail_rows(mail_ids, senders=senders)
    for mail_id, result in results.items():
        if result.retry_in is None or self.request.is_eager:
            continue
        countdown = int(result.retry_in.total_seconds())
        if countdown <= outbox.max_retry_countdown():
            try:
                task_send_mail.apply_async(kwargs={"mail_id": mail_id}, countdown=countdown)
            except BROKER_ERRORS:
                pass  # the row stays queued with next_attempt_at: the sweeper takes it


@shared_task(name="conferences.sweep_outbox")
def task_sweep_outbox() -> None:
    with scopes_disabled():
        sweep_outbox()


@shared_task(name="conferences.send_due_reminders")
def task_send_due_reminders() -> None:
    with scopes_disabled():
        reminders.run_reminder_job()


@shared_task(name="notifications.housekeeping")
def task_outbox_housekeeping() -> None:
    with scopes_disabled():
        housekeeping.clear_sent_mails()


def send_mail_after_commit(mail_id: int) -> None:
    """Starts a new row's task once its transaction has committed (a refusing broker leaves
    the row queued for the sweeper)."""
    enqueue_on_commit(task_send_mail, mail_id=mail_id)


def send_mails_after_commit(mail_ids: list[int]) -> None:
    """Starts one delivery task per DELIVERY_BATCH rows once their transaction has committed."""
    for start in range(0, len(mail_ids), DELIVERY_BATCH):
        enqueue_on_commit(task_send_mails, mail_ids=mail_ids[start : start + DELIVERY_BATCH])


def send_mail_later(mail_id: int) -> bool:
    """Hands a row to the broker now; False when the broker is down."""
    return enqueue(task_send_mail, mail_id=mail_id)


def sweep_outbox(*, now: datetime | None = None) -> outbox.SweepResult:
    """The outbox sweep with the broker as its sender (beat, the command and tests), after the
    registered hooks have resumed what a killed worker left unbuilt."""
    now = now or timezone.now()
    for hook in SWEEP_HOOKS:
        hook(now)
    return outbox.sweep_outbox(send=send_mail_later, now=now)
