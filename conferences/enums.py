from django.db import models
from django.utils.translation import gettext_lazy as _


class ConferenceKind(models.TextChoices):
    SIKO = "siko", _("Sicherheitskonferenz")
    SIKO_AP = "siko_ap", _("Siko-AP (Autobahnpolizei)")


class ConferenceStatus(models.TextChoices):
    DRAFT = "draft", _("Entwurf")
    SCHEDULED = "scheduled", _("geplant – Einladungen versendet")
    HELD = "held", _("durchgeführt")
    CANCELLED = "cancelled", _("abgesagt")


class InvitationState(models.TextChoices):
    PENDING = "pending", _("noch nicht versendet")
    SENT = "sent", _("versendet – keine Antwort")
    ACCEPTED = "accepted", _("Zusage")
    TENTATIVE = "tentative", _("vorläufige Zusage")
    DECLINED = "declined", _("Absage")
    DELEGATED = "delegated", _("Vertretung benannt")


ANSWERED_STATES = (
    InvitationState.ACCEPTED,
    InvitationState.TENTATIVE,
    InvitationState.DECLINED,
    InvitationState.DELEGATED,
)


class AnswerChannel(models.TextChoices):
    LINK = "link", _("über den Antwort-Link")
    PHONE = "phone", _("telefonisch")
    LETTER = "letter", _("per Brief oder Fax")
    EMAIL = "email", _("per E-Mail")
    CALENDAR = "calendar", _("Kalender")


class CalendarReplyOutcome(models.TextChoices):
    """What became of a reply from a calendar program (conferences.calendar_replies)."""

    RECORDED = "recorded", _("als Antwort übernommen")
    OLDER = "older", _("nicht übernommen: eine neuere Antwort liegt vor")
    COUNTER = "counter", _("Terminvorschlag an die Organisation weitergeleitet")
    UNMATCHED = "unmatched", _("nicht zugeordnet")


class DocumentVisibility(models.TextChoices):
    """Who sees an uploaded conference document (conferences.uploads)."""

    ORGANISERS = "organisers", _("nur die Organisation (Polizei und Landesbehörden)")
    PARTNERS = "partners", _("auch die eingeladenen Behörden")
