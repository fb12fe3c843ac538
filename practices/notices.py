"""Mails of the good-practice workflow: the LZPD hears when a KPB submits a practice (or puts a
published one back to review), the KPB when the LZPD has published or returned it. Each mail is
an outbox row whose dedup key names the practice, the step and its time, so a repeated click
never mails twice while a new round (submitted again after a return) mails again."""

from django.conf import settings

from authorities.models import User
from notifications import queue as delivery
from notifications.compose import compose
from notifications.enums import MailKind
from practices.models import GoodPractice
from siko.organisations import OrganisationKind

SUBMITTED, PUBLISHED, RETURNED = "submitted", "published", "returned"


def _recipients(kind: str, practice: GoodPractice) -> list[str]:
    users = User.objects.filter(is_active=True).exclude(email="")
    if kind == SUBMITTED:
        users = users.filter(organisation_kind=OrganisationKind.LZPD)
    else:
        users = users.filter(
            organisation_kind=OrganisationKind.KPB, authority_id=practice.authority_id
        )
    return sorted(set(users.values_list("email", flat=True)))


def notify(kind: str, practice: GoodPractice) -> int:
    """Queues the mail of `kind` once for every recipient; returns the number of addresses."""
    moment = practice.submitted_at if kind == SUBMITTED else practice.decided_at
    stamp = moment.isoformat() if moment else ""
    composed = compose(
        "practice_notice",
        {
            "kind": kind,
            "authority_name": practice.authority.short_name,
            "name": practice.title,
            "comment": practice.review_comment,
            "url": settings.SITE_URL + practice.get_absolute_url(),
        },
        folder="practices/email",
    )
    emails = _recipients(kind, practice)
    for email in emails:
        delivery.queue_mail(
            kind=MailKind.NOTICE,
            to=email,
            composed=composed,
            dedup_key=f"practice-{kind}:{practice.pk}:{stamp}:{email}",
        )
    return len(emails)
