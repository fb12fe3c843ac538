"""The annual LZPD report (DESIGN R8, §2): one row per version of a year's report.

A version goes draft → agreed (by the LKA) → final. While a draft, LZPD may change period and
outline and generate it again (a Celery task; progress is kept on the row). The LKA agrees to
the generated draft it has read (its SHA-256 is recorded) or comments. After agreement LZPD
finalises: the same figures (the stored snapshot) are rendered without the ENTWURF mark, the
file and its SHA-256 are stored with who and when, and from then on the row refuses every
change. A correction is version n+1.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from reports.outline import DEFAULT_OUTLINE


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Entwurf")
    AGREED = "agreed", _("mit dem LKA abgestimmt")
    FINAL = "final", _("Endfassung")


class GenerationState(models.TextChoices):
    IDLE = "idle", _("noch nicht erzeugt")
    PENDING = "pending", _("wartet auf Erzeugung")
    RUNNING = "running", _("wird erzeugt")
    DONE = "done", _("erzeugt")
    FAILED = "failed", _("fehlgeschlagen")


class ReportFrozen(Exception):
    """A final report version was about to be changed or deleted."""


def report_pdf_path(instance: "AnnualReport", filename: str) -> str:
    kind = "endfassung" if instance.status == ReportStatus.FINAL else "entwurf"
    return (
        f"jahresberichte/{instance.year}/"
        f"bericht-{instance.year}-v{instance.version}-{kind}-{instance.sha256[:16]}.pdf"
    )


def _final_in_database(pk: int) -> bool:
    return AnnualReport._base_manager.filter(pk=pk, status=ReportStatus.FINAL).exists()


def default_outline() -> list[dict[str, str]]:
    return [dict(entry) for entry in DEFAULT_OUTLINE]


class AnnualReport(models.Model):
    year = models.PositiveSmallIntegerField(_("Berichtsjahr"))
    version = models.PositiveSmallIntegerField(_("Fassung"), default=1)
    period_year = models.PositiveSmallIntegerField(
        _("ausgewertetes Kalenderjahr"),
        help_text=_("Standard: das Vorjahr des Berichtsjahres (vollständig)."),
    )
    state_as_of = models.DateField(
        _("Stand des laufenden Jahres zum"),
        null=True,
        blank=True,
        help_text=_("Leer lassen: Stand am Tag der Erzeugung."),
    )
    outline = models.JSONField(_("Gliederung"), default=default_outline)
    status = models.CharField(
        _("Status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    correction_reason = models.TextField(_("Grund der Korrektur"), blank=True)

    generation_state = models.CharField(
        max_length=10, choices=GenerationState.choices, default=GenerationState.IDLE
    )
    generation = models.PositiveIntegerField(default=0)
    generation_requested_at = models.DateTimeField(null=True, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    progress_step = models.CharField(max_length=200, blank=True)
    generation_error = models.TextField(blank=True)
    generated_at = models.DateTimeField(_("erzeugt am"), null=True, blank=True)
    data = models.JSONField(null=True, blank=True, editable=False)

    pdf = models.FileField(_("PDF"), upload_to=report_pdf_path, blank=True, max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    #: SHA-256 of the HTML the PDF was set from: what the reader sees, independent of the
    #: PDF writer's bytes (WeasyPrint 69 writes an unchanged draft with other bytes, 70 alike).
    content_sha256 = models.CharField(max_length=64, blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agreed_at = models.DateTimeField(_("abgestimmt am"), null=True, blank=True)
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("abgestimmt von"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    agreed_sha256 = models.CharField(max_length=64, blank=True)
    finalise_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    finalised_at = models.DateTimeField(_("abgeschlossen am"), null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("abgeschlossen von"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-year", "-version"]
        verbose_name = _("Jahresbericht")
        verbose_name_plural = _("Jahresberichte")
        constraints = [
            models.UniqueConstraint(fields=["year", "version"], name="annual_report_version_once"),
        ]

    def __str__(self) -> str:
        return f"Jahresbericht {self.year} (Fassung {self.version})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk and _final_in_database(self.pk):
            raise ReportFrozen("Die Endfassung eines Jahresberichts wird nicht mehr geändert.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("reports:annual_report", kwargs={"pk": self.pk})

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.pk and _final_in_database(self.pk):
            raise ReportFrozen("Die Endfassung eines Jahresberichts wird nicht gelöscht.")
        return super().delete(*args, **kwargs)

    @property
    def is_final(self) -> bool:
        return self.status == ReportStatus.FINAL

    @property
    def is_generating(self) -> bool:
        return self.generation_state in (GenerationState.PENDING, GenerationState.RUNNING)

    @property
    def has_pdf(self) -> bool:
        return bool(self.pdf) and self.generation_state == GenerationState.DONE


class ReportReview(models.Model):
    """The LKA's agreement to, or comment on, a generated draft (the SHA-256 it read)."""

    class Decision(models.TextChoices):
        AGREED = "agreed", _("Einvernehmen erteilt")
        COMMENTED = "commented", _("Anmerkungen")

    report = models.ForeignKey(AnnualReport, on_delete=models.PROTECT, related_name="reviews")
    decision = models.CharField(_("Entscheidung"), max_length=10, choices=Decision.choices)
    comment = models.TextField(_("Anmerkungen"), blank=True)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("Prüfung durch das LKA")
        verbose_name_plural = _("Prüfungen durch das LKA")

    def __str__(self) -> str:
        return f"{self.get_decision_display()} – {self.report}"


class DataVersion(models.Model):
    """One row whose token changes with every write to the data the yearly rule reads.

    Database triggers (migrations 0002 and 0005) replace the token in the writing transaction
    itself, for every statement on the tracked tables (TRACKED_MODELS: conferences and their
    hosts, invitations, agenda items, mandated topics, authorities, partner agencies, R7 records,
    the dated master data, actions and comparison groups), including bulk_create,
    QuerySet.update() and raw SQL, which model signals would miss. Cached compliance figures
    (reports.compliance_cache) and dashboard parts (reports.page_cache) are keyed by the token,
    so a committed write makes every older entry unreachable: nothing is shown stale, and
    nothing expires by time. The token is random, so a rolled-back write never brings a token back.
    A table the rule or a cached part starts to read gets its own list in
    reports.data_version (part of TRACKED_MODELS) and its triggers in a new migration.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("Datenstand")
        verbose_name_plural = _("Datenstände")

    def __str__(self) -> str:
        return self.token


class OutlineState(models.TextChoices):
    PROPOSED = "proposed", _("dem Ministerium vorgelegt")
    AGREED = "agreed", _("mit dem Ministerium abgestimmt")
    CHANGES_REQUESTED = "changes_requested", _("Änderungen erbeten")


class OutlineProposal(models.Model):
    """One proposal of the LZPD for the outline of year Y's report and the ministry's decision
    (DESIGN R8: "die Berichtsgliederung bitte ich im Vorfeld mit mir abzustimmen").

    The latest proposal of a year is the one that counts; older ones are its history. An agreed
    proposal is never changed: a different outline for the same year is a new proposal that
    the ministry decides again (reports.annual.outline_agreement).
    """

    year = models.PositiveSmallIntegerField(_("Berichtsjahr"))
    sections = models.JSONField(_("Gliederung"))
    state = models.CharField(
        _("Stand"), max_length=20, choices=OutlineState.choices, default=OutlineState.PROPOSED
    )
    proposed_at = models.DateTimeField(_("vorgelegt am"), auto_now_add=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("vorgelegt von"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("entschieden am"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entschieden von"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    comment = models.TextField(_("Anmerkungen des Ministeriums"), blank=True)

    class Meta:
        ordering = ["-year", "-pk"]
        verbose_name = _("Vorschlag zur Berichtsgliederung")
        verbose_name_plural = _("Vorschläge zur Berichtsgliederung")

    def __str__(self) -> str:
        return f"Gliederung {self.year} ({self.get_state_display()})"

    @property
    def is_agreed(self) -> bool:
        return self.state == OutlineState.AGREED
