"""After the conference: minutes (Protokoll) and agreed actions (Beschlusskontrolle).

Minutes: a Minutes row is one version: draft → circulated (the attending agencies comment through
their signed links until the deadline) → approved. An approved version is frozen: its PDF,
SHA-256 and timestamp are stored and the row, its entries and its comments refuse every later
change (save() and delete() raise MinutesFrozen). A correction is a new version n+1.

Actions: agreed measures of a conference and the log of their state changes.

The tables keep their names from the time these models lived in the conferences app.
"""

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from authorities.models import DistinctManager, PartnerAgency, User
from conferences.models import AgendaItem, Conference, Invitation
from siko.scoping import scoped_manager


def _acting_user() -> "models.ForeignKey[User | None, User | None]":
    """Who did it: emptied when the account is deleted (the row stays), no reverse accessor."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )


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
    return (
        f"protokolle/{instance.conference_id}/protokoll-v{instance.version}-{instance.sha256}.pdf"
    )


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
        _("Allgemeines"),
        blank=True,
        help_text=_("Begrüßung, Vorbemerkungen, Sonstiges. Markdown oder einfacher Text."),
    )
    correction_reason = models.TextField(_("Grund der Korrektur"), blank=True)
    comment_deadline = models.DateTimeField(_("Kommentarfrist"), null=True, blank=True)
    circulated_at = models.DateTimeField(_("versandt am"), null=True, blank=True)
    approved_at = models.DateTimeField(_("freigegeben am"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("freigegeben von"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    pdf = models.FileField(_("PDF"), upload_to=minutes_pdf_path, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    created_by = _acting_user()

    objects = scoped_manager(DistinctManager, authority="conference__authorities")

    class Meta:
        db_table = "conferences_minutes"
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

    minutes_id: int  # the subclass's foreign key to Minutes

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if _approved_in_database(Minutes, self.minutes_id):
            raise MinutesFrozen("Freigegebene Protokolle werden nicht mehr geändert.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if _approved_in_database(Minutes, self.minutes_id):
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
        _("Ergebnis"),
        max_length=12,
        choices=OutcomeType.choices,
        default=OutcomeType.INFORMATION,
    )
    outcome = models.TextField(_("Ergebnis im Wortlaut"), blank=True)
    # The Beschlusskontrolle's action made from an outcome "Maßnahme" (followup.outcomes); a
    # correction keeps it, so a saved outcome never makes a second action.
    action = models.ForeignKey(
        "followup.Action",
        verbose_name=_("angelegte Maßnahme"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="minutes_entries",
    )

    objects = scoped_manager(DistinctManager, authority="minutes__conference__authorities")

    # Set for display by followup.minutes.minutes_context; not stored.
    report_html: SafeString
    outcome_html: SafeString

    class Meta:
        db_table = "conferences_minutesentry"
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
    resolved_by = _acting_user()
    resolution = models.TextField(_("Erledigung"), blank=True)

    objects = scoped_manager(DistinctManager, authority="minutes__conference__authorities")

    class Meta:
        db_table = "conferences_minutescomment"
        ordering = ["created", "pk"]
        verbose_name = _("Kommentar zum Protokoll")
        verbose_name_plural = _("Kommentare zum Protokoll")

    def __str__(self) -> str:
        return f"Kommentar {self.invitation.agency} zu {self.minutes}"


#: An action due within this many days shows amber in the table.
DUE_SOON_DAYS = 14


class ActionState(models.TextChoices):
    OPEN = "open", _("offen")
    IN_PROGRESS = "in_progress", _("in Arbeit")
    DONE = "done", _("erledigt")
    DROPPED = "dropped", _("verworfen")


ACTIVE_ACTION_STATES = (ActionState.OPEN, ActionState.IN_PROGRESS)


class TrafficLight(models.TextChoices):
    OVERDUE = "overdue", _("überfällig")
    DUE_SOON = "due_soon", _("bald fällig")
    ON_TRACK = "on_track", _("im Plan")
    CLOSED = "closed", _("abgeschlossen")


class Action(models.Model):
    """A measure agreed at a conference. The owner is the host police authority itself
    (owner_is_police) or one invited partner agency, never both."""

    conference = models.ForeignKey(
        "conferences.Conference",
        verbose_name=_("Konferenz"),
        on_delete=models.CASCADE,
        related_name="actions",
    )
    text = models.TextField(_("Maßnahme"))
    owner_is_police = models.BooleanField(_("zuständig: Polizei"), default=False)
    owner_agency = models.ForeignKey(
        PartnerAgency,
        verbose_name=_("zuständige Partnerbehörde"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actions",
    )
    due_date = models.DateField(_("fällig am"))
    state = models.CharField(
        _("Status"),
        max_length=12,
        choices=ActionState.choices,
        default=ActionState.OPEN,
        db_index=True,
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_by = _acting_user()
    created = models.DateTimeField(_("angelegt"), auto_now_add=True)
    updated = models.DateTimeField(_("geändert"), auto_now=True)

    objects = scoped_manager(DistinctManager, authority="conference__authorities")

    # Set for tables by followup.actions.annotate_light (they depend on the day); not stored.
    light: str
    light_label: str

    class Meta:
        db_table = "conferences_action"
        ordering = ["due_date", "pk"]
        verbose_name = _("Maßnahme")
        verbose_name_plural = _("Maßnahmen")
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_is_police=True, owner_agency__isnull=True)
                | Q(owner_is_police=False, owner_agency__isnull=False),
                name="action_has_one_owner",
            ),
        ]

    def __str__(self) -> str:
        text = " ".join(self.text.split())
        return text if len(text) <= 80 else text[:79] + "…"

    def get_absolute_url(self) -> str:
        return reverse("conferences:action_detail", kwargs={"pk": self.pk})

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_ACTION_STATES

    @property
    def closed_on(self) -> date | None:
        """The day the action was done or dropped; None while it is active."""
        if self.is_active:
            return None
        closed_at = (
            ActionChange._base_manager.filter(action=self, state_after=self.state)
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )
        return timezone.localdate(closed_at) if closed_at else None

    @property
    def link_expires_at(self) -> datetime:
        """The owner's signed update link works through this many days after the due date, or
        after the closing day if the action was closed later."""
        closed_on = self.closed_on
        last_day = max(self.due_date, closed_on) if closed_on else self.due_date
        expiry_day = last_day + timedelta(days=settings.SIKO_ACTION_LINK_DAYS_AFTER_CLOSE + 1)
        return datetime.combine(expiry_day, time.min, tzinfo=timezone.get_default_timezone())

    def link_expired(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.link_expires_at

    @property
    def owner_name(self) -> str:
        if self.owner_is_police:
            return str(self.conference.host.short_name)
        return self.owner_agency.name if self.owner_agency else ""

    def traffic_light(self, today: date) -> str:
        """Red when overdue, amber when due within DUE_SOON_DAYS, green otherwise."""
        if not self.is_active:
            return TrafficLight.CLOSED
        if self.due_date < today:
            return TrafficLight.OVERDUE
        if self.due_date <= today + timedelta(days=DUE_SOON_DAYS):
            return TrafficLight.DUE_SOON
        return TrafficLight.ON_TRACK

    def traffic_light_label(self, today: date) -> str:
        return str(TrafficLight(self.traffic_light(today)).label)


class ActionChange(models.Model):
    """One change of an action's state, with the note given for it (who, when)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="changes")
    state_before = models.CharField(max_length=12, choices=ActionState.choices, blank=True)
    state_after = models.CharField(_("Status"), max_length=12, choices=ActionState.choices)
    note = models.TextField(_("Vermerk"), blank=True)
    by = _acting_user()
    by_name = models.CharField(_("von"), max_length=200, blank=True)
    at = models.DateTimeField(_("am"), auto_now_add=True)

    objects = scoped_manager(DistinctManager, authority="action__conference__authorities")

    class Meta:
        db_table = "conferences_actionchange"
        ordering = ["at", "pk"]
        verbose_name = _("Statusänderung einer Maßnahme")
        verbose_name_plural = _("Statusänderungen von Maßnahmen")

    def __str__(self) -> str:
        return f"{self.action} → {self.state_after}"
