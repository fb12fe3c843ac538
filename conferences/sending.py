"""Invitation mails are built in the worker, not in the "Einladungen versenden" request.

The request marks the invitations (sent, mail_pending) and starts one task after commit. The task
builds the mails in chunks: each chunk's rows are created and its marks cleared in one
transaction (rows locked with SKIP LOCKED, so two builders share the work), and one delivery task
per chunk sends them over the worker's kept SMTP connection. Building twice creates nothing
twice (the row's dedup_key and the cleared mark); a worker killed while building leaves marked
invitations, which the redelivered task or the outbox sweep (after QUEUED_GRACE) builds.

In-process (embedded mode, no broker) the mails are built within the request, as before.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from celery import shared_task
from django.db import transaction
from django.db.models import Count, Q, prefetch_related_objects
from django_scopes import scopes_disabled

from conferences import mails
from conferences.documents.ical import REQUEST, InvitationCalendar
from conferences.enums import ConferenceStatus
from conferences.models import Conference, Invitation
from notifications import queue as delivery
from notifications.enums import MailKind, MailState
from notifications.models import OutgoingMail
from notifications.outbox import QUEUED_GRACE
from siko.tasks_queue import enqueue, enqueue_on_commit

logger = logging.getLogger(__name__)

#: Invitation mails built (and handed to one delivery task) per transaction; the first chunk is
#: small, so that the first mails leave within seconds of the click.
FIRST_CHUNK = 5
BUILD_CHUNK = 50


def start_building(conference: Conference) -> None:
    """After the marking transaction commits: one build task, or the build itself in-process.
    A broker that refuses the task leaves no marked invitation behind: the mails are built at
    once and wait as rows for the outbox sweeper."""

    def build_now() -> None:
        build_invitation_mails(conference.pk)

    if task_build_invitation_mails.app.conf.task_always_eager:
        build_now()
        return
    enqueue_on_commit(
        task_build_invitation_mails, conference_id=conference.pk, on_refused=build_now
    )


def _build_chunk(conference_id: int, size: int) -> int:
    with transaction.atomic():
        chunk = list(
            Invitation._base_manager.select_for_update(skip_locked=True, of=("self",))
            .filter(conference_id=conference_id, mail_pending=True)
            .select_related("conference__host", "agency", "contact", "routed_via")
            .prefetch_related("routed_via__contacts")
            .order_by("pk")[:size]
        )
        if not chunk:
            return 0
        if chunk[0].conference.status == ConferenceStatus.CANCELLED:
            # Cancelled before its invitations were built: they never go out.
            Invitation._base_manager.filter(pk__in=[i.pk for i in chunk]).update(mail_pending=False)
            return len(chunk)
        # What every invitation of the conference names is read (and its calendar's common part
        # built) once per chunk, not per mail.
        conference = chunk[0].conference
        prefetch_related_objects([conference], "agenda_items", "organiser")
        documents = mails.partner_document_titles(conference)
        calendar = InvitationCalendar(conference, method=REQUEST)
        built = []
        for invitation in chunk:
            invitation.conference = conference
            composed = mails.compose_invitation(invitation, documents=documents, calendar=calendar)
            built.append((f"invitation:{invitation.pk}", invitation, composed))
        ids = delivery.queue_invitation_mails(kind=MailKind.INVITATION, mails=built)
        Invitation._base_manager.filter(pk__in=[i.pk for i in chunk]).update(mail_pending=False)
        delivery.deliver_after_commit(ids)
    return len(chunk)


def build_invitation_mails(conference_id: int) -> int:
    """Builds every marked invitation's mail of the conference; returns how many."""
    built = 0
    with scopes_disabled():
        while count := _build_chunk(conference_id, BUILD_CHUNK if built else FIRST_CHUNK):
            built += count
    if built:
        logger.info("conference %s: %s invitation mails built", conference_id, built)
    return built


@shared_task(name="conferences.build_invitation_mails")
def task_build_invitation_mails(*, conference_id: int) -> None:
    """Builds the invitation mails the "Einladungen versenden" request marked; a second run
    builds only what the first left."""
    build_invitation_mails(conference_id)


def resume_unbuilt(now: datetime) -> None:
    """Outbox sweep hook: conferences whose marked invitations have waited QUEUED_GRACE (their
    build task died with a worker, or was lost) are built again."""
    with scopes_disabled():
        conference_ids = set(
            Invitation._base_manager.filter(
                mail_pending=True, sent_at__lte=now - QUEUED_GRACE
            ).values_list("conference_id", flat=True)
        )
    for conference_id in sorted(conference_ids):
        if not enqueue(task_build_invitation_mails, conference_id=conference_id):
            break


@dataclass(frozen=True)
class Progress:
    """Where the conference's invitation mails stand: "123 von 250 versendet"."""

    total: int
    preparing: int
    sent: int
    failed: int

    @property
    def done(self) -> bool:
        return self.sent + self.failed >= self.total


def progress(conference: Conference) -> Progress:
    """Two queries, whatever the number of invitations."""
    counts = OutgoingMail.objects.filter(conference=conference, kind=MailKind.INVITATION).aggregate(
        built=Count("pk"),
        sent=Count("pk", filter=Q(state=MailState.SENT)),
        failed=Count("pk", filter=Q(state=MailState.FAILED)),
    )
    preparing = Invitation._base_manager.filter(conference=conference, mail_pending=True).count()
    return Progress(
        total=counts["built"] + preparing,
        preparing=preparing,
        sent=counts["sent"],
        failed=counts["failed"],
    )
