from django.db import models
from django.utils.translation import gettext_lazy as _


class CooperationKind(models.TextChoices):
    """The cooperation structures the decree names (R6 topic 6) and others a KPB keeps."""

    ORDNUNGSPARTNERSCHAFT = "ordnungspartnerschaft", _("Ordnungspartnerschaft")
    SICHERHEITSPARTNERSCHAFT = "sicherheitspartnerschaft", _("Sicherheitspartnerschaft")
    PRAEVENTIONSRAT = "praeventionsrat", _("Präventionsrat")
    SONSTIGE = "sonstige", _("Sonstige Kooperation")


class CooperationStatus(models.TextChoices):
    AKTIV = "aktiv", _("aktiv")
    RUHEND = "ruhend", _("ruhend")
    BEENDET = "beendet", _("beendet")


#: The mandated topic (R6) whose agenda item offers the authority's cooperations.
COOPERATION_TOPIC_KEY = "kooperationsstrukturen"
