"""The outbox: every mail is a row first (queued → sending → sent | failed)."""

import logging
from collections.abc import Iterable, Sequence
from typing import Protocol

from django.db.models import Model, QuerySet

from notifications.compose import ComposedMail
from notifications.enums import MailState
from notifications.models import OutgoingMail
from notifications.tasks import send_mail_after_commit, send_mails_after_commit

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
    deliver: bool = True,
) -> OutgoingMail:
    """Adds the mail row once per dedup_key and starts its task after commit. A broker that is
    down then leaves the row queued for the outbox sweeper (siko.tasks_queue). With
    deliver=False the caller starts the delivery itself, in batches (deliver_after_commit)."""
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
            "reply_to": composed.reply_to,
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
        if deliver:
            send_mail_after_commit(mail.pk)
    return mail


def queue_invitation_mails(
    *, kind: str, mails: Sequence[tuple[str, Addressed, ComposedMail]]
) -> list[int]:
    """queue_mail(deliver=False) for many (dedup_key, invitation, composed) at once: one read of
    the keys that exist already and one INSERT of the new rows, instead of a get_or_create per
    mail. Returns the rows' ids in the given order. The caller holds its invitations (a builder
    with SELECT … FOR UPDATE): no one else adds these keys meanwhile (a unique key still
    refuses a second row)."""
    keys = [key for key, _invitation, _composed in mails]
    existing = dict(OutgoingMail.objects.filter(dedup_key__in=keys).values_list("dedup_key", "pk"))
    new = [
        OutgoingMail(
            dedup_key=key,
            kind=kind,
            conference_id=invitation.conference.pk,
            invitation_id=invitation.pk,
            to=invitation.recipient_email,
            subject=composed.subject,
            body_text=composed.text,
            body_html=composed.html,
            ics=composed.ics,
            ics_method=composed.ics_method,
            reply_to=composed.reply_to,
        )
        for key, invitation, composed in mails
        if key not in existing
    ]
    for mail in OutgoingMail.objects.bulk_create(new):
        existing[mail.dedup_key] = mail.pk
        logger.info(
            "mail %s queued (correlation %s, %s)",
            mail.pk,
            mail.correlation_id,
            kind,
            extra={"mail_id": mail.pk, "correlation_id": str(mail.correlation_id)},
        )
    return [existing[key] for key in keys]


def deliver_after_commit(mail_ids: list[int]) -> None:
    """Sends the rows in batches over one kept connection per worker, after commit."""
    send_mails_after_commit(mail_ids)


def failed_without_conference() -> QuerySet[OutgoingMail]:
    """Failed mails that no conference's mail log shows (overview links, yearly reminders,
    report notices): the LZPD's page and the admin show them instead."""
    return OutgoingMail.objects.filter(state=MailState.FAILED, conference__isnull=True)


def requeue_failed(mail_ids: Iterable[int]) -> int:
    """Gives failed mails a fresh round of attempts ("erneut senden"): failed → queued with the
    attempts reset, their task started after commit. Rows in another state are left alone, so
    a double click or a row that was sent meanwhile changes nothing. Returns how many."""
    ids = list(
        OutgoingMail.objects.filter(pk__in=list(mail_ids), state=MailState.FAILED).values_list(
            "pk", flat=True
        )
    )
    requeued = []
    for mail_id in ids:
        if OutgoingMail.objects.filter(pk=mail_id, state=MailState.FAILED).update(
            state=MailState.QUEUED, attempts=0, next_attempt_at=None, sending_since=None
        ):
            requeued.append(mail_id)
            send_mail_after_commit(mail_id)
    if requeued:
        logger.info("mails %s queued again after failing", requeued, extra={"mail_ids": requeued})
    return len(requeued)
