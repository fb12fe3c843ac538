"""Reminders to the LZPD about the annual report (DESIGN §4, R8): due by 31 August each year.

Stages (setting SIKO_REPORT_REMINDER_STAGES, "MM-DD", default 1 July, 1 August, 24 August):
before 1 August the mail says that the preparation starts, on 1 August that the draft for the
LKA's agreement is due, after it that the deadline of 31 August is near. Each active LZPD user
with an e-mail address gets each stage of year Y at most once; nothing is planned once the final
version of Y's report exists or after the deadline.

Same pattern as the yearly rule (reports.reminders): the daily job plans only the latest stage
that has passed (after a downtime: that one, never the skipped ones), one Reminder row per
recipient under the unique (rule, subject, stage, recipient), so a second run, a late run or a
second beat process adds nothing. The sweep of conferences.reminders sends the rows; the handler
looks again at send time and cancels the row when the final version exists by then, the deadline
has passed, a later stage is due as well or the recipient is no longer an LZPD user.
"""

from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from authorities.models import User
from notifications import stages
from notifications.compose import ComposedMail, compose
from notifications.models import Reminder
from reports.models import AnnualReport, ReportStatus
from siko.formats import german_date
from siko.organisations import OrganisationKind

ANNUAL_REPORT_DUE = "annual_report_due"
#: DESIGN §4: the draft goes to the LKA by 1 August; R8: the report is due by 31 August.
DRAFT_DUE = "08-01"
DEADLINE = "08-31"

PREPARE, DRAFT, FINAL = "prepare", "draft", "final"


def stage_kind(stage: str, year: int) -> str:
    """What a stage reminds of: the preparation, the draft due today, or the final version."""
    day, draft_due = stages.stage_day(stage, year), stages.stage_day(DRAFT_DUE, year)
    if day < draft_due:
        return PREPARE
    return DRAFT if day == draft_due else FINAL


def _subject_key(year: int) -> str:
    return f"annual_report:{year}"


def _final_exists(year: int) -> bool:
    return AnnualReport.objects.filter(year=year, status=ReportStatus.FINAL).exists()


def _lzpd_users() -> "list[User]":
    return list(
        User.objects.filter(is_active=True, organisation_kind=OrganisationKind.LZPD).exclude(
            email=""
        )
    )


def plan_report_reminders(*, now: datetime | None = None) -> int:
    """Adds the rows of the latest passed stage for each LZPD user (report year = this year).

    Invariant: at most one row per (year, stage, recipient) — existing rows are left alone, so
    any number of runs (also concurrent ones) plan each reminder once. Returns the number of
    rows the call tried to add.
    """
    now = now or timezone.now()
    today = stages.local_day(now)
    stage = stages.latest_stage(settings.SIKO_REPORT_REMINDER_STAGES, today)
    year = today.year
    if stage is None or today > stages.stage_day(DEADLINE, year):
        return 0
    with scopes_disabled():
        if _final_exists(year):
            return 0
        due_at = stages.stage_time(stages.stage_day(stage, year))
        recipients = sorted({user.email for user in _lzpd_users()})
        rows = [
            Reminder(
                rule=ANNUAL_REPORT_DUE,
                subject_key=_subject_key(year),
                stage=stage,
                recipient=email,
                due_at=due_at,
            )
            for email in recipients
        ]
        # ON CONFLICT DO NOTHING: rows planned by an earlier or a parallel run stay as they are.
        Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _report_state(year: int) -> str:
    """Where the year's report stands, in one German sentence for the mail."""
    latest = AnnualReport.objects.filter(year=year).order_by("-version").first()
    if latest is None:
        return _("In SiKo NRW ist für %(year)s noch kein Bericht angelegt.") % {"year": year}
    if latest.status == ReportStatus.AGREED:
        return _("Fassung %(version)s ist mit dem LKA abgestimmt; die Endfassung fehlt noch.") % {
            "version": latest.version
        }
    return _("Fassung %(version)s liegt als Entwurf vor.") % {"version": latest.version}


def compose_report_reminder(*, year: int, stage: str) -> ComposedMail:
    context = {
        "year": year,
        "period_year": year - 1,
        "kind": stage_kind(stage, year),
        "stage_date": german_date(stages.stage_time(stages.stage_day(stage, year))),
        "draft_due": german_date(stages.stage_time(stages.stage_day(DRAFT_DUE, year))),
        "deadline": german_date(stages.stage_time(stages.stage_day(DEADLINE, year))),
        "draft_due_short": f"{stages.stage_day(DRAFT_DUE, year):%d.%m.%Y}",
        "deadline_short": f"{stages.stage_day(DEADLINE, year):%d.%m.%Y}",
        "report_url": settings.SITE_URL + reverse("reports:annual_report_list"),
    }
    with translation.override("de"):
        context["report_state"] = _report_state(year)
    return compose("annual_report_reminder", context, folder="reports/email")


def _stale_reason(reminder: Reminder, year: int, *, now: datetime, cutoff: datetime) -> str:
    if _final_exists(year):
        return "final version exists"
    if stages.local_day(now) > stages.stage_day(DEADLINE, year):
        return "deadline passed"
    if not User.objects.filter(
        email=reminder.recipient, is_active=True, organisation_kind=OrganisationKind.LZPD
    ).exists():
        return "recipient no longer an LZPD user"
    return "superseded by a later stage" if stages.later_stage_due(reminder, cutoff) else ""


def remind_report_due(reminder: Reminder, *, now: datetime, cutoff: datetime) -> bool:
    """Sends one annual-report reminder, or cancels the row when it has become pointless."""
    _prefix, _sep, year_text = reminder.subject_key.rpartition(":")
    reason = (
        _stale_reason(reminder, int(year_text), now=now, cutoff=cutoff)
        if year_text.isdigit()
        else "bad subject"
    )
    if reason:
        return reminder.cancel(now, reason)
    return stages.send(
        reminder, now, compose_report_reminder(year=int(year_text), stage=reminder.stage)
    )


HANDLERS: dict[str, Callable[..., bool]] = {ANNUAL_REPORT_DUE: remind_report_due}


def sent_report_reminders(year: int) -> QuerySet[Reminder]:
    """The sent reminders about the report of `year`, newest first (for the report list)."""
    return Reminder.objects.filter(
        rule=ANNUAL_REPORT_DUE, subject_key=_subject_key(year), sent_at__isnull=False
    ).order_by("-sent_at", "recipient")
