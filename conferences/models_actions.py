"""Agreed actions of a conference (Beschlusskontrolle) and the log of their state changes."""

import uuid
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from authorities.models import DistinctManager, PartnerAgency

__all__ = ["ACTIVE_ACTION_STATES", "Action", "ActionChange", "ActionState", "TrafficLight"]

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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(_("angelegt"), auto_now_add=True)
    updated = models.DateTimeField(_("geändert"), auto_now=True)

    objects = ScopedManager(DistinctManager, authority="conference__authorities")

    class Meta:
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
        closed_at = (ActionChange._base_manager.filter(action=self, state_after=self.state)
                     .order_by("-at").values_list("at", flat=True).first())
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
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    by_name = models.CharField(_("von"), max_length=200, blank=True)
    at = models.DateTimeField(_("am"), auto_now_add=True)

    objects = ScopedManager(DistinctManager, authority="action__conference__authorities")

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("Statusänderung einer Maßnahme")
        verbose_name_plural = _("Statusänderungen von Maßnahmen")

    def __str__(self) -> str:
        return f"{self.action} → {self.state_after}"
