"""Reminders are database rows swept by Celery beat once a day (DESIGN §4).

A Reminder row (rule, subject, stage, recipient: unique) is planned ahead by the services; this
module sends the due ones. Each row produces at most one mail: it is taken with
SELECT … FOR UPDATE SKIP LOCKED, its mail row is created with the dedup key
"reminder:<pk>", and sent_at is set in the same transaction. Two beat processes, a re-run of the
day or a manual `manage.py send_reminders` therefore send nothing twice.

A reminder is due on its calendar day (Europe/Berlin): the daily sweep at the reminder time
(settings.SIKO_REMINDER_TIME) sends everything due that day. After a pause of the sweeper (a
long outage) each subject gets one reminder only — the latest stage that is due — and stale rows
are cancelled rather than sent.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from notifications.models import Reminder

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


#: rule → handler. A handler sends one mail and returns True, or cancels the row and returns False.
#: Domain apps register theirs in their AppConfig.ready() (register_handler).
HANDLERS: dict[str, Callable[..., bool]] = {}

#: Planning steps of other apps (reports: the yearly rule), run by the daily job before the
#: sweep; each adds Reminder rows idempotently. Registered in the app's ready().
PLANNERS: list[Callable[..., object]] = []


def register_handler(rule: str, handler: Callable[..., bool]) -> None:
    """The sender of one rule's reminders: handler(reminder, *, now, cutoff) -> sent?"""
    HANDLERS[rule] = handler


def register_planner(planner: Callable[..., object]) -> None:
    """A planning step of the daily job: planner(*, now) adds Reminder rows idempotently."""
    if planner not in PLANNERS:
        PLANNERS.append(planner)


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
                    .filter(
                        rule__in=HANDLERS,
                        sent_at__isnull=True,
                        cancelled_at__isnull=True,
                        due_at__lt=cutoff,
                    )
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
