from django.db import models
from django.utils.translation import gettext_lazy as _


class AuthorityKind(models.TextChoices):
    PP = "PP", _("Polizeipräsidium")
    LR = "LR", _("Landrat als Kreispolizeibehörde")


class Regierungsbezirk(models.TextChoices):
    ARNSBERG = "Arnsberg", "Arnsberg"
    DETMOLD = "Detmold", "Detmold"
    DUESSELDORF = "Düsseldorf", "Düsseldorf"
    KOELN = "Köln", "Köln"
    MUENSTER = "Münster", "Münster"


class PartnerCategory(models.TextChoices):
    """The six categories of the decree (R2), the Bezirksregierung, and optional ones (R4)."""

    STAATSANWALTSCHAFT = "staatsanwaltschaft", _("Staatsanwaltschaft")
    GERICHT = "gericht", _("Gericht der ordentlichen Gerichtsbarkeit")
    KOMMUNE = "kommune", _("Kreis-, Stadt- oder Gemeindeverwaltung")
    BUNDESPOLIZEI = "bundespolizei", _("Bundespolizei")
    ZOLL = "zoll", _("Zollverwaltung")
    SCHULAMT = "schulamt", _("Staatliches Schulamt")
    BEZIRKSREGIERUNG = "bezirksregierung", _("Bezirksregierung")
    JUGENDAMT = "jugendamt", _("Jugendamt")
    FINANZVERWALTUNG = "finanzverwaltung", _("Finanzverwaltung")
    OEPNV = "oepnv", _("ÖPNV-Unternehmen")
    HILFSORGANISATION = "hilfsorganisation", _("Hilfsorganisation")
    PRIVAT = "privat", _("Private Organisation")
    SONSTIGE = "sonstige", _("Sonstige Stelle")


#: The categories the decree names (R2). Prosecutors and courts take part as the occasion requires.
DECREE_CATEGORIES: tuple[PartnerCategory, ...] = (
    PartnerCategory.STAATSANWALTSCHAFT,
    PartnerCategory.GERICHT,
    PartnerCategory.KOMMUNE,
    PartnerCategory.BUNDESPOLIZEI,
    PartnerCategory.ZOLL,
    PartnerCategory.SCHULAMT,
)
OCCASIONAL_CATEGORIES: tuple[PartnerCategory, ...] = (
    PartnerCategory.STAATSANWALTSCHAFT,
    PartnerCategory.GERICHT,
)


class Confidence(models.TextChoices):
    HIGH = "high", _("belegt")
    MEDIUM = "medium", _("abgeleitet")
    LOW = "low", _("unsicher")
    MANUAL = "manual", _("von Hand gepflegt")
