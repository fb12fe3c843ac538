"""Mails of the annual report's workflow: the LKA hears when a draft waits for its review, the
LZPD when the LKA has agreed or commented, LKA and ministry when the final version is stored.
Each mail is an outbox row with a dedup key, so a repeated step never mails twice."""

from typing import Any

from django.conf import settings
from django.urls import reverse

from authorities.models import User
from notifications import queue as delivery
from notifications.compose import ComposedMail, compose
from notifications.enums import MailKind
from reports.models import AnnualReport, ReportReview
from siko.organisations import OrganisationKind

RECIPIENTS = {
    "draft_ready": (OrganisationKind.LKA,),
    "reviewed": (OrganisationKind.LZPD,),
    "final": (OrganisationKind.LKA, OrganisationKind.IM),
}


def recipients(kinds: tuple[str, ...]) -> list[str]:
    emails = (
        User.objects.filter(organisation_kind__in=kinds, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    return sorted(set(emails))


def _compose(kind: str, report: AnnualReport, review: ReportReview | None) -> ComposedMail:
    context: dict[str, Any] = {
        "kind": kind,
        "year": report.year,
        "version": report.version,
        "period_year": report.period_year,
        "sha256": report.sha256,
        "review": review,
        "decision": review.get_decision_display() if review else "",
        "report_url": settings.SITE_URL + report.get_absolute_url(),
        "review_url": settings.SITE_URL + reverse("reports:annual_report_review", args=[report.pk]),
    }
    return compose("annual_report_notice", context, folder="reports/email")


def notify(kind: str, report: AnnualReport, *, review: ReportReview | None = None) -> int:
    """Queues the notice for every recipient once; returns the number of rows queued."""
    step = review.pk if review else report.sha256
    return queue_notices(
        _compose(kind, report, review), RECIPIENTS[kind], f"annual-report-{kind}:{report.pk}:{step}"
    )


def queue_notices(composed: ComposedMail, kinds: tuple[str, ...], dedup_prefix: str) -> int:
    """Queues `composed` once for every active user of `kinds` with an address (the dedup key
    is the prefix and the address); returns the number of rows."""
    emails = recipients(kinds)
    for email in emails:
        delivery.queue_mail(
            kind=MailKind.NOTICE, to=email, composed=composed, dedup_key=f"{dedup_prefix}:{email}"
        )
    return len(emails)
