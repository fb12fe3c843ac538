from django.db import models
from django.utils.translation import gettext_lazy as _


class PracticeKind(models.TextChoices):
    """What a good practice is (issue 16, part 2)."""

    STRATEGY = "strategy", _("Gemeinsame Strategie oder Aktion mit Ergebnis")
    AGENDA_ITEM = "agenda_item", _("Bewährter Tagesordnungspunkt")
    ORDNUNGSPARTNERSCHAFT = "ordnungspartnerschaft", _("Ordnungspartnerschaft")


class PracticeState(models.TextChoices):
    """Entwurf → eingereicht → veröffentlicht | zurückgegeben (the LZPD reviews)."""

    DRAFT = "draft", _("Entwurf")
    SUBMITTED = "submitted", _("eingereicht")
    PUBLISHED = "published", _("veröffentlicht")
    RETURNED = "returned", _("zurückgegeben")
