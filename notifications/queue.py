"""The outbox: every mail is a row first (queued → sending → sent | failed)."""

import logging
from typing import Protocol

from django.db.models import Model

from notifications.compose import ComposedMail
from notifications.models import OutgoingMail
from notifications.tasks import send_mail_after_commit

logger = logging.getLogger("notifications.outbox")


class Addressed(Protocol):
    """What the outbox needs of an invitation (conferences.Invitation) without importing it."""

    pk: int

    @property
    def conference(self) -> Model: ...

    @property
    def recipient_email(self) -> str: ...


def queue_mail(
    *,
    kind: str,
    dedup_key: str,
    composed: ComposedMail,
    invitation: Addressed | None = None,
    conference: Model | None = None,
    to: str = "",
) -> OutgoingMail:
    """Adds the mail row once per dedup_key and starts its task after commit. A broker that is
    down then leaves the row queued for the outbox sweeper (siko.tasks_queue)."""
    conference = conference or (invitation.conference if invitation else None)
    mail, created = OutgoingMail.objects.get_or_create(
        dedup_key=dedup_key,
        defaults={
            "kind": kind,
            "conference": conference,
            "invitation": invitation,
            "to": to or (invitation.recipient_email if invitation else ""),
            "subject": composed.subject,
            "body_text": composed.text,
            "body_html": composed.html,
            "ics": composed.ics,
            "ics_method": composed.ics_method,
        },
    )
    if created:
        # The correlation id (the mail's Message-ID) links this request's log line to the
        # line of the task that sends it (notifications.outbox).
        logger.info(
            "mail %s queued (correlation %s, %s)",
            mail.pk,
            mail.correlation_id,
            kind,
            extra={"mail_id": mail.pk, "correlation_id": str(mail.correlation_id)},
        )
        send_mail_after_commit(mail.pk)
    return mail
