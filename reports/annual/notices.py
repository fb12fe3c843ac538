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


def _recipients(kinds: tuple[str, ...]) -> list[str]:
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
    composed = _compose(kind, report, review)
    step = review.pk if review else report.sha256
    rows = 0
    for email in _recipients(RECIPIENTS[kind]):
        delivery.queue_mail(
            kind=MailKind.NOTICE,
            to=email,
            composed=composed,
            dedup_key=f"annual-report-{kind}:{report.pk}:{step}:{email}",
        )
        rows += 1
    return rows
