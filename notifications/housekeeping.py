"""Daily housekeeping of the outbox (beat, notifications.tasks): sent mails past their retention.

A sent mail that belongs to no conference (overview links, yearly reminders, report notices) is
deleted SIKO_OUTBOX_RETENTION_DAYS after it was sent. A sent mail of a conference stays in that
conference's mail log (to whom, what, when) until the conference's own retention period removes
it (conferences.personal_data); only its content – text, HTML and calendar file – goes after
SIKO_OUTBOX_RETENTION_DAYS. Queued and failed mails are never touched: they still need work.
Deleting by age only, the job can run twice or late without harm.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from notifications.enums import MailState
from notifications.models import OutgoingMail

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutboxHousekeeping:
    deleted: int
    emptied: int


def clear_sent_mails(*, now: datetime | None = None) -> OutboxHousekeeping:
    cutoff = (now or timezone.now()) - timedelta(days=settings.SIKO_OUTBOX_RETENTION_DAYS)
    old = OutgoingMail.objects.filter(state=MailState.SENT, sent_at__lt=cutoff)
    deleted, _ = old.filter(conference__isnull=True).delete()
    emptied = (
        old.filter(conference__isnull=False)
        .filter(~Q(body_text="") | ~Q(body_html="") | ~Q(ics=""))
        .update(body_text="", body_html="", ics="")
    )
    logger.info("outbox housekeeping: %s sent mails deleted, %s emptied", deleted, emptied)
    return OutboxHousekeeping(deleted=deleted, emptied=emptied)
