"""The reminder to the LZPD when no outline of year Y is agreed with the ministry by its due
day (SIKO_OUTLINE_DUE, default 1 June; DESIGN R8).

Same pattern as the report's reminders (reports.annual.reminders): the daily job plans one
Reminder row per LZPD user under the unique (rule, subject, stage, recipient) from the due day
until the report's deadline, so any number of runs plan each reminder once. The handler looks
again at send time and cancels the row when the outline has been agreed meanwhile, the final
version of the report exists, the deadline has passed or the recipient is no longer an LZPD user.
"""

from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from authorities.models import User
from notifications import stages
from notifications.compose import ComposedMail, compose
from notifications.models import Reminder
from reports.annual.outline_agreement import current_proposal, outline_due
from reports.annual.reminders import DEADLINE
from reports.models import AnnualReport, OutlineState, ReportStatus
from reports.outline import section_title
from siko.formats import german_date
from siko.organisations import OrganisationKind

OUTLINE_DUE = "annual_report_outline_due"


def _subject_key(year: int) -> str:
    return f"annual_report_outline:{year}"


def _pending_reason(year: int) -> str:
    """Why no reminder is needed for `year` (English, for the row), or "" when one is."""
    if AnnualReport.objects.filter(year=year, status=ReportStatus.FINAL).exists():
        return "final version exists"
    proposal = current_proposal(year)
    if proposal is not None and proposal.state == OutlineState.AGREED:
        return "outline agreed"
    return ""


def plan_outline_reminders(*, now: datetime | None = None) -> int:
    """Adds one row per LZPD user once the due day of this year's outline has come and the
    ministry has not agreed an outline; nothing after the report's deadline. Returns the number
    of rows the call tried to add."""
    now = now or timezone.now()
    today = stages.local_day(now)
    year = today.year
    due = outline_due(year)
    if today < due or today > stages.stage_day(DEADLINE, year):
        return 0
    with scopes_disabled():
        if _pending_reason(year):
            return 0
        emails = (
            User.objects.filter(is_active=True, organisation_kind=OrganisationKind.LZPD)
            .exclude(email="")
            .values_list("email", flat=True)
        )
        rows = [
            Reminder(
                rule=OUTLINE_DUE,
                subject_key=_subject_key(year),
                stage=settings.SIKO_OUTLINE_DUE,
                recipient=email,
                due_at=stages.stage_time(due),
            )
            for email in sorted(set(emails))
        ]
        # ON CONFLICT DO NOTHING: rows planned by an earlier or a parallel run stay as they are.
        Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def compose_outline_reminder(*, year: int) -> ComposedMail:
    proposal = current_proposal(year)
    context = {
        "year": year,
        "due": german_date(stages.stage_time(outline_due(year))),
        "state": proposal.get_state_display() if proposal else "",
        "comment": proposal.comment if proposal else "",
        "sections": [section_title(e["key"]) for e in proposal.sections] if proposal else [],
        "url": settings.SITE_URL + reverse("reports:annual_report_list"),
    }
    return compose("outline_reminder", context, folder="reports/email")


def remind_outline_due(reminder: Reminder, *, now: datetime, cutoff: datetime) -> bool:
    """Sends one outline reminder, or cancels the row when it has become pointless."""
    _prefix, _sep, year_text = reminder.subject_key.rpartition(":")
    if not year_text.isdigit():
        return reminder.cancel(now, "bad subject")
    year = int(year_text)
    reason = _pending_reason(year)
    if not reason and stages.local_day(now) > stages.stage_day(DEADLINE, year):
        reason = "deadline passed"
    if (
        not reason
        and not User.objects.filter(
            email=reminder.recipient, is_active=True, organisation_kind=OrganisationKind.LZPD
        ).exists()
    ):
        reason = "recipient no longer an LZPD user"
    if reason:
        return reminder.cancel(now, reason)
    return stages.send(reminder, now, compose_outline_reminder(year=year))


HANDLERS: dict[str, Callable[..., bool]] = {OUTLINE_DUE: remind_outline_due}
