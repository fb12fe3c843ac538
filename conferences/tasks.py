"""Celery tasks of the conferences app: thin interfaces to the outbox and the reminder sweep.

All run with acks_late and reject_on_worker_lost (settings), so a killed worker's message comes
back; the outbox makes a second run harmless.
"""

from celery import Task, shared_task
from django_scopes import scopes_disabled

from . import outbox, reminders


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
        outbox.sweep_outbox()


@shared_task(name="conferences.send_due_reminders")
def task_send_due_reminders() -> None:
    with scopes_disabled():
        reminders.run_reminder_job()
