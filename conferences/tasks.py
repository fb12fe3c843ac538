"""Celery tasks of the conferences app: thin interfaces to its services."""

import logging

from celery import shared_task
from django.conf import settings
from django_scopes import scopes_disabled

from conferences import calendar_replies
from conferences.sending import task_build_invitation_mails  # noqa: F401 - registers it

logger = logging.getLogger(__name__)


@shared_task(name="conferences.poll_calendar_replies")
def task_poll_calendar_replies() -> None:
    """Beat runs this every few minutes; without a reply mailbox there is nothing to read. A
    second run at the same time is harmless: each message is stored once by its Message-ID."""
    if not (settings.SIKO_REPLY_MAILBOX and settings.SIKO_REPLY_IMAP_URL):
        return
    with scopes_disabled():
        result = calendar_replies.poll_mailbox()
    if result.processed:
        logger.info(
            "calendar replies: %s read, %s not assigned",
            result.processed,
            result.unmatched,
            extra={"processed": result.processed, "unmatched": result.unmatched},
        )
