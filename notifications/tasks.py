"""Celery tasks of the notifications app: thin interfaces to the outbox and the reminder sweep.

All run with acks_late and reject_on_worker_lost (settings), so a killed worker's message comes
back; the outbox makes a second run harmless. The task names keep the "conferences." prefix
they had before the app existed, so messages already in the broker are still understood.
"""

from datetime import datetime

from celery import Task, shared_task
from django_scopes import scopes_disabled

from notifications import housekeeping, outbox, reminders
from siko.tasks_queue import enqueue, enqueue_on_commit


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


def send_mail_later(mail_id: int) -> bool:
    """Hands a row to the broker now; False when the broker is down."""
    return enqueue(task_send_mail, mail_id=mail_id)


def sweep_outbox(*, now: datetime | None = None) -> outbox.SweepResult:
    """The outbox sweep with the broker as its sender (beat, the command and tests)."""
    return outbox.sweep_outbox(send=send_mail_later, now=now)
