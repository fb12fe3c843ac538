"""Generating an annual report: the body of its Celery task (reports.annual.tasks).

A generation claims the row by its number, renders the figures or the agreed snapshot outside
any transaction and stores the PDF only if its number is still current (a stale or re-delivered
task changes nothing).
"""

import hashlib
import json
import logging

from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from reports.annual import notices as report_notices
from reports.annual import outline_agreement
from reports.annual import report as annual_report
from reports.models import AnnualReport, GenerationState, ReportStatus
from siko.audit import log_action
from siko.files import atomic_with_files

logger = logging.getLogger("reports.annual.workflow")


def _claim(report_id: int, generation: int) -> AnnualReport | None:
    with transaction.atomic():
        report = AnnualReport._base_manager.select_for_update().filter(pk=report_id).first()
        if report is None or report.generation != generation or not report.is_generating:
            return None
        report.generation_state = GenerationState.RUNNING
        report.progress = max(report.progress, 2)
        report.progress_step = gettext_noop("Erzeugung gestartet")
        report.save()
        return report


def _progress_reporter(report: AnnualReport) -> annual_report.Progress:
    """Stores the progress of this generation on the row; it never goes backwards (also not
    when a re-delivered task starts over)."""
    highest = [report.progress]

    def progress(percent: int, step: str) -> None:
        percent = max(highest[0], min(int(percent), 95))
        highest[0] = percent
        AnnualReport._base_manager.filter(
            pk=report.pk,
            generation=report.generation,
            status__in=[ReportStatus.DRAFT, ReportStatus.AGREED],
        ).update(progress=percent, progress_step=str(step)[:200])

    return progress


def _outline_agreement(report: AnnualReport) -> dict[str, str]:
    """The ministry's agreement to the report's outline, for the methods annex ({} if none)."""
    note = outline_agreement.agreement_note(report.year, report.outline)
    if note is None:
        return {}
    return {"agreed_on": f"{note.agreed_on:%d.%m.%Y}", "agreed_by": note.agreed_by}


def render_html(report: AnnualReport, data: dict, *, final: bool) -> str:
    """The HTML that WeasyPrint sets for this report (its hash tells whether a draft changed)."""
    status_label = str(ReportStatus.FINAL.label if final else ReportStatus.DRAFT.label)
    return annual_report.annual_report_html(
        data,
        outline=report.outline,
        draft=not final,
        version=report.version,
        status_label=status_label,
        outline_agreement=_outline_agreement(report),
    )


def run_generation(report_id: int, generation: int) -> bool:
    """Generates a draft (fresh figures) or the final version (the agreed snapshot). Returns
    False when there was nothing to do (stale or finished generation)."""
    report = _claim(report_id, generation)
    if report is None:
        return False
    final = report.status == ReportStatus.AGREED
    progress = _progress_reporter(report)
    try:
        if final:
            if report.data is None:
                raise ValueError(f"agreed annual report {report_id} has no snapshot")
            data = report.data
            progress(50, gettext_noop("Endfassung wird gesetzt"))
        else:
            data = annual_report.collect_report_data(
                report.year,
                period_year=report.period_year,
                as_of=report.state_as_of or timezone.localdate(),
                progress=progress,
            )
            data = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
            progress(80, gettext_noop("PDF wird gesetzt"))
        html = render_html(report, data, final=final)
        pdf = annual_report.report_html_to_pdf(html)
        content_sha256 = hashlib.sha256(html.encode()).hexdigest()
        return _store(
            report_id, generation, data=data, pdf=pdf, content_sha256=content_sha256, final=final
        )
    except Exception:  # noqa: BLE001 - the row must say it failed, the log has the details
        logger.exception("annual report %s generation %s failed", report_id, generation)
        AnnualReport._base_manager.filter(pk=report_id, generation=generation).update(
            generation_state=GenerationState.FAILED,
            generation_error=gettext_noop(
                "Die Erzeugung ist fehlgeschlagen. Bitte versuchen "
                "Sie es erneut; bleibt der Fehler, informieren Sie "
                "den Betrieb."
            ),
        )
        return False


def _store(
    report_id: int, generation: int, *, data: dict, pdf: bytes, content_sha256: str, final: bool
) -> bool:
    """Stores the PDF rendered outside the transaction; its file exists only if the
    transaction commits (siko.files), the replaced draft's file is removed after commit.

    A draft generated again with the same content (the same HTML) keeps its file and hash: the
    LKA's agreement to the draft it read stays valid, whatever bytes the PDF writer produced."""
    with atomic_with_files() as files:
        report = AnnualReport._base_manager.select_for_update().get(pk=report_id)
        if report.generation != generation or report.generation_state != GenerationState.RUNNING:
            return False
        old_file = report.pdf.name if report.pdf else ""
        unchanged = not final and bool(old_file) and report.content_sha256 == content_sha256 != ""
        report.data = data
        report.content_sha256 = content_sha256
        now = timezone.now()
        if final:
            report.status = ReportStatus.FINAL
            report.finalised_at = now
            report.finalised_by = report.finalise_requested_by
        if not unchanged:
            report.sha256 = hashlib.sha256(pdf).hexdigest()
            files.save(report.pdf, "bericht.pdf", ContentFile(pdf))
        report.generation_state = GenerationState.DONE
        report.progress = 100
        report.progress_step = gettext_noop("Fertig")
        report.generated_at = now
        report.save()
        if old_file and old_file != report.pdf.name:
            # The previous draft's file: no longer referenced (final files are never replaced).
            transaction.on_commit(lambda: report.pdf.storage.delete(old_file))
        if final:
            log_action(
                "annual_report.finalised",
                report,
                actor=report.finalised_by,
                data={"version": report.version, "sha256": report.sha256},
            )
        report_notices.notify("final" if final else "draft_ready", report)
    return True


def verify_pdf(report: AnnualReport) -> bool:
    """The stored file still has the stored hash."""
    if not report.pdf:
        return False
    with report.pdf.open("rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest() == report.sha256


def file_name(report: AnnualReport, suffix: str = "pdf", part: str = "") -> str:
    kind = "endfassung" if report.is_final else "entwurf"
    middle = f"-{part}" if part else ""
    return f"jahresbericht-{report.year}-fassung-{report.version}-{kind}{middle}.{suffix}"


def authority_part_pdf(report: AnnualReport, slug: str) -> bytes:
    """The part of one authority; the report must have its figures (`report.data`)."""
    if report.data is None:
        raise ValueError(f"annual report {report.pk} has no figures yet")
    final = report.is_final
    return annual_report.render_authority_part(
        report.data,
        slug,
        draft=not final,
        version=report.version,
        status_label=str(report.get_status_display()),
    )
