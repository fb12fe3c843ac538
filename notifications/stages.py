"""What the reminder rules share. The date-based ones, the yearly rule (reports.reminders) and
the annual report (reports.annual.reminders), have stages that are days "MM-DD" of the year, due
at the reminder time (`stage_time`); their daily job plans only the latest stage that has come.
Every handler cancels a row that a later stage makes pointless (`later_stage_due`), sends a row
once (`send`) or cancels it (`Reminder.cancel`); the sweep in notifications.reminders holds the
row lock."""

from collections.abc import Iterable
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone

from notifications import queue as delivery
from notifications.compose import ComposedMail
from notifications.enums import MailKind
from notifications.models import Reminder


def stage_day(month_day: str, year: int) -> date:
    month, day = month_day.split("-")
    return date(year, int(month), int(day))


def stage_time(day: date) -> datetime:
    """When a reminder planned for `day` is due: the reminder time (settings.SIKO_REMINDER_TIME,
    when the daily sweep runs) of that day, local time."""
    return datetime.combine(
        day, settings.SIKO_REMINDER_TIME, tzinfo=timezone.get_default_timezone()
    )


def local_day(now: datetime) -> date:
    return timezone.localtime(now, timezone.get_default_timezone()).date()


def latest_stage(stages: Iterable[str], today: date) -> str | None:
    """The latest of `stages` in today's year that has come, or None before the first."""
    passed = [s for s in stages if stage_day(s, today.year) <= today]
    return max(passed, key=lambda s: stage_day(s, today.year)) if passed else None


def later_stage_due(
    reminder: Reminder, cutoff: datetime, *, same_recipient: bool = True, stage_suffix: str = ""
) -> bool:
    """A later stage of the same rule and subject is due before `cutoff` as well (catch-up after
    a pause, or two sweeps splitting the stages between them): this row is pointless, sent or not.

    `same_recipient`: only a later row to the same address counts (rules that remind several
    people about one subject). `stage_suffix`: only later stages ending so count (a moved
    conference's reminders carry its calendar sequence).
    """
    later = Reminder.objects.filter(
        rule=reminder.rule,
        subject_key=reminder.subject_key,
        cancelled_at__isnull=True,
        due_at__gt=reminder.due_at,
        due_at__lt=cutoff,
    )
    if same_recipient:
        later = later.filter(recipient=reminder.recipient)
    if stage_suffix:
        later = later.filter(stage__endswith=stage_suffix)
    return later.exists()


def send(reminder: Reminder, now: datetime, composed: ComposedMail) -> bool:
    """Queues the row's mail (at most once: the dedup key is the row) and marks it sent."""
    mail = delivery.queue_mail(
        kind=MailKind.REMINDER,
        dedup_key=f"reminder:{reminder.pk}",
        to=reminder.recipient,
        composed=composed,
    )
    return reminder.mark_sent(mail, now)
