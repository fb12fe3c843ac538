"""What the date-based reminders of this app share: the yearly rule (reports.reminders) and the
annual report (reports.annual.reminders). Stages are days "MM-DD" of the year, due at 06:00 local
time; the daily job plans only the latest stage that has come; a handler sends a row once
(`send`) or cancels it (`Reminder.cancel`); the sweep in conferences.reminders holds the row
lock."""

from collections.abc import Iterable
from datetime import date, datetime, time

from django.utils import timezone

from notifications import queue as delivery
from notifications.compose import ComposedMail
from notifications.enums import MailKind
from notifications.models import Reminder


def stage_day(month_day: str, year: int) -> date:
    month, day = month_day.split("-")
    return date(year, int(month), int(day))


def stage_time(day: date) -> datetime:
    return datetime.combine(day, time(6, 0), tzinfo=timezone.get_default_timezone())


def local_day(now: datetime) -> date:
    return timezone.localtime(now, timezone.get_default_timezone()).date()


def latest_stage(stages: Iterable[str], today: date) -> str | None:
    """The latest of `stages` in today's year that has come, or None before the first."""
    passed = [s for s in stages if stage_day(s, today.year) <= today]
    return max(passed, key=lambda s: stage_day(s, today.year)) if passed else None


def later_stage_due(reminder: Reminder, cutoff: datetime) -> bool:
    """A later stage of the same subject is due for the same recipient as well (catch-up after
    a pause): this row is pointless."""
    return Reminder.objects.filter(
        rule=reminder.rule,
        subject_key=reminder.subject_key,
        recipient=reminder.recipient,
        cancelled_at__isnull=True,
        due_at__gt=reminder.due_at,
        due_at__lt=cutoff,
    ).exists()


def send(reminder: Reminder, now: datetime, composed: ComposedMail) -> bool:
    """Queues the row's mail (at most once: the dedup key is the row) and marks it sent."""
    mail = delivery.queue_mail(
        kind=MailKind.REMINDER,
        dedup_key=f"reminder:{reminder.pk}",
        to=reminder.recipient,
        composed=composed,
    )
    return reminder.mark_sent(mail, now)
