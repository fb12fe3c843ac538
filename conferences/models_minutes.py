"""Minutes (Protokoll) of a held conference: versions, entries per agenda item, comments.

A Minutes row is one version: draft → circulated (the attending agencies comment through their
signed links until the deadline) → approved. An approved version is frozen: its PDF, SHA-256
and timestamp are stored and the row, its entries and its comments refuse every later change
(save() and delete() raise MinutesFrozen). A correction is a new version n+1.
"""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from authorities.models import DistinctManager

from .models import AgendaItem, Conference, Invitation

__all__ = [
    "Minutes",
    "MinutesComment",
    "MinutesEntry",
    "MinutesFrozen",
    "MinutesStatus",
    "OutcomeType",
]


class MinutesStatus(models.TextChoices):
    DRAFT = "draft", _("Entwurf")
    CIRCULATED = "circulated", _("zur Abstimmung versandt")
    APPROVED = "approved", _("freigegeben")


class OutcomeType(models.TextChoices):
    INFORMATION = "information", _("Information")
    DECISION = "decision", _("Beschluss")
    ACTION = "action", _("Maßnahme")


class MinutesFrozen(Exception):
    """An approved version was about to change; corrections are new versions."""


def minutes_pdf_path(instance: "Minutes", filename: str) -> str:
    return (f"protokolle/{instance.conference_id}/"
            f"protokoll-v{instance.version}-{instance.sha256}.pdf")


def _approved_in_database(model: type[models.Model], pk: Any) -> bool:
    return model._base_manager.filter(pk=pk, status=MinutesStatus.APPROVED).exists()


class Minutes(models.Model):
    conference = models.ForeignKey(
        Conference, on_delete=models.PROTECT, related_name="minutes_versions"
    )
    version = models.PositiveSmallIntegerField(_("Fassung"), default=1)
    status = models.CharField(
        _("Status"), max_length=12, choices=MinutesStatus.choices, default=MinutesStatus.DRAFT
    )
    notes = models.TextField(
        _("Allgemeines"), blank=True,
        help_text=_("Begrüßung, Vorbemerkungen, Sonstiges. Markdown oder einfacher Text."),
    )
    correction_reason = models.TextField(_("Grund der Korrektur"), blank=True)
    comment_deadline = models.DateTimeField(_("Kommentarfrist"), null=True, blank=True)
    circulated_at = models.DateTimeField(_("versandt am"), null=True, blank=True)
    approved_at = models.DateTimeField(_("freigegeben am"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("freigegeben von"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    pdf = models.FileField(_("PDF"), upload_to=minutes_pdf_path, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedManager(DistinctManager, authority="conference__authorities")

    class Meta:
        ordering = ["conference", "-version"]
        verbose_name = _("Protokoll")
        verbose_name_plural = _("Protokolle")
        constraints = [
            models.UniqueConstraint(fields=["conference", "version"], name="minutes_version_once"),
        ]

    def __str__(self) -> str:
        return f"Protokoll {self.conference} (Fassung {self.version})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk and _approved_in_database(Minutes, self.pk):
            raise MinutesFrozen("Freigegebene Protokolle werden nicht mehr geändert.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("conferences:minutes", kwargs={"pk": self.conference_id})

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.pk and _approved_in_database(Minutes, self.pk):
            raise MinutesFrozen("Freigegebene Protokolle werden nicht gelöscht.")
        return super().delete(*args, **kwargs)

    @property
    def is_approved(self) -> bool:
        return self.status == MinutesStatus.APPROVED

    @property
    def link_expires_at(self) -> datetime:
        """The partners' signed link to this version (comments, then the approved PDF) works until
        this long after the comment deadline, or after the approval if that came later."""
        events = [t for t in (self.comment_deadline, self.approved_at) if t is not None]
        last = max(events) if events else self.conference.end
        return last + timedelta(days=settings.SIKO_MINUTES_LINK_DAYS_AFTER_DEADLINE)

    def link_expired(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.link_expires_at


class _PartOfMinutes(models.Model):
    """Entries and comments change only while their version is not approved."""

    minutes: Any

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if _approved_in_database(Minutes, self.minutes_id):  # type: ignore[attr-defined]
            raise MinutesFrozen("Freigegebene Protokolle werden nicht mehr geändert.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if _approved_in_database(Minutes, self.minutes_id):  # type: ignore[attr-defined]
            raise MinutesFrozen("Freigegebene Protokolle werden nicht gelöscht.")
        return super().delete(*args, **kwargs)


class MinutesEntry(_PartOfMinutes):
    """What was reported under one agenda item, and its outcome."""

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="entries")
    agenda_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order = models.PositiveSmallIntegerField(_("Nr."), default=0)
    # The agenda title is copied: a frozen version must not change with the agenda.
    title = models.CharField(_("Tagesordnungspunkt"), max_length=200)
    report = models.TextField(_("Bericht"), blank=True)
    outcome_type = models.CharField(
        _("Ergebnis"), max_length=12, choices=OutcomeType.choices,
        default=OutcomeType.INFORMATION,
    )
    outcome = models.TextField(_("Ergebnis im Wortlaut"), blank=True)

    objects = ScopedManager(DistinctManager, authority="minutes__conference__authorities")

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("Protokollpunkt")
        verbose_name_plural = _("Protokollpunkte")

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"


class MinutesComment(_PartOfMinutes):
    """A partner's comment on a circulated version, and how the organiser resolved it."""

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="comments")
    invitation = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, related_name="minutes_comments"
    )
    text = models.TextField(_("Kommentar"))
    created = models.DateTimeField(_("eingegangen"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("erledigt am"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution = models.TextField(_("Erledigung"), blank=True)

    objects = ScopedManager(DistinctManager, authority="minutes__conference__authorities")

    class Meta:
        ordering = ["created", "pk"]
        verbose_name = _("Kommentar zum Protokoll")
        verbose_name_plural = _("Kommentare zum Protokoll")

    def __str__(self) -> str:
        return f"Kommentar {self.invitation.agency} zu {self.minutes}"
