"""The outbox: every mail is a row first (queued → sending → sent | failed)."""

from siko.tasks_queue import enqueue_on_commit

from .mails import ComposedMail
from .models import Conference, Invitation, OutgoingMail


def queue_mail(
    *, kind: str, dedup_key: str, composed: ComposedMail, invitation: Invitation | None = None,
    conference: Conference | None = None, to: str = "",
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
        from .tasks import task_send_mail

        enqueue_on_commit(task_send_mail, mail_id=mail.pk)
    return mail
