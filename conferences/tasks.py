from celery import shared_task

from . import outbox


@shared_task(name="conferences.send_mail", acks_late=True)
def task_send_mail(*, mail_id: int) -> None:
    outbox.send_mail_row(mail_id)
