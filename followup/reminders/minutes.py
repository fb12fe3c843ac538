"""Reminder rules of the minutes (swept by conferences.reminders with the other rules).

- minutes_missing (stages 14d, 28d after the end): the organiser, while a held conference has no
  minutes draft. Planned when attendance is first recorded.
- minutes_comment_deadline (one stage): each attending agency, once before the comment
  deadline of a circulated version. Planned when the draft is circulated.

A handler sends one mail and returns True, or cancels the stale row and returns False.
"""

from collections.abc import Callable
from datetime import datetime

from conferences import mails
from conferences.enums import ConferenceStatus
from conferences.mails import FOLDER
from conferences.models import Conference, Invitation
from followup.minutes import (
    COMMENT_DEADLINE,
    MINUTES_MISSING,
    minutes_page_url,
    partner_mail_context,
)
from followup.models import Minutes, MinutesStatus
from notifications import queue as delivery
from notifications.compose import compose
from notifications.enums import MailKind
from notifications.models import Reminder
from notifications.stages import later_stage_due
from siko.formats import german_date, german_datetime


def remind_minutes_missing(reminder: Reminder, *, now: datetime, cutoff: datetime) -> bool:
    conference = (
        Conference._base_manager.select_related("host", "organiser")
        .filter(pk=reminder.conference_id)
        .first()
        if reminder.conference_id is not None
        else None
    )
    if conference is None or conference.status != ConferenceStatus.HELD:
        return reminder.cancel(now, "conference not held")
    if Minutes._base_manager.filter(conference=conference).exists():
        return reminder.cancel(now, "minutes exist")
    if later_stage_due(reminder, cutoff, same_recipient=False):
        return reminder.cancel(now, "superseded by a later stage")
    days = (now - conference.end).days
    context = mails.conference_context(
        conference, days=days, minutes_url=minutes_page_url(conference)
    )
    mail = delivery.queue_mail(
        kind=MailKind.REMINDER,
        dedup_key=f"reminder:{reminder.pk}",
        conference=conference,
        to=reminder.recipient,
        composed=compose("minutes_missing", context, folder=FOLDER),
    )
    return reminder.mark_sent(mail, now)


def remind_comment_deadline(reminder: Reminder, *, now: datetime, cutoff: datetime) -> bool:
    invitation = (
        Invitation._base_manager.select_related(*mails.INVITATION_MAIL_RELATED)
        .filter(pk=reminder.invitation_id)
        .first()
        if reminder.invitation_id is not None
        else None
    )
    minutes_pk = reminder.subject_key.split(":")[1]
    minutes = Minutes._base_manager.filter(pk=minutes_pk).first()
    if invitation is None or minutes is None:
        return reminder.cancel(now, "gone")
    if minutes.status != MinutesStatus.CIRCULATED:
        return reminder.cancel(now, "minutes not circulated")
    if minutes.comment_deadline is None or minutes.comment_deadline <= now:
        return reminder.cancel(now, "deadline passed")
    if not invitation.attended or not invitation.recipient_email:
        return reminder.cancel(now, "not attending or no address")
    conference = invitation.conference
    context = partner_mail_context(
        invitation,
        minutes,
        deadline=german_datetime(minutes.comment_deadline),
        date_long=german_date(conference.start),
    )
    mail = delivery.queue_mail(
        kind=MailKind.REMINDER,
        dedup_key=f"reminder:{reminder.pk}",
        invitation=invitation,
        composed=mails.compose_to_partner("minutes_comment_reminder", context, conference),
    )
    return reminder.mark_sent(mail, now)


HANDLERS: dict[str, Callable[..., bool]] = {
    MINUTES_MISSING: remind_minutes_missing,
    COMMENT_DEADLINE: remind_comment_deadline,
}
