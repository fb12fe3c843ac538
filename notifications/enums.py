from django.db import models
from django.utils.translation import gettext_lazy as _


class MailState(models.TextChoices):
    QUEUED = "queued", _("wartet")
    SENDING = "sending", _("wird gesendet")
    SENT = "sent", _("gesendet")
    FAILED = "failed", _("fehlgeschlagen")


class MailKind(models.TextChoices):
    INVITATION = "invitation", _("Einladung")
    UPDATE = "update", _("Änderung")
    CANCELLATION = "cancellation", _("Absage")
    REMINDER = "reminder", _("Erinnerung")
    PARTNER_OVERVIEW = "partner_overview", _("Link zur Übersicht")
    NOTICE = "notice", _("Hinweis")
    ANSWER_CONFIRMATION = "answer_confirmation", _("Antwortbestätigung")
