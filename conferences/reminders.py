"""Reminders of invitees who have not answered (14 and 3 days before the conference).

Planned by conferences.services, sent by the daily sweep of notifications.reminders, which this
app registers the handler with (ConferencesConfig.ready).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from authorities.models import User
from conferences import mails
from conferences.enums import ConferenceStatus, InvitationState
from conferences.models import Conference, Invitation
from conferences.services import INVITATION_UNANSWERED, ConferenceError, check_host
from notifications.enums import MailKind
from notifications.models import Reminder
from notifications.queue import queue_mail
from notifications.stages import later_stage_due
from siko.audit import log_action
from siko.formats import BERLIN

__all__ = ["INVITATION_UNANSWERED", "remind_now", "remind_unanswered_invitation"]


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


@dataclass
class RemindResult:
    """What "Erinnerung jetzt senden" did: the agencies reminded, and those left out with why."""

    reminded: list[str] = field(default_factory=list)
    already_today: list[str] = field(default_factory=list)
    without_address: list[str] = field(default_factory=list)


@transaction.atomic
def remind_now(conference: Conference, *, invitation_ids: Iterable[int], by: User) -> RemindResult:
    """The organiser's manual reminder of chosen invitees without an answer, each at most once
    a day (Berlin time, automatic reminders count too). A double submit reminds nobody twice:
    the second waits for the first's row locks and then finds the invitations reminded today."""
    conference = Conference._base_manager.select_for_update().get(pk=conference.pk)
    check_host(conference, by)
    if conference.status != ConferenceStatus.SCHEDULED or conference.has_started:
        raise ConferenceError(
            _("Erinnern kann man nur an eine geplante Konferenz, die noch nicht begonnen hat.")
        )
    invitations = list(
        Invitation._base_manager.select_for_update(of=("self",))
        .select_related(*mails.INVITATION_MAIL_RELATED)
        .filter(conference=conference, state=InvitationState.SENT, pk__in=list(invitation_ids))
        .order_by("agency__name")
    )
    if not invitations:
        raise ConferenceError(_("Bitte wählen Sie mindestens eine Behörde ohne Antwort."))
    now = timezone.now()
    today = timezone.localdate(now, BERLIN)
    result = RemindResult()
    for invitation in invitations:
        name = invitation.agency.name
        if invitation.reminded_at and timezone.localdate(invitation.reminded_at, BERLIN) == today:
            result.already_today.append(name)
            continue
        if not invitation.recipient_email:
            result.without_address.append(name)
            continue
        queue_mail(
            kind=MailKind.REMINDER,
            dedup_key=f"manual-reminder:{invitation.pk}:{now.isoformat()}",
            invitation=invitation,
            composed=mails.compose_reminder(invitation),
        )
        invitation.reminded_at = now
        invitation.save(update_fields=["reminded_at"])
        result.reminded.append(name)
    if result.reminded:
        log_action(
            "invitations.reminded",
            conference,
            actor=by,
            authority=conference.host,
            data={"count": len(result.reminded)},
        )
    return result
