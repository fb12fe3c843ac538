"""Plain factory functions for the records the annual report counts (actions, R7 records) and
for the report itself."""

from datetime import date

from django.utils import timezone

from authorities.models import Authority, Exercise, Hospitation, User
from conferences.models import Conference
from followup.models import Action
from reports.annual.report import collect_report_data
from reports.models import AnnualReport, OutlineProposal, OutlineState
from siko.organisations import OrganisationKind


def add_action(conference: Conference, text: str, due: date, state: str = "open") -> Action:
    """An action the police owns, agreed at `conference`."""
    return Action.objects.create(
        conference=conference, text=text, owner_is_police=True, due_date=due, state=state
    )


def add_hagen_actions(conference: Conference) -> None:
    """The two actions of Hagen's first SiKo of 2025: one done, one open."""
    add_action(conference, "Streifen am Bahnhof", date(2025, 9, 1), "done")
    add_action(conference, "Beleuchtung prüfen", date(2025, 12, 1), "open")


def add_dortmund_exercise(title: str, day: date) -> Exercise:
    """A crisis-staff exercise of the city of Dortmund with the police liaison taking part."""
    return Exercise.objects.create(
        authority=Authority.objects.get(slug="pp-dortmund"),
        organiser="Stadt Dortmund",
        title=title,
        date=day,
        liaison_took_part=True,
    )


def add_borken_hospitation() -> Hospitation:
    """Borken's outgoing Hospitation at the customs office Bocholt, June 2025."""
    return Hospitation.objects.create(
        authority=Authority.objects.get(slug="lr-borken"),
        agency_name="Zollamt Bocholt",
        direction="outgoing",
        start_date=date(2025, 6, 2),
        end_date=date(2025, 6, 3),
    )


def make_final_report() -> AnnualReport:
    """A final 2026 report on 2025 (its snapshot as of 1 March 2026), without a PDF."""
    return AnnualReport.objects.create(
        year=2026,
        period_year=2025,
        status="final",
        sha256="0" * 64,
        data=collect_report_data(2026, as_of=date(2026, 3, 1)),
    )


def agree_outline(year: int, outline: list[dict[str, str]]) -> OutlineProposal:
    """The ministry's agreement to `outline` for `year`, as stored after the round (no mails):
    for tests of the later steps, which need an agreed outline before the draft goes to the LKA."""
    lzpd, _created = User.objects.get_or_create(
        username="lzpd-gliederung", defaults={"organisation_kind": OrganisationKind.LZPD}
    )
    ministry, _created = User.objects.get_or_create(
        username="im-gliederung", defaults={"organisation_kind": OrganisationKind.IM}
    )
    return OutlineProposal.objects.create(
        year=year,
        sections=[dict(entry) for entry in outline],
        state=OutlineState.AGREED,
        proposed_by=lzpd,
        decided_by=ministry,
        decided_at=timezone.now(),
    )
