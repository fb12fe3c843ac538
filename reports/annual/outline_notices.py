"""Mails of the outline agreement (DESIGN R8): the ministry hears when the LZPD proposes an
outline, the LZPD when the ministry has agreed it or asks for changes. Each mail is an outbox
row with a dedup key per proposal, step and address, so a repeated step never mails twice."""

from datetime import date

from django.conf import settings
from django.urls import reverse

from notifications import stages
from notifications.compose import compose
from reports.annual.notices import queue_notices
from reports.models import OutlineProposal
from reports.outline import section_title
from siko.formats import german_date
from siko.organisations import OrganisationKind

PROPOSED, AGREED, CHANGES_REQUESTED = "proposed", "agreed", "changes_requested"

RECIPIENTS = {
    PROPOSED: (OrganisationKind.IM,),
    AGREED: (OrganisationKind.LZPD,),
    CHANGES_REQUESTED: (OrganisationKind.LZPD,),
}


def notify(kind: str, proposal: OutlineProposal, *, due: date) -> int:
    """Queues the mail of `kind` for every recipient once; returns the number of rows."""
    link = "reports:annual_report_outlines" if kind == PROPOSED else "reports:annual_report_list"
    composed = compose(
        "outline_notice",
        {
            "kind": kind,
            "year": proposal.year,
            "due": german_date(stages.stage_time(due)),
            "sections": [section_title(entry["key"]) for entry in proposal.sections],
            "comment": proposal.comment,
            "url": settings.SITE_URL + reverse(link),
        },
        folder="reports/email",
    )
    return queue_notices(composed, RECIPIENTS[kind], f"annual-report-outline-{kind}:{proposal.pk}")
