"""Good practice of the KPBs for the state-wide exchange of experience (DESIGN R8).

A practice belongs to the KPB that publishes it. Only published practices are visible
state-wide; drafts, submitted and returned ones only to their KPB and the LZPD
(practices.selectors.visible_practices). The table is not scoped by django-scopes: a KPB reads
other KPBs' published practices by design, so every read goes through that selector.
"""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from authorities.enums import PartnerCategory
from authorities.models import Authority, PartnerAgency, User
from practices.enums import PracticeKind, PracticeState


class GoodPractice(models.Model):
    authority = models.ForeignKey(
        Authority,
        verbose_name=_("Kreispolizeibehörde"),
        on_delete=models.PROTECT,
        related_name="good_practices",
    )
    kind = models.CharField(_("Art"), max_length=24, choices=PracticeKind.choices)
    title = models.CharField(_("Titel"), max_length=200)
    summary = models.TextField(_("Zusammenfassung"))
    topic = models.ForeignKey(
        "conferences.MandatedTopic",
        verbose_name=_("Pflichtthema"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="good_practices",
    )
    partners = models.ManyToManyField(
        PartnerAgency,
        verbose_name=_("beteiligte Partnerbehörden"),
        blank=True,
        related_name="good_practices",
    )
    result = models.TextField(_("Ergebnis"))
    contact_function = models.CharField(
        _("Ansprechstelle (Funktion)"),
        max_length=200,
        help_text=_("Eine Funktion, z. B. „Leitungsstab, Sachgebiet Prävention“."),
    )
    contact_consent = models.BooleanField(
        _("Die genannte Person ist mit der Nennung ihres Namens einverstanden"), default=False
    )
    contact_name = models.CharField(_("Name der Ansprechperson"), max_length=150, blank=True)
    source_agenda_item = models.ForeignKey(
        "conferences.AgendaItem",
        verbose_name=_("aus dem Tagesordnungspunkt"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="good_practices",
    )
    source_action = models.ForeignKey(
        "followup.Action",
        verbose_name=_("aus der Maßnahme"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="good_practices",
    )
    source_cooperation = models.ForeignKey(
        "cooperations.Cooperation",
        verbose_name=_("aus der Kooperation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="good_practices",
    )
    attachment = models.FileField(_("Anlage"), upload_to="practices/%Y/", blank=True)
    attachment_name = models.CharField(max_length=200, blank=True)
    #: The type found in the content (conferences.uploads), served as the download's type.
    attachment_type = models.CharField(max_length=100, blank=True)
    attachment_sha256 = models.CharField(max_length=64, blank=True)
    state = models.CharField(
        _("Status"),
        max_length=12,
        choices=PracticeState.choices,
        default=PracticeState.DRAFT,
        db_index=True,
    )
    review_comment = models.TextField(_("Anmerkung des LZPD"), blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(_("veröffentlicht am"), null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("Gute Praxis")
        verbose_name_plural = _("Gute Praxis")
        constraints = [
            models.CheckConstraint(
                # A person's name only with that person's consent (DSGVO).
                condition=Q(contact_consent=True) | Q(contact_name=""),
                name="practice_contact_name_needs_consent",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("practices:detail", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.state == PracticeState.PUBLISHED

    @property
    def contact_text(self) -> str:
        """The contact as shown: the function, and the name only with consent."""
        if self.contact_consent and self.contact_name:
            return f"{self.contact_function} ({self.contact_name})"
        return self.contact_function


class PracticeCategory(models.Model):
    """A partner category involved in a practice (searchable on every database)."""

    practice = models.ForeignKey(GoodPractice, on_delete=models.CASCADE, related_name="categories")
    category = models.CharField(_("Kategorie"), max_length=20, choices=PartnerCategory.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "category"], name="practice_category_once")
        ]

    def __str__(self) -> str:
        return str(self.get_category_display())
