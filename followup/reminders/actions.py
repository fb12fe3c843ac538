"""Mails of the Beschlusskontrolle: the owner's notice with its update link and the reminders
before the due date and when overdue (each at most once, through conferences.reminders).

The owner is reached at: a partner agency – the address its invitation to the conference went
to; the police – the conference's organiser.
"""

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from authorities.models import ADDRESSEE_ORDER
from conferences import mails
from conferences.mails import FOLDER
from conferences.models import Conference, Invitation
from followup.models import Action
from notifications import queue as delivery
from notifications.compose import ComposedMail, compose
from notifications.enums import MailKind
from notifications.models import Reminder
from notifications.stages import stage_time
from siko.formats import german_date

ACTION_DUE = "action_due"
STAGE_BEFORE = "before"
STAGE_OVERDUE = "overdue"
#: The reminder before the due date goes out this many days ahead.
DAYS_BEFORE = 7


def owner_email(action: Action) -> str:
    if action.owner_is_police:
        conference = Conference._base_manager.select_related("organiser").get(
            pk=action.conference_id
        )
        return conference.organiser.email or ""
    invitation = (
        Invitation._base_manager.filter(
            conference_id=action.conference_id, agency_id=action.owner_agency_id
        )
        .select_related("contact", "routed_via")
        .prefetch_related("routed_via__contacts")
        .first()
    )
    if invitation and invitation.recipient_email:
        return invitation.recipient_email
    agency = action.owner_agency
    if agency is None:  # only when the police own it, handled above (action_has_one_owner)
        return ""
    contacts = agency.contacts.exclude(email="")
    contact = contacts.order_by(*ADDRESSEE_ORDER).first()
    return contact.email if contact else ""


def _context(action: Action, **extra: Any) -> dict[str, Any]:
    from followup.links import action_url

    conference = action.conference
    return mails.conference_context(
        conference,
        action=action,
        owner_name=action.owner_name,
        due=action.due_date.strftime("%d.%m.%Y"),
        conference_date=german_date(conference.start),
        update_url="" if action.owner_is_police else action_url(action),
        police_url="" if not action.owner_is_police else _police_url(action),
        **extra,
    )


def _police_url(action: Action) -> str:
    from django.conf import settings

    return settings.SITE_URL + action.get_absolute_url()


def compose_action_mail(action: Action, *, name: str, **extra: Any) -> ComposedMail:
    return compose(name, _context(action, **extra), folder=FOLDER)


def notify_owner(action: Action) -> None:
    """A partner owner learns of its action and gets the link to report progress."""
    if action.owner_is_police:
        return
    recipient = owner_email(action)
    if not recipient:
        return
    delivery.queue_mail(
        kind=MailKind.NOTICE,
        dedup_key=f"action-assigned:{action.pk}",
        composed=compose_action_mail(action, name="action_assigned"),
        conference=action.conference,
        to=recipient,
    )


def plan_action_reminders(action: Action) -> None:
    """One reminder before the due date (DAYS_BEFORE days ahead, or today when the action is
    due sooner) and one the day after the due date; unique per stage and recipient."""
    recipient = owner_email(action)
    if not recipient:
        return
    today = timezone.localdate()
    before = max(action.due_date - timedelta(days=DAYS_BEFORE), today)
    stages = [(STAGE_OVERDUE, action.due_date + timedelta(days=1))]
    if before < action.due_date:
        stages.insert(0, (STAGE_BEFORE, before))
    for stage, day in stages:
        Reminder.objects.get_or_create(
            rule=ACTION_DUE,
            subject_key=f"action:{action.pk}",
            stage=stage,
            recipient=recipient,
            defaults={"due_at": stage_time(day), "conference_id": action.conference_id},
        )


def cancel_action_reminders(action: Action) -> None:
    Reminder.objects.filter(
        rule=ACTION_DUE,
        subject_key=f"action:{action.pk}",
        sent_at__isnull=True,
        cancelled_at__isnull=True,
    ).update(cancelled_at=timezone.now())


def remind_action_due(reminder: Reminder, *, now: datetime, cutoff: datetime) -> bool:
    """The handler of the daily sweep: one mail, or False when the row is stale."""
    action_id = reminder.subject_key.partition(":")[2]
    action = (
        Action._base_manager.select_for_update(of=("self",))
        .select_related("conference", "conference__host", "conference__organiser", "owner_agency")
        .filter(pk=int(action_id) if action_id.isdigit() else 0)
        .first()
    )
    if action is None:
        return reminder.cancel(now, "action gone")
    today = timezone.localtime(now).date()
    reason = ""
    if not action.is_active:
        reason = "action closed"
    elif reminder.stage == STAGE_BEFORE and today > action.due_date:
        reason = "due date passed"  # the overdue reminder says it better
    elif reminder.stage == STAGE_OVERDUE and today <= action.due_date:
        reason = "not overdue"  # the due date moved; keep quiet
    if reason:
        return reminder.cancel(now, reason)
    mail = delivery.queue_mail(
        kind=MailKind.REMINDER,
        dedup_key=f"reminder:{reminder.pk}",
        composed=compose_action_mail(
            action, name="action_reminder", overdue=reminder.stage == STAGE_OVERDUE
        ),
        conference=action.conference,
        to=reminder.recipient,
    )
    return reminder.mark_sent(mail, now)
