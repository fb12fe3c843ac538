"""Reminders of invitees who have not answered (14 and 3 days before the conference).

Planned by conferences.services, sent by the daily sweep of notifications.reminders, which this
app registers the handler with (ConferencesConfig.ready).
"""

from datetime import datetime

from conferences import mails
from conferences.enums import ConferenceStatus, InvitationState
from conferences.models import Invitation
from conferences.services import INVITATION_UNANSWERED
from notifications.enums import MailKind
from notifications.models import Reminder
from notifications.queue import queue_mail
from notifications.stages import later_stage_due

__all__ = ["INVITATION_UNANSWERED", "remind_unanswered_invitation"]


def _stage_sequence(stage: str) -> int | None:
    """'14d@2' → 2: the calendar sequence the reminder was planned for."""
    _days, _at, sequence = stage.partition("@")
    return int(sequence) if sequence.isdigit() else None


def _stale_invitation_reason(reminder: Reminder, invitation: Invitation, now: datetime) -> str:
    conference = invitation.conference
    if invitation.state != InvitationState.SENT:
        return "answered"
    if conference.status != ConferenceStatus.SCHEDULED:
        return "conference not scheduled"
    if conference.start <= now:
        return "conference started"
    if _stage_sequence(reminder.stage) != conference.ical_sequence:
        return "conference moved"
    if not invitation.recipient_email:
        return "no address"
    return ""


def remind_unanswered_invitation(reminder: Reminder, *, now: datetime, cutoff: datetime) -> bool:
    """One reminder mail to an invitee who has not answered; False when the row is stale."""
    if reminder.invitation_id is None:
        return reminder.cancel(now, "invitation gone")
    # The invitation's lock orders this against record_answer: an answer given at this very
    # moment either is seen here or comes after the reminder.
    invitation = (
        Invitation._base_manager.select_for_update(of=("self",))
        .select_related(*mails.INVITATION_MAIL_RELATED)
        .filter(pk=reminder.invitation_id)
        .first()
    )
    if invitation is None:
        return reminder.cancel(now, "invitation gone")
    reason = _stale_invitation_reason(reminder, invitation, now)
    if not reason and later_stage_due(
        reminder,
        cutoff,
        same_recipient=False,
        stage_suffix=f"@{invitation.conference.ical_sequence}",
    ):
        reason = "superseded by a later stage"
    if reason:
        return reminder.cancel(now, reason)
    mail = queue_mail(
        kind=MailKind.REMINDER,
        dedup_key=f"reminder:{reminder.pk}",
        invitation=invitation,
        composed=mails.compose_reminder(invitation),
    )
    invitation.reminded_at = now
    invitation.save(update_fields=["reminded_at"])
    return reminder.mark_sent(mail, now)
