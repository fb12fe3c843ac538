"""The organisations a user belongs to (DESIGN §5): the roles every permission is built on."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    KPB = "kpb", _("Kreispolizeibehörde")
    LZPD = "lzpd", _("LZPD NRW")
    LKA = "lka", _("LKA NRW")
    IM = "im", _("Ministerium des Innern")
    PARTNER = "partner", _("Partnerbehörde")


STATE_BODIES: tuple[OrganisationKind, ...] = (
    OrganisationKind.LZPD,
    OrganisationKind.LKA,
    OrganisationKind.IM,
)
