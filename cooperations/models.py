"""Cooperation structures of a KPB (R6 topic 6): Ordnungspartnerschaften,
Sicherheitspartnerschaften, Präventionsräte and similar, with their partners from the directory
and the conferences where they were discussed."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from authorities.models import Authority, PartnerAgency
from conferences.models import Conference
from cooperations.enums import CooperationKind, CooperationStatus
from siko.collation import german
from siko.scoping import ScopedUniqueMixin, scoped_manager


class Cooperation(ScopedUniqueMixin, models.Model):
    """One cooperation structure of an authority. Its partners cover the authority's area and
    the conferences it was discussed at are the authority's own (services.py checks both)."""

    authority = models.ForeignKey(
        Authority,
        verbose_name=_("Kreispolizeibehörde"),
        on_delete=models.CASCADE,
        related_name="cooperations",
    )
    name = models.CharField(_("Bezeichnung"), max_length=200)
    kind = models.CharField(_("Art"), max_length=30, choices=CooperationKind.choices)
    partners = models.ManyToManyField(
        PartnerAgency,
        verbose_name=_("Partner"),
        related_name="cooperations",
        blank=True,
        help_text=_("Partnerbehörden aus dem Verzeichnis, die für Ihren Bereich zuständig sind."),
    )
    since = models.DateField(_("besteht seit"))
    status = models.CharField(
        _("Status"),
        max_length=10,
        choices=CooperationStatus.choices,
        default=CooperationStatus.AKTIV,
        db_index=True,
    )
    notes = models.TextField(_("Bemerkungen"), blank=True)
    discussed_at = models.ManyToManyField(
        Conference,
        verbose_name=_("besprochen in"),
        related_name="cooperations",
        blank=True,
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = scoped_manager(authority="authority")

    class Meta:
        ordering = [german("name"), "pk"]
        verbose_name = _("Kooperation")
        verbose_name_plural = _("Kooperationen")
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "name"], name="cooperation_name_unique_per_authority"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cooperations:cooperation_update", kwargs={"pk": self.pk})

    @property
    def is_active(self) -> bool:
        return self.status == CooperationStatus.AKTIV
