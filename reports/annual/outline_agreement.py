"""The ministry agrees the report's outline beforehand (DESIGN R8: "die Berichtsgliederung bitte
ich im Vorfeld mit mir abzustimmen").

The LZPD proposes the outline of year Y (due to the ministry by SIKO_OUTLINE_DUE, default
1 June); the ministry agrees it or asks for changes with a comment. The latest proposal of a
year is the one that counts. An agreed outline is frozen for that year: a report of the year
whose outline differs from it goes back to the ministry as a new proposal, and until the
ministry agrees that one, no draft goes to the LKA (`check_outline_agreed`).

Every step locks the year's proposals and refuses with a German `OutlineAgreementError`;
repeating a step that already happened (a double click) changes nothing and mails nothing.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from authorities.models import User
from notifications import stages
from reports.annual import outline_notices
from reports.models import OutlineProposal, OutlineState
from reports.outline import clean_outline
from siko.audit import log_action
from siko.organisations import OrganisationKind


class OutlineAgreementError(Exception):
    """A step of the outline agreement is not possible now; the message is German."""


def outline_due(year: int) -> date:
    """The day the outline of year `year` is due to the ministry (SIKO_OUTLINE_DUE, "MM-DD")."""
    return stages.stage_day(settings.SIKO_OUTLINE_DUE, year)


def current_proposal(year: int) -> OutlineProposal | None:
    """The proposal of `year` that counts: the latest one."""
    return (
        OutlineProposal.objects.filter(year=year)
        .select_related("proposed_by", "decided_by")
        .order_by("-pk")
        .first()
    )


def agreed_proposal(year: int, outline: list[dict[str, str]]) -> OutlineProposal | None:
    """The current proposal of `year` if the ministry agreed it and `outline` is that outline."""
    proposal = current_proposal(year)
    if proposal is None or not proposal.is_agreed or proposal.sections != outline:
        return None
    return proposal


def check_outline_agreed(year: int, outline: list[dict[str, str]]) -> OutlineProposal:
    """The agreement a draft with `outline` needs before it goes to the LKA, or
    OutlineAgreementError saying what is missing."""
    proposal = agreed_proposal(year, outline)
    if proposal is not None:
        return proposal
    current = current_proposal(year)
    if current is None:
        message = _(
            "Der Entwurf kann dem LKA erst vorgelegt werden, wenn das Ministerium des Innern "
            "die Gliederung für %(year)s abgestimmt hat. Bitte legen Sie die Gliederung "
            "zuerst dem Ministerium vor."
        )
    elif current.state == OutlineState.CHANGES_REQUESTED:
        message = _(
            "Das Ministerium des Innern hat um Änderungen an der Gliederung für %(year)s "
            "gebeten. Der Entwurf kann dem LKA erst nach der Abstimmung vorgelegt werden."
        )
    else:
        message = _(
            "Die Gliederung für %(year)s liegt dem Ministerium des Innern zur Abstimmung vor. "
            "Der Entwurf kann dem LKA erst danach vorgelegt werden."
        )
    raise OutlineAgreementError(message % {"year": year})


def _lock_year(year: int) -> OutlineProposal | None:
    """Locks the year's proposals (so two submissions are decided one after the other) and
    returns the current one."""
    rows = list(OutlineProposal.objects.select_for_update().filter(year=year).order_by("-pk"))
    return rows[0] if rows else None


@transaction.atomic
def propose_outline(
    *, year: int, outline: list[dict[str, str]], by: User
) -> tuple[OutlineProposal, bool]:
    """The LZPD proposes `outline` for `year`; the ministry's users get one mail.

    Returns (proposal, created). Proposing the outline that is already proposed or agreed
    changes nothing (a double click, or an edit that left the outline as agreed)."""
    if by.organisation_kind != OrganisationKind.LZPD:
        raise OutlineAgreementError(_("Die Gliederung legt das LZPD dem Ministerium vor."))
    outline = clean_outline(outline)
    current = _lock_year(year)
    if (
        current is not None
        and current.sections == outline
        and current.state != (OutlineState.CHANGES_REQUESTED)
    ):
        return current, False
    proposal = OutlineProposal.objects.create(year=year, sections=outline, proposed_by=by)
    log_action(
        "annual_report.outline_proposed",
        proposal,
        actor=by,
        data={"year": year, "replaces": current.pk if current else None},
    )
    outline_notices.notify(outline_notices.PROPOSED, proposal, due=outline_due(year))
    return proposal, True


@transaction.atomic
def decide_outline(
    proposal: OutlineProposal, *, by: User, agree: bool, comment: str = ""
) -> OutlineProposal:
    """The ministry agrees the proposal or asks for changes (a comment is required then); the
    LZPD gets one mail. Repeating the same decision changes nothing."""
    if by.organisation_kind != OrganisationKind.IM:
        raise OutlineAgreementError(
            _("Über die Gliederung entscheidet das Ministerium des Innern.")
        )
    comment = comment.strip()
    if not agree and not comment:
        raise OutlineAgreementError(
            _("Bitte schreiben Sie, welche Änderungen Sie an der Gliederung erbitten.")
        )
    current = _lock_year(proposal.year)
    proposal = OutlineProposal.objects.get(pk=proposal.pk)
    wanted = OutlineState.AGREED if agree else OutlineState.CHANGES_REQUESTED
    if proposal.state == wanted:
        return proposal  # the same decision once more
    if current is None or current.pk != proposal.pk:
        raise OutlineAgreementError(
            _(
                "Das LZPD hat inzwischen eine neuere Gliederung vorgelegt; bitte "
                "entscheiden Sie dort."
            )
        )
    if proposal.state != OutlineState.PROPOSED:
        raise OutlineAgreementError(
            _("Über diese Gliederung ist bereits entschieden: %(state)s.")
            % {"state": proposal.get_state_display()}
        )
    proposal.state = wanted
    proposal.comment = comment
    proposal.decided_at = timezone.now()
    proposal.decided_by = by
    proposal.save()
    log_action(
        "annual_report.outline_agreed" if agree else "annual_report.outline_changes_requested",
        proposal,
        actor=by,
        data={"year": proposal.year},
    )
    outline_notices.notify(
        outline_notices.AGREED if agree else outline_notices.CHANGES_REQUESTED,
        proposal,
        due=outline_due(proposal.year),
    )
    return proposal


def undecided_proposals() -> list[OutlineProposal]:
    """The current proposals the ministry has still to decide, oldest year first."""
    latest: dict[int, OutlineProposal] = {}
    for proposal in OutlineProposal.objects.select_related("proposed_by").order_by("pk"):
        latest[proposal.year] = proposal
    return [p for year, p in sorted(latest.items()) if p.state == OutlineState.PROPOSED]


@dataclass(frozen=True)
class AgreementNote:
    """What the methods annex says about the outline's agreement."""

    agreed_on: date
    agreed_by: str


def agreement_note(year: int, outline: list[dict[str, str]]) -> AgreementNote | None:
    """The date of the ministry's agreement and who agreed (the organisation, not the
    person), if the outline `outline` of `year` is agreed."""
    proposal = agreed_proposal(year, outline)
    if proposal is None or proposal.decided_at is None:
        return None
    return AgreementNote(
        agreed_on=timezone.localdate(proposal.decided_at),
        agreed_by=str(OrganisationKind.IM.label),
    )
