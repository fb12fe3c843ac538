"""Reminders and escalation of the yearly rule (DESIGN §4, R1 and R5).

While the running year has no SiKo (or, where the authority has Autobahnpolizei, no Siko-AP) held
or scheduled, the KPB's users are reminded on the stage dates (settings SIKO_REMINDER_STAGES,
default 1 April, 1 July, 1 October); from SIKO_REMINDER_LZPD_COPY_FROM (default 1 October) the
LZPD's users get a copy. "Held or scheduled" is `reports.compliance.compute_compliance`'s status.

The daily job plans rows before the sweep: only the latest stage date that has passed is planned
(after a downtime it catches up once, never with the skipped stages), one Reminder row per
recipient; the unique constraint (rule, subject, stage, recipient) makes a second run, a late run
or a second beat process a no-op. The sweep of conferences.reminders sends the rows under its
row locks; the handler checks the status again at send time.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from authorities.models import Authority, User
from conferences.models import Conference
from notifications.compose import ComposedMail, compose
from notifications.models import Reminder
from notifications.stages import (
    later_stage_due,
    latest_stage,
    local_day,
    send,
    stage_day,
    stage_time,
)
from reports.compliance import ComplianceRecord, ComplianceStatus, compute_compliance
from siko.formats import german_date
from siko.organisations import OrganisationKind

SIKO_YEARLY = "siko_yearly"
SIKO_AP_YEARLY = "siko_ap_yearly"
RULES = (SIKO_YEARLY, SIKO_AP_YEARLY)


def _lzpd_in_copy(stage: str, year: int) -> bool:
    return stage_day(stage, year) >= stage_day(settings.SIKO_REMINDER_LZPD_COPY_FROM, year)


def _overdue(record: ComplianceRecord, rule: str) -> bool:
    if rule == SIKO_YEARLY:
        return record.status == ComplianceStatus.OVERDUE
    return record.siko_ap_status == ComplianceStatus.OVERDUE


def _emails(users: Iterable[User]) -> list[str]:
    return sorted({u.email for u in users if u.email})


def plan_compliance_reminders(*, now: datetime | None = None) -> int:
    """Adds the reminder rows of the latest passed stage for every overdue authority.

    Invariant: at most one row per (rule, authority and year, stage, recipient) — existing rows
    are left alone, so any number of runs (also concurrent ones) plan each reminder once.
    Returns the number of rows the call tried to add.
    """
    now = now or timezone.now()
    today = local_day(now)
    stage = latest_stage(settings.SIKO_REMINDER_STAGES, today)
    if stage is None:
        return 0
    year = today.year
    with scopes_disabled():
        authorities = {a.slug: a for a in Authority.objects.all()}
        records = compute_compliance([year], authorities=authorities.values(), as_of=today)
        users = User.objects.filter(is_active=True).exclude(email="")
        kpb_emails: dict[int, list[str]] = defaultdict(list)
        for user in users.filter(organisation_kind=OrganisationKind.KPB, authority__isnull=False):
            if user.authority_id is not None:  # always, by the filter
                kpb_emails[user.authority_id].append(user.email)
        lzpd = (
            _emails(users.filter(organisation_kind=OrganisationKind.LZPD))
            if _lzpd_in_copy(stage, year)
            else []
        )
        due_at = stage_time(stage_day(stage, year))
        rows: list[Reminder] = []
        for record in records:
            authority = authorities[record.authority]
            recipients = sorted(set(kpb_emails[authority.pk])) + lzpd
            for rule in RULES:
                if not _overdue(record, rule):
                    continue
                rows.extend(
                    Reminder(
                        rule=rule,
                        subject_key=f"{authority.slug}:{year}",
                        stage=stage,
                        recipient=email,
                        due_at=due_at,
                    )
                    for email in dict.fromkeys(recipients)
                )
        # ON CONFLICT DO NOTHING: rows planned by an earlier or a parallel run stay as they are.
        Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _unconfirmed(record: ComplianceRecord, rule: str) -> list[Conference]:
    """The planned conferences past their end plus the grace period, not marked held."""
    ids = (
        record.unconfirmed_conference_ids
        if rule == SIKO_YEARLY
        else record.siko_ap_unconfirmed_conference_ids
    )
    if not ids:
        return []
    return list(Conference._base_manager.filter(pk__in=ids).order_by("start", "pk"))


def compose_compliance_reminder(
    *,
    rule: str,
    authority: Authority,
    year: int,
    stage: str,
    in_copy: bool,
    unconfirmed: Sequence[Conference] = (),
) -> ComposedMail:
    """The yearly-rule reminder. Where a planned conference passed without being marked held
    (`unconfirmed`), it asks to record its attendance (which marks it held) instead of asking
    to plan one."""
    site = settings.SITE_URL
    context = {
        "authority_name": authority.official_name,
        "year": year,
        "siko_ap": rule == SIKO_AP_YEARLY,
        "deadline": f"31.12.{year}",
        "stage_date": german_date(stage_time(stage_day(stage, year))),
        "in_copy": in_copy,
        "plan_url": site + reverse("conferences:conference_create"),
        "dashboard_url": site + reverse("reports:authority_dashboard", args=[authority.slug]),
        "unconfirmed": [
            {
                "date": german_date(conference.start),
                "attendance_url": site + reverse("conferences:attendance", args=[conference.pk]),
            }
            for conference in unconfirmed
        ],
    }
    return compose("compliance_reminder", context, folder="reports/email")


def remind_compliance(reminder: Reminder, *, now: datetime, cutoff: datetime) -> bool:
    """Sends one yearly-rule reminder, or cancels the row when the year is no longer overdue or
    a later stage is due as well."""
    slug, _sep, year_text = reminder.subject_key.rpartition(":")
    authority = Authority.objects.filter(slug=slug).first()
    if authority is None or not year_text.isdigit():
        return reminder.cancel(now, "authority gone")
    year = int(year_text)
    record = compute_compliance([year], authorities=[authority], as_of=local_day(now))[0]
    if not _overdue(record, reminder.rule):
        return reminder.cancel(now, "held or scheduled")
    if later_stage_due(reminder, cutoff):
        return reminder.cancel(now, "superseded by a later stage")
    in_copy = not User.objects.filter(
        email=reminder.recipient, organisation_kind=OrganisationKind.KPB, authority=authority
    ).exists()
    composed = compose_compliance_reminder(
        rule=reminder.rule,
        authority=authority,
        year=year,
        stage=reminder.stage,
        in_copy=in_copy,
        unconfirmed=_unconfirmed(record, reminder.rule),
    )
    return send(reminder, now, composed)


def sent_reminders(*, year: int | None = None) -> QuerySet[Reminder]:
    """The log of sent yearly-rule reminders, newest first (for the LZPD)."""
    rows = Reminder.objects.filter(rule__in=RULES, sent_at__isnull=False)
    if year is not None:
        rows = rows.filter(subject_key__endswith=f":{year}")
    return rows.order_by("-sent_at", "subject_key", "recipient")


HANDLERS: dict[str, Callable[..., bool]] = {
    SIKO_YEARLY: remind_compliance,
    SIKO_AP_YEARLY: remind_compliance,
}
