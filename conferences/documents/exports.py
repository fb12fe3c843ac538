"""Reads of the answers to a conference: the summary per state and category, and the
participants list as CSV (Excel-ready) and as printable PDF.

Pure functions: a conference in, data or bytes out. The views only wrap them in a response.
"""

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from authorities.enums import PartnerCategory
from conferences.enums import ConferenceStatus, InvitationState
from conferences.models import Conference, Invitation
from siko.collation import german
from siko.spreadsheet import csv_writer

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass
class CategoryCounts:
    label: "StrOrPromise"
    counts: list[int]
    total: int


@dataclass
class AnswerSummary:
    """Invitations counted per state and per partner category (from one aggregated query)."""

    states: list[InvitationState]
    rows: list[CategoryCounts] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)
    total: int = 0

    def without_empty_states(self) -> "AnswerSummary":
        """Only the states some invitation is in: a table of six states for two answers is
        mostly zeros (issue 15). The order of the states stays."""
        keep = [i for i, n in enumerate(self.totals) if n]
        return AnswerSummary(
            states=[self.states[i] for i in keep],
            rows=[
                CategoryCounts(row.label, [row.counts[i] for i in keep], row.total)
                for row in self.rows
            ],
            totals=[self.totals[i] for i in keep],
            total=self.total,
        )


def answer_summary(conference: Conference) -> AnswerSummary:
    states = list(InvitationState)
    grouped = (
        conference.invitations.order_by()
        .values("agency__category", "state")
        .annotate(n=Count("pk", distinct=True))
    )
    matrix: dict[str, dict[str, int]] = {}
    for row in grouped:
        matrix.setdefault(row["agency__category"], {})[row["state"]] = row["n"]
    summary = AnswerSummary(states=states)
    for category in PartnerCategory:
        if category.value in matrix:
            counts = [matrix[category.value].get(state.value, 0) for state in states]
            summary.rows.append(CategoryCounts(category.label, counts, sum(counts)))
    summary.totals = [sum(row.counts[i] for row in summary.rows) for i in range(len(states))]
    summary.total = sum(summary.totals)
    return summary


def answers_context(conference: Conference) -> dict[str, Any]:
    """What the answers panel of the conference page needs; a fixed number of queries."""
    summary = answer_summary(conference)
    # contact and routed_via__contacts: the page tells which invitations have no address.
    invitations = list(
        conference.invitations.select_related("agency", "contact", "routed_via")
        .prefetch_related("routed_via__contacts")
        .order_by("agency__category", german("agency__name"))
    )
    return {
        "summary": summary.without_empty_states(),
        "invitations": invitations,
        # Not yet sent: "Einladungen versenden" is offered only while this is not 0.
        "to_send": sum(1 for i in invitations if i.state == InvitationState.PENDING),
        "state_counts": [
            (state.label, n) for state, n in zip(summary.states, summary.totals, strict=True)
        ],
        "answers_open": (
            conference.status != ConferenceStatus.CANCELLED and not conference.has_started
        ),
    }


def participant_invitations(conference: Conference) -> list[Invitation]:
    return list(
        conference.invitations.select_related("agency", "routed_via").order_by(
            "agency__category", "agency__name"
        )
    )


def _datetime(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%d.%m.%Y %H:%M") if value else ""


def _attended(value: bool | None) -> str:
    if value is None:
        return ""
    return _("ja") if value else _("nein")


def _delegate(invitation: Invitation) -> str:
    if not invitation.delegate_name:
        return ""
    if invitation.delegate_function:
        return f"{invitation.delegate_name} ({invitation.delegate_function})"
    return invitation.delegate_name


def participant_header() -> list[str]:
    return [
        _("Partnerbehörde"),
        _("Kategorie"),
        _("Status"),
        _("Vertretung"),
        _("Antwort über"),
        _("beantwortet am"),
        _("anwesend"),
    ]


def participant_rows(invitations: list[Invitation]) -> list[list[str]]:
    return [
        [
            invitation.agency.name,
            invitation.agency.category_label,
            invitation.get_state_display(),
            _delegate(invitation),
            invitation.get_answered_via_display() if invitation.answered_via else "",
            _datetime(invitation.answered_at),
            _attended(invitation.attended),
        ]
        for invitation in invitations
    ]


def render_participants_csv(conference: Conference) -> bytes:
    """Semicolon-separated UTF-8 with a byte order mark, so that Excel opens it correctly; the
    writer guards every text cell against formulas (partners type delegate names)."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(participant_header())
    writer.writerows(participant_rows(participant_invitations(conference)))
    return buffer.getvalue().encode("utf-8-sig")


def render_participants_pdf(conference: Conference) -> bytes:
    """Rendered by the shared safe renderer: it fetches nothing outside our static files."""
    from siko.pdf import html_to_pdf  # imports WeasyPrint, only when a PDF is made

    invitations = participant_invitations(conference)
    html = render_to_string(
        "conferences/answers/participants_pdf.html",
        {
            "conference": conference,
            "header": participant_header(),
            "rows": participant_rows(invitations),
            "generated": timezone.localtime(),
        },
    )
    return html_to_pdf(html)
