"""Reminders are database rows swept by Celery beat once a day (DESIGN §4).

A Reminder row (rule, subject, stage, recipient: unique) is planned ahead by the services; this
module sends the due ones. Each row produces at most one mail: it is taken with
SELECT … FOR UPDATE SKIP LOCKED, its mail row is created with the dedup key
"reminder:<pk>", and sent_at is set in the same transaction. Two beat processes, a re-run of the
day or a manual `manage.py send_reminders` therefore send nothing twice.

A reminder is due on its calendar day (Europe/Berlin): the 06:00 sweep sends everything due
that day. After a pause of the sweeper (a long outage) each subject gets one reminder only —
the latest stage that is due — and stale rows are cancelled rather than sent.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from . import action_reminders, delivery, mails, minutes_reminders
from .enums import ConferenceStatus, InvitationState, MailKind
from .models import Invitation, Reminder
from .services import INVITATION_UNANSWERED

logger = logging.getLogger(__name__)

BATCH = 100


@dataclass(frozen=True)
class ReminderRun:
    sent: int = 0
    cancelled: int = 0


def due_before(now: datetime) -> datetime:
    """Everything due on `now`'s day (local time) is due: the start of the next day."""
    local = timezone.localtime(now, timezone.get_default_timezone())
    next_day = local.date() + timedelta(days=1)
    return datetime.combine(next_day, time.min, tzinfo=local.tzinfo)


def _stage_sequence(stage: str) -> int | None:
    """'14d@2' → 2: the calendar sequence the reminder was planned for."""
    _days, _at, sequence = stage.partition("@")
    return int(sequence) if sequence.isdigit() else None


def _stale_invitation_reason(reminder: Reminder, invitation: Invitation | None,
                             now: datetime) -> str:
    if invitation is None:
        return "invitation gone"
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


def _remind_unanswered_invitation(reminder: Reminder, *, now: datetime, cutoff: datetime) -> bool:
    """One reminder mail to an invitee who has not answered; False when the row is stale."""
    # The invitation's lock orders this against record_answer: an answer given at this very
    # moment either is seen here or comes after the reminder.
    invitation = (
        Invitation._base_manager.select_for_update(of=("self",))
        .select_related("conference", "conference__host", "conference__organiser", "agency",
                        "contact", "routed_via")
        .filter(pk=reminder.invitation_id).first()
    )
    reason = _stale_invitation_reason(reminder, invitation, now)
    if not reason:
        # Sent or not: a later stage due as well makes this one pointless (catch-up after a
        # pause, or two sweeps splitting the stages between them).
        later_due = Reminder.objects.filter(
            rule=reminder.rule, subject_key=reminder.subject_key, cancelled_at__isnull=True,
            due_at__gt=reminder.due_at, due_at__lt=cutoff,
            stage__endswith=f"@{invitation.conference.ical_sequence}",
        ).exists()
        if later_due:
            reason = "superseded by a later stage"
    if reason:
        return reminder.cancel(now, reason)
    mail = delivery.queue_mail(
        kind=MailKind.REMINDER,
        dedup_key=f"reminder:{reminder.pk}",
        invitation=invitation,
        composed=mails.compose_reminder(invitation),
    )
    invitation.reminded_at = now
    invitation.save(update_fields=["reminded_at"])
    return reminder.mark_sent(mail, now)


#: rule → handler. A handler sends one mail and returns True, or cancels the row and returns False.
HANDLERS: dict[str, Callable[..., bool]] = {
    INVITATION_UNANSWERED: _remind_unanswered_invitation,
    action_reminders.ACTION_DUE: action_reminders.remind_action_due,
    **minutes_reminders.HANDLERS,
}

#: Planning steps of other apps (reports: the yearly rule), run by the daily job before the
#: sweep; each adds Reminder rows idempotently. Registered in the app's ready().
PLANNERS: list[Callable[..., object]] = []


def run_reminder_job(*, now: datetime | None = None) -> ReminderRun:
    """The daily job: plan the date-based reminders, then send every due one (once)."""
    now = now or timezone.now()
    with scopes_disabled():
        for plan in PLANNERS:
            plan(now=now)
    return send_due_reminders(now=now)


def send_due_reminders(*, now: datetime | None = None) -> ReminderRun:
    """Sends every due, unsent, uncancelled reminder once; cancels the stale ones.

    Invariants: a reminder row gets at most one mail (row lock + sent_at + mail dedup key);
    concurrent runs split the rows between them (SKIP LOCKED); a failing row is logged and left
    for the next run without blocking the others.
    """
    now = now or timezone.now()
    cutoff = due_before(now)
    sent = cancelled = 0
    broken: set[int] = set()
    with scopes_disabled():
        while True:
            with transaction.atomic():
                batch = list(
                    Reminder.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(rule__in=HANDLERS, sent_at__isnull=True, cancelled_at__isnull=True,
                            due_at__lt=cutoff)
                    .exclude(pk__in=broken)
                    .order_by("due_at", "pk")[:BATCH]
                )
                if not batch:
                    break
                for reminder in batch:
                    try:
                        with transaction.atomic():
                            if HANDLERS[reminder.rule](reminder, now=now, cutoff=cutoff):
                                sent += 1
                            else:
                                cancelled += 1
                    except Exception:  # noqa: BLE001 - one broken row must not stop the rest
                        logger.exception("reminder %s could not be sent", reminder.pk)
                        broken.add(reminder.pk)
    if sent or cancelled or broken:
        logger.info("reminders: %s sent, %s cancelled, %s failed", sent, cancelled, len(broken))
    return ReminderRun(sent=sent, cancelled=cancelled)
