"""The workflow of the annual LZPD report (DESIGN R8): start, generate (Celery), LKA review,
finalise, correct.

Every step is a small function that checks the state under a row lock and refuses with a German
`ReportError`; repeating a step that already happened (a double click) changes nothing.
Generation and finalisation run in `run_generation` (reports.tasks), started on commit; the row
carries the progress. A generation whose number is no longer the row's current one is dropped,
so a stale or re-delivered task never overwrites newer work.
"""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from authorities.models import User
from reports.annual import notices as report_notices
from reports.annual import outline_agreement
from reports.annual.tasks import task_generate_annual_report
from reports.models import AnnualReport, GenerationState, ReportReview, ReportStatus
from reports.outline import DEFAULT_OUTLINE, clean_outline
from reports.selectors import FIRST_YEAR
from siko.audit import log_action
from siko.organisations import OrganisationKind
from siko.tasks_queue import enqueue_on_commit

logger = logging.getLogger(__name__)

EARLIEST_YEAR = FIRST_YEAR + 1  # the first report covers the decree's year
BROKER_DOWN_ERROR = gettext_noop(
    "Der Hintergrunddienst für die Erzeugung ist gerade nicht erreichbar. Bitte stoßen Sie die "
    "Erzeugung in einigen Minuten erneut an."
)


class ReportError(Exception):
    """A step of the workflow is not possible now; the message is German and for the user."""


class ReportExists(ReportError):
    """The year has its report already (corrections are its versions); `report` is the latest
    version, where the work continues."""

    def __init__(self, report: AnnualReport) -> None:
        super().__init__(
            _(
                "Für %(year)s gibt es bereits den Bericht (Fassung %(version)s); "
                "bitte arbeiten Sie dort weiter."
            )
            % {"year": report.year, "version": report.version}
        )
        self.report = report


def latest_year() -> int:
    return timezone.localdate().year + 1


def check_year(year: int) -> None:
    if not EARLIEST_YEAR <= year <= latest_year():
        raise ReportError(
            _("Das Jahr %(year)s liegt außerhalb der Daten (%(first)s–%(last)s).")
            % {"year": year, "first": EARLIEST_YEAR, "last": latest_year()}
        )


def last_agreed_outline() -> list[dict[str, str]]:
    """The outline of the most recently agreed (or final) report, else the default one."""
    latest = (
        AnnualReport.objects.filter(status__in=[ReportStatus.AGREED, ReportStatus.FINAL])
        .order_by("-agreed_at", "-pk")
        .only("outline")
        .first()
    )
    outline = latest.outline if latest else DEFAULT_OUTLINE
    return [dict(entry) for entry in outline]


def _locked(report: AnnualReport) -> AnnualReport:
    return AnnualReport._base_manager.select_for_update().get(pk=report.pk)


def check_period_over(year: int, period_year: int | None = None) -> None:
    """The report judges a closed year: before 1 January after `period_year` (default Y-1)
    that year is still running, and the report is refused (web workflow and command alike)."""
    period_year = year - 1 if period_year is None else period_year
    if timezone.localdate().year <= period_year:
        raise ReportError(
            _(
                "Der Bericht %(year)s wertet das Jahr %(period)s aus, das noch nicht "
                "abgeschlossen ist; er kann ab dem 1. Januar %(next)s erstellt werden."
            )
            % {"year": year, "period": period_year, "next": period_year + 1}
        )


def _check_period(year: int, period_year: int, state_as_of: date | None) -> None:
    check_year(year)
    if not EARLIEST_YEAR - 1 <= period_year < year:
        raise ReportError(
            _("Das ausgewertete Jahr muss vor dem Berichtsjahr %(year)s liegen.") % {"year": year}
        )
    check_period_over(year, period_year)
    if state_as_of is not None and state_as_of.year != year:
        raise ReportError(
            _("Der Stand des laufenden Jahres muss ein Tag im Jahr %(year)s sein.") % {"year": year}
        )


@transaction.atomic
def start_report(
    *,
    year: int,
    by: User,
    period_year: int | None = None,
    state_as_of: date | None = None,
    outline: list[dict[str, str]] | None = None,
) -> AnnualReport:
    """Version 1 of the report for `year`; a year that has a report continues with that one
    (ReportExists)."""
    existing = AnnualReport.objects.filter(year=year).order_by("-version").first()
    if existing is not None:
        raise ReportExists(existing)
    period_year = period_year or year - 1
    _check_period(year, period_year, state_as_of)
    outline = clean_outline(outline if outline is not None else last_agreed_outline())
    report = AnnualReport.objects.create(
        year=year,
        version=1,
        period_year=period_year,
        state_as_of=state_as_of,
        outline=outline,
        created_by=by,
    )
    log_action("annual_report.started", report, actor=by, data={"year": year})
    return report


@transaction.atomic
def update_draft(
    report: AnnualReport,
    *,
    by: User,
    period_year: int,
    state_as_of: date | None,
    outline: list[dict[str, str]],
) -> AnnualReport:
    """Changes period and outline of a draft; the PDF must then be generated again."""
    report = _locked(report)
    _check_draft(report)
    _check_period(report.year, period_year, state_as_of)
    report.period_year = period_year
    report.state_as_of = state_as_of
    report.outline = clean_outline(outline)
    _propose_changed_outline(report, by=by)
    # A generation still running renders the old settings: its result is dropped (stale).
    report.generation += 1
    report.generation_state = GenerationState.IDLE
    report.save()
    log_action("annual_report.changed", report, actor=by)
    return report


def _propose_changed_outline(report: AnnualReport, *, by: User) -> None:
    """Once the year's outline is with the ministry, a changed outline is a new proposal that
    the ministry must agree again (an agreed outline is frozen for its year)."""
    current = outline_agreement.current_proposal(report.year)
    if (
        current is None
        or current.sections == report.outline
        or by.organisation_kind != OrganisationKind.LZPD
    ):
        return
    outline_agreement.propose_outline(year=report.year, outline=report.outline, by=by)


def check_outline_agreed(report: AnnualReport) -> None:
    """A draft goes to the LKA only with the outline the ministry agreed for its year."""
    try:
        outline_agreement.check_outline_agreed(report.year, report.outline)
    except outline_agreement.OutlineAgreementError as error:
        raise ReportError(str(error)) from error


def _check_draft(report: AnnualReport) -> None:
    if report.status != ReportStatus.DRAFT:
        raise ReportError(
            _(
                "Nur ein Entwurf kann geändert oder neu erzeugt werden; dieser "
                "Bericht ist %(status)s."
            )
            % {"status": report.get_status_display()}
        )


def _schedule(report: AnnualReport) -> None:
    report.generation += 1
    report.generation_requested_at = timezone.now()
    report.generation_state = GenerationState.PENDING
    report.progress = 0
    report.progress_step = gettext_noop("Wartet auf einen freien Arbeitsprozess")
    report.generation_error = ""
    report.save()
    report_id, generation = report.pk, report.generation
    enqueue_on_commit(
        task_generate_annual_report,
        report_id=report_id,
        generation=generation,
        on_refused=lambda: _broker_refused(report_id, generation),
    )


def _broker_refused(report_id: int, generation: int) -> None:
    """The broker did not take the task: the row says so at once and the generation may be
    requested again (instead of waiting for `_stuck`)."""
    AnnualReport._base_manager.filter(
        pk=report_id,
        generation=generation,
        generation_state=GenerationState.PENDING,
    ).update(generation_state=GenerationState.FAILED, generation_error=BROKER_DOWN_ERROR)


def _stuck(report: AnnualReport) -> bool:
    """A generation that has not finished within the task's hard time limit was lost (e.g. the
    broker lost the message); it may be requested again."""
    limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    requested = report.generation_requested_at
    return requested is None or timezone.now() - requested > limit


@transaction.atomic
def request_generation(report: AnnualReport, *, by: User) -> AnnualReport:
    """Generates the draft (again) in the background and sends it to the LKA for its
    agreement (reports.annual.generation); a request while one runs is a no-op. Refused while
    the ministry has not agreed the draft's outline (DESIGN R8)."""
    report = _locked(report)
    _check_draft(report)
    check_outline_agreed(report)
    if report.is_generating and not _stuck(report):
        return report
    _schedule(report)
    log_action(
        "annual_report.generation_requested",
        report,
        actor=by,
        data={"generation": report.generation},
    )
    return report


@transaction.atomic
def record_review(
    report: AnnualReport,
    *,
    by: User,
    decision: str,
    comment: str = "",
    read_sha256: str | None = None,
) -> AnnualReport:
    """The LKA agrees to the draft it read (its SHA-256 is kept) or comments on it.

    `read_sha256` is the hash of the draft the reviewer had in front of them: when the draft
    was generated again in the meantime, the review is refused instead of being recorded for a
    text the reviewer has not read."""
    if not by.is_lka:
        raise ReportError(_("Das Einvernehmen zum Bericht erteilt das Landeskriminalamt."))
    report = _locked(report)
    comment = comment.strip()
    if decision not in ReportReview.Decision.values:
        raise ReportError(_("Bitte wählen Sie Einvernehmen oder Anmerkungen."))
    if report.status != ReportStatus.DRAFT:
        if report.status == ReportStatus.AGREED and decision == ReportReview.Decision.AGREED:
            return report  # the same agreement once more: nothing to do
        raise ReportError(
            _("Dieser Bericht ist %(status)s; eine Prüfung ist nicht mehr möglich.")
            % {"status": report.get_status_display()}
        )
    if not report.has_pdf:
        raise ReportError(
            _("Der Entwurf ist noch nicht erzeugt; bitte warten Sie, bis das PDF bereitsteht.")
        )
    check_outline_agreed(report)
    if read_sha256 is not None and read_sha256 != report.sha256:
        raise ReportError(
            _(
                "Der Entwurf wurde inzwischen neu erzeugt. Bitte lesen Sie die "
                "neue Fassung und entscheiden Sie dann erneut."
            )
        )
    if decision == ReportReview.Decision.COMMENTED and not comment:
        raise ReportError(_("Bitte schreiben Sie Ihre Anmerkungen in das Textfeld."))
    last = report.reviews.order_by("-pk").first()
    if last and (last.decision, last.comment, last.sha256, last.created_by_id) == (
        decision,
        comment,
        report.sha256,
        by.pk,
    ):
        return report  # a repeated submission
    review = ReportReview.objects.create(
        report=report, decision=decision, comment=comment, sha256=report.sha256, created_by=by
    )
    report_notices.notify("reviewed", report, review=review)
    if decision == ReportReview.Decision.AGREED:
        report.status = ReportStatus.AGREED
        report.agreed_at = timezone.now()
        report.agreed_by = by
        report.agreed_sha256 = report.sha256
        report.save()
        log_action("annual_report.agreed", report, actor=by, data={"sha256": report.sha256})
    else:
        log_action("annual_report.commented", report, actor=by)
    return report


@transaction.atomic
def finalise(report: AnnualReport, *, by: User) -> AnnualReport:
    """Renders the agreed figures without the ENTWURF mark in the background and freezes them."""
    report = _locked(report)
    if report.status == ReportStatus.FINAL or (
        report.status == ReportStatus.AGREED and report.is_generating and not _stuck(report)
    ):
        return report
    if report.status != ReportStatus.AGREED:
        raise ReportError(
            _("Erst nach dem Einvernehmen des LKA kann der Bericht abgeschlossen werden.")
        )
    report.finalise_requested_by = by
    _schedule(report)
    log_action("annual_report.finalise_requested", report, actor=by)
    return report


@transaction.atomic
def start_correction(report: AnnualReport, *, by: User, reason: str) -> AnnualReport:
    """A correction of a final version is a new draft version n+1; the final one stays."""
    report = _locked(report)
    if report.status != ReportStatus.FINAL:
        raise ReportError(
            _(
                "Nur die Endfassung wird durch eine neue Fassung korrigiert; einen "
                "Entwurf können Sie direkt bearbeiten."
            )
        )
    latest = AnnualReport.objects.filter(year=report.year).latest("version")  # at least `report`
    if latest.pk != report.pk:
        raise ReportError(
            _("Es gibt bereits eine neuere Fassung (Fassung %(version)s).")
            % {"version": latest.version}
        )
    if not reason.strip():
        raise ReportError(_("Bitte nennen Sie den Grund der Korrektur."))
    correction = AnnualReport.objects.create(
        year=report.year,
        version=report.version + 1,
        period_year=report.period_year,
        state_as_of=report.state_as_of,
        outline=report.outline,
        correction_reason=reason.strip(),
        created_by=by,
    )
    log_action(
        "annual_report.correction_started",
        correction,
        actor=by,
        data={"version": correction.version, "corrects": report.version},
    )
    return correction


def closed_year_reason(year: int) -> str:
    """Why calendar year `year` is closed for conferences entered afterwards, or "" while it is
    open: a year is closed when the latest version of a report judging it is final. A correction
    (a new draft version, started by the LZPD) reopens it until that version is final too.
    Registered with conferences.closed_years in ReportsConfig.ready()."""
    report_years = AnnualReport.objects.filter(period_year=year).values_list("year", flat=True)
    for report_year in sorted(set(report_years)):
        latest = AnnualReport.objects.filter(year=report_year).order_by("-version").first()
        if (
            latest is not None
            and latest.status == ReportStatus.FINAL
            and latest.period_year == year
        ):
            return _(
                "Das Jahr %(year)s ist durch die Endfassung des Jahresberichts %(report)s "
                "abgeschlossen. Eine Konferenz kann für dieses Jahr nur nachgetragen werden, "
                "wenn das LZPD den Bericht durch eine Korrekturfassung wieder öffnet."
            ) % {"year": year, "report": latest.year}
    return ""
