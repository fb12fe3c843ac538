"""The mail outbox and the reminder rows: shared machinery that knows no domain app.

Every mail is an OutgoingMail row first (queued → sending → sent | failed); tasks send rows.
A Reminder row is sent at most once by the daily sweep (notifications.reminders). Rows point to
a conference or invitation where they belong to one (a string reference: no import of the
conferences app); the tables keep the names they had in the conferences app.
"""

import logging
import uuid
from datetime import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from notifications.enums import MailKind, MailState

reminder_logger = logging.getLogger("notifications.reminders")


class OutgoingMail(models.Model):
    """Every mail is a row first; tasks send rows, never build mails on the fly."""

    kind = models.CharField(_("Art"), max_length=20, choices=MailKind.choices)
    conference = models.ForeignKey(
        "conferences.Conference",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="mails",
    )
    invitation = models.ForeignKey(
        "conferences.Invitation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="mails",
    )
    dedup_key = models.CharField(
        max_length=200,
        unique=True,
        help_text="One row per logical mail: double clicks add nothing.",
    )
    correlation_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    to = models.EmailField(_("Empfänger"))
    reply_to = models.EmailField(blank=True)
    subject = models.CharField(_("Betreff"), max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    ics = models.TextField(blank=True)
    ics_method = models.CharField(max_length=10, blank=True)
    state = models.CharField(
        _("Status"),
        max_length=10,
        choices=MailState.choices,
        default=MailState.QUEUED,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("Versuche"), default=0)
    last_error = models.TextField(_("Fehler"), blank=True)
    created = models.DateTimeField(_("angelegt"), auto_now_add=True)
    sending_since = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("gesendet"), null=True, blank=True)

    class Meta:
        db_table = "conferences_outgoingmail"
        ordering = ["-created", "-pk"]
        verbose_name = _("Ausgehende Mail")
        verbose_name_plural = _("Ausgehende Mails")

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"

    @property
    def message_id(self) -> str:
        return f"<{self.correlation_id}@siko.polizei.nrw>"


class Reminder(models.Model):
    """A reminder due at a time; the daily sweep sends each at most once."""

    rule = models.CharField(max_length=40)
    subject_key = models.CharField(max_length=120)
    stage = models.CharField(max_length=20)
    recipient = models.CharField(max_length=254)
    due_at = models.DateTimeField(db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    conference = models.ForeignKey(
        "conferences.Conference",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    invitation = models.ForeignKey(
        "conferences.Invitation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    mail = models.OneToOneField(OutgoingMail, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        db_table = "conferences_reminder"
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_key", "stage", "recipient"], name="reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule}/{self.stage} {self.subject_key}"

    # The two ends of a handler of the daily sweep (conferences.reminders.HANDLERS).

    def cancel(self, now: datetime, reason: str) -> bool:
        """The row has become pointless: it is never sent. Returns False (nothing sent)."""
        reminder_logger.info("reminder %s cancelled: %s", self.pk, reason)
        self.cancelled_at = now
        self.save(update_fields=["cancelled_at"])
        return False

    def mark_sent(self, mail: "OutgoingMail", now: datetime) -> bool:
        """The row's one mail is queued. Returns True (sent)."""
        self.mail = mail
        self.sent_at = now
        self.save(update_fields=["sent_at", "mail"])
        return True
