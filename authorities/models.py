from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import rules
from django.contrib.auth.models import AbstractUser
from django.db import models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from authorities.enums import AuthorityKind, Confidence, PartnerCategory, Regierungsbezirk
from siko.collation import german
from siko.organisations import STATE_BODIES, OrganisationKind
from siko.scoping import ScopedUniqueMixin, scoped_manager


def name_key(name: str) -> str:
    """Names of agencies and persons are the same when they differ only in case or spacing."""
    return " ".join(name.split()).casefold()


class DistinctManager(models.Manager):
    """Scoping through a many-to-many path must not repeat rows."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().distinct()


class ComparisonGroup(models.Model):
    """A Vergleichsgruppe of authorities (R8), edited by the LZPD."""

    name = models.CharField(_("Name"), max_length=100, unique=True)

    class Meta:
        ordering = [german("name")]
        verbose_name = _("Vergleichsgruppe")
        verbose_name_plural = _("Vergleichsgruppen")

    def __str__(self) -> str:
        return self.name


class DatedMasterData(models.Model):
    """Master data whose changes take effect from the day they are made (issue 12: a closed
    year's figures do not change). Its `dated_field` keeps a history: whenever a save changes
    it, a period row records the value it had until that day; the field itself holds today's
    value. Every write through `save()` – forms, admin, CSV import, seeding – keeps it."""

    #: The field with a history, and the class name of its period model (owner: this object).
    dated_field: str
    period_model: str

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        loaded = getattr(self, "_dated_as_loaded", None)
        value = getattr(self, self.dated_field)
        with transaction.atomic():
            super().save(*args, **kwargs)
            if loaded is not None and loaded != value:
                period_model = self._meta.apps.get_model("authorities", self.period_model)
                # Changed twice on one day: the value before that day is the first one.
                period_model._default_manager.get_or_create(
                    owner=self,
                    valid_until=timezone.localdate(),
                    defaults={self.dated_field: loaded},
                )
        self._dated_as_loaded = value

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Any:
        instance = super().from_db(db, field_names, values)
        instance._dated_as_loaded = instance.__dict__.get(cls.dated_field)
        return instance


class DatedPeriod(models.Model):
    """`owner` had the period's value up to the day before `valid_until`."""

    valid_until = models.DateField(_("gültig bis (ausschließlich)"))

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.value} bis {self.valid_until:%d.%m.%Y}"

    @property
    def value(self) -> Any:
        raise NotImplementedError


def dated_value(current: Any, periods: "Sequence[DatedPeriod]", day: date) -> Any:
    """The value on `day`: that of the earliest period ending after it, else today's."""
    for period in sorted(periods, key=lambda p: p.valid_until):
        if day < period.valid_until:
            return period.value
    return current


#: How the first word of an authority's name goes in the genitive and the dative, with its
#: article: the 47 names begin with "Polizeipräsidium", "Landrat" or (short names of the
#: Landrat authorities) "Kreispolizeibehörde" (../shared/data/kpb.csv).
_NAME_CASES: dict[str, dict[str, str]] = {
    "Polizeipräsidium": {"genitive": "des Polizeipräsidiums", "dative": "dem Polizeipräsidium"},
    "Landrat": {"genitive": "des Landrats", "dative": "dem Landrat"},
    "Landrätin": {"genitive": "der Landrätin", "dative": "der Landrätin"},
    "Kreispolizeibehörde": {
        "genitive": "der Kreispolizeibehörde",
        "dative": "der Kreispolizeibehörde",
    },
}


def inflect_authority_name(name: str, case: str) -> str:
    """An authority's name with its article in the genitive or dative ('des Polizeipräsidiums
    Dortmund', 'dem Landrat des Märkischen Kreises als Kreispolizeibehörde'). Only the head noun
    changes; what follows it (the Kreis in the genitive already) stays as written."""
    head, _sep, rest = name.partition(" ")
    forms = _NAME_CASES.get(head)
    if forms is None:
        # An unknown head noun: the feminine article fits "Behörde", the commonest case.
        return f"der {name}"
    return f"{forms[case]} {rest}".strip()


class Authority(DatedMasterData):
    """One of the 47 Kreispolizeibehörden. It is the scope of everything a KPB owns.

    Its Autobahnpolizei duty has a dated history (AutobahnpolizeiDutyPeriod)."""

    dated_field = "has_autobahnpolizei"
    period_model = "AutobahnpolizeiDutyPeriod"

    slug = models.SlugField(_("Kennung"), max_length=60, unique=True)
    official_name = models.CharField(_("Amtliche Bezeichnung"), max_length=200, unique=True)
    short_name = models.CharField(_("Kurzbezeichnung"), max_length=120)
    kind = models.CharField(_("Art"), max_length=2, choices=AuthorityKind.choices)
    seat = models.CharField(_("Sitz"), max_length=100)
    regierungsbezirk = models.CharField(
        _("Regierungsbezirk"), max_length=20, choices=Regierungsbezirk.choices
    )
    has_autobahnpolizei = models.BooleanField(_("Autobahnpolizei (§ 12 POG NRW)"), default=False)
    autobahnpolizei_area = models.CharField(
        _("Autobahnpolizei-Bereich"), max_length=200, blank=True
    )
    district = models.CharField(_("Polizeibezirk"), max_length=300)
    comparison_group = models.ForeignKey(
        ComparisonGroup,
        verbose_name=_("Vergleichsgruppe"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authorities",
    )
    confidence = models.CharField(_("Datenlage"), max_length=10, choices=Confidence.choices)
    source_notes = models.TextField(_("Quellenhinweise"), blank=True)
    siko_start_year = models.PositiveSmallIntegerField(
        _("SiKo genutzt seit (Jahr)"),
        null=True,
        blank=True,
        help_text=_(
            "Jahre davor gelten als „nicht erfasst“. Leer: das Jahr der ersten in SiKo "
            "erfassten Konferenz."
        ),
    )

    objects = scoped_manager(authority="pk")

    class Meta:
        ordering = [german("short_name")]
        verbose_name = _("Kreispolizeibehörde")
        verbose_name_plural = _("Kreispolizeibehörden")

    def __str__(self) -> str:
        return self.short_name

    def get_absolute_url(self) -> str:
        return reverse("authorities:authority_detail", kwargs={"slug": self.slug})

    @property
    def official_name_genitive(self) -> str:
        """'des Polizeipräsidiums Dortmund', 'des Landrats als Kreispolizeibehörde Borken'."""
        return inflect_authority_name(self.official_name, "genitive")

    @property
    def official_name_dative(self) -> str:
        """'dem Polizeipräsidium Dortmund', 'dem Landrat als Kreispolizeibehörde Borken'."""
        return inflect_authority_name(self.official_name, "dative")

    @property
    def short_name_genitive(self) -> str:
        """'des Polizeipräsidiums Dortmund', 'der Kreispolizeibehörde Borken'."""
        return inflect_authority_name(self.short_name, "genitive")

    @property
    def short_name_dative(self) -> str:
        """'dem Polizeipräsidium Dortmund', 'der Kreispolizeibehörde Borken'."""
        return inflect_authority_name(self.short_name, "dative")

    @property
    def area_units(self) -> list[str]:
        """The Kreise and kreisfreie Städte of the police district, as listed in the data."""
        return [part.strip() for part in self.district.split(";") if part.strip()]


def partner_category_label(category: str) -> str:
    """A partner category's name, like get_category_display() without building the dict of all
    choices on every call; a value outside the choices shows as it is, as Django's does."""
    try:
        return str(PartnerCategory(category).label)
    except ValueError:
        return category


class PartnerAgency(ScopedUniqueMixin, DatedMasterData):
    """An agency with security tasks that a KPB invites (R2, R4).

    Its category has a dated history (PartnerCategoryPeriod)."""

    dated_field = "category"
    period_model = "PartnerCategoryPeriod"

    slug = models.SlugField(_("Kennung"), max_length=80, unique=True)
    name = models.CharField(_("Name"), max_length=200, unique=True)
    category = models.CharField(_("Kategorie"), max_length=20, choices=PartnerCategory.choices)
    seat = models.CharField(_("Sitz"), max_length=100, blank=True)
    address = models.CharField(_("Anschrift"), max_length=200, blank=True)
    responsibility = models.TextField(_("Zuständigkeit"), blank=True)
    routed_via = models.ForeignKey(
        "self",
        verbose_name=_("Einladung über"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="routed_agencies",
        help_text=_("Schulämter werden über ihre Bezirksregierung eingeladen."),
    )
    authorities: "models.ManyToManyField[Authority, Coverage]" = models.ManyToManyField(
        Authority, through="Coverage", related_name="partner_agencies", blank=True
    )
    active = models.BooleanField(_("aktiv"), default=True)
    confidence = models.CharField(
        _("Datenlage"), max_length=10, choices=Confidence.choices, default=Confidence.MANUAL
    )
    source_notes = models.TextField(_("Quellenhinweise"), blank=True)

    objects = scoped_manager(DistinctManager, authority="coverages__authority")

    class Meta:
        ordering = ["category", german("name")]
        verbose_name = _("Partnerbehörde")
        verbose_name_plural = _("Partnerbehörden")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("authorities:partner_detail", kwargs={"slug": self.slug})

    @property
    def category_label(self) -> str:
        """The category's name (partner_category_label: half a millisecond less per table row
        than get_category_display())."""
        return partner_category_label(self.category)


class AutobahnpolizeiDutyPeriod(DatedPeriod):
    owner = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="duty_periods")
    has_autobahnpolizei = models.BooleanField(_("Autobahnpolizei (§ 12 POG NRW)"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "valid_until"], name="duty_period_unique")
        ]
        verbose_name = _("frühere Autobahnpolizei-Zuständigkeit")
        verbose_name_plural = _("frühere Autobahnpolizei-Zuständigkeiten")

    @property
    def value(self) -> bool:
        return self.has_autobahnpolizei


class PartnerCategoryPeriod(DatedPeriod):
    owner = models.ForeignKey(
        PartnerAgency, on_delete=models.CASCADE, related_name="category_periods"
    )
    category = models.CharField(_("Kategorie"), max_length=20, choices=PartnerCategory.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "valid_until"], name="category_period_unique")
        ]
        verbose_name = _("frühere Kategorie")
        verbose_name_plural = _("frühere Kategorien")

    @property
    def value(self) -> str:
        return self.category


class Coverage(models.Model):
    """An agency is responsible for (part of) an authority's area; uncertain links stay visible."""

    agency = models.ForeignKey(PartnerAgency, on_delete=models.CASCADE, related_name="coverages")
    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="coverages")
    certain = models.BooleanField(_("belegt"), default=True)
    note = models.CharField(_("Hinweis"), max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "authority"], name="coverage_unique")
        ]
        verbose_name = _("Zuständigkeit")
        verbose_name_plural = _("Zuständigkeiten")

    def __str__(self) -> str:
        return f"{self.agency} → {self.authority}"


#: "The addressee of an agency": its head before any deputy, then by name. NULL sorts last on
#: PostgreSQL and first on SQLite, so the head (deputy_of NULL) is put first explicitly.
ADDRESSEE_ORDER = (F("deputy_of").asc(nulls_first=True), german("name"), "pk")


class Salutation(models.TextChoices):
    FRAU = "frau", _("Frau")
    HERR = "herr", _("Herr")


#: Academic titles kept before the surname in a greeting ("Sehr geehrte Frau Dr. Muster").
_TITLES = ("Dr.", "Prof.", "Dr.-Ing.", "Dr. h.c.")


def letter_greeting(salutation: str, name: str) -> str:
    """'Sehr geehrte Frau Dr. Muster' from the salutation and the full name ('Dr. Anna Muster');
    the general greeting when either is missing. Always German: letters and mails to partner
    agencies are German whatever the organiser's browser language."""
    words = name.split()
    if salutation not in Salutation.values or not words:
        return "Sehr geehrte Damen und Herren"
    titles = [word for word in words[:-1] if word in _TITLES]
    surname = " ".join([*titles, words[-1]])
    if salutation == Salutation.FRAU:
        return f"Sehr geehrte Frau {surname}"
    return f"Sehr geehrter Herr {surname}"


class Contact(ScopedUniqueMixin, models.Model):
    """A person at an agency's leadership level. Personal data: minimal, deletable, never logged."""

    agency = models.ForeignKey(
        PartnerAgency, verbose_name=_("Behörde"), on_delete=models.CASCADE, related_name="contacts"
    )
    salutation = models.CharField(
        _("Anrede"),
        max_length=10,
        choices=Salutation.choices,
        blank=True,
        help_text=_("Leer: Schreiben beginnen mit „Sehr geehrte Damen und Herren“."),
    )
    name = models.CharField(_("Name"), max_length=150)
    function = models.CharField(_("Funktion"), max_length=150)
    email = models.EmailField(_("E-Mail"), blank=True)
    phone = models.CharField(_("Telefon"), max_length=40, blank=True)
    deputy_of = models.ForeignKey(
        "self",
        verbose_name=_("Vertretung von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deputies",
    )

    objects = scoped_manager(DistinctManager, authority="agency__coverages__authority")

    class Meta:
        ordering = [german("agency__name"), *ADDRESSEE_ORDER]
        verbose_name = _("Ansprechperson")
        verbose_name_plural = _("Ansprechpersonen")

    def __str__(self) -> str:
        return f"{self.name} ({self.function})"

    @property
    def greeting(self) -> str:
        """The letter's and mail's first line (without the comma): 'Sehr geehrte Frau Dr.
        Muster', 'Sehr geehrter Herr Muster', without a salutation 'Sehr geehrte Damen und
        Herren'."""
        return letter_greeting(self.salutation, self.name)


class User(AbstractUser):
    """Every account belongs to exactly one organisation (DESIGN §2)."""

    organisation_kind = models.CharField(
        _("Organisation"), max_length=10, choices=OrganisationKind.choices
    )
    authority = models.ForeignKey(
        Authority,
        verbose_name=_("Kreispolizeibehörde"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    partner_agency = models.ForeignKey(
        PartnerAgency,
        verbose_name=_("Partnerbehörde"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    function = models.CharField(_("Funktion"), max_length=150, blank=True)

    REQUIRED_FIELDS = ["email", "organisation_kind"]

    #: Installed on the request's user by django_otp's OTPMiddleware: a second factor confirmed
    #: the login.
    is_verified: Callable[[], bool]

    class Meta:
        verbose_name = _("Benutzer")
        verbose_name_plural = _("Benutzer")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        organisation_kind=OrganisationKind.KPB,
                        authority__isnull=False,
                        partner_agency__isnull=True,
                    )
                    | Q(
                        organisation_kind=OrganisationKind.PARTNER,
                        authority__isnull=True,
                        partner_agency__isnull=False,
                    )
                    | Q(
                        organisation_kind__in=[k.value for k in STATE_BODIES],
                        authority__isnull=True,
                        partner_agency__isnull=True,
                    )
                ),
                name="user_belongs_to_one_organisation",
            )
        ]

    @property
    def is_kpb(self) -> bool:
        return self.organisation_kind == OrganisationKind.KPB

    def has_perm(self, perm: str, obj: models.Model | None = None) -> bool:
        """SiKo's own permissions (siko/permissions.py) decide for every user, superusers
        included, so that an admin is offered exactly the pages the rules let it use (Django's
        shortcut would let it pass every rule and then meet a 403). Django's model permissions
        (the admin site) keep the superuser shortcut."""
        if rules.perm_exists(perm):
            return self.is_active and rules.has_perm(perm, self, obj)
        return super().has_perm(perm, obj)

    def covered_authority_ids(self) -> list[int]:
        """The KPB areas a partner account's agency covers (its scope, siko.scoping)."""
        return list(
            Coverage.objects.filter(agency_id=self.partner_agency_id).values_list(
                "authority_id", flat=True
            )
        )

    @property
    def is_state_body(self) -> bool:
        return self.organisation_kind in STATE_BODIES

    @property
    def is_lka(self) -> bool:
        return self.organisation_kind == OrganisationKind.LKA

    @property
    def is_partner(self) -> bool:
        return self.organisation_kind == OrganisationKind.PARTNER

    @property
    def needs_second_factor(self) -> bool:
        """Police and state staff log in with a second factor; partners answer through links."""
        return not self.is_partner

    @property
    def organisation_name(self) -> str:
        if self.authority_id:
            return str(self.authority)
        if self.partner_agency_id:
            return str(self.partner_agency)
        return str(self.get_organisation_kind_display())


class HospitationDirection(models.TextChoices):
    OUTGOING = "outgoing", _("Polizei hospitiert bei der Partnerbehörde")
    INCOMING = "incoming", _("Partnerbehörde hospitiert bei der Polizei")


class Hospitation(models.Model):
    """A mutual Hospitation between the authority and another agency (R7)."""

    authority = models.ForeignKey(
        Authority,
        verbose_name=_("Kreispolizeibehörde"),
        on_delete=models.CASCADE,
        related_name="hospitations",
    )
    agency = models.ForeignKey(
        PartnerAgency,
        verbose_name=_("Partnerbehörde"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hospitations",
    )
    agency_name = models.CharField(
        _("andere Behörde oder Stelle"),
        max_length=200,
        blank=True,
        help_text=_("Nur wenn die Behörde nicht im Partnerverzeichnis steht."),
    )
    direction = models.CharField(_("Richtung"), max_length=10, choices=HospitationDirection.choices)
    start_date = models.DateField(_("von"))
    end_date = models.DateField(_("bis"))
    participants = models.PositiveSmallIntegerField(_("Anzahl Personen"), default=1)
    notes = models.TextField(_("Bemerkungen"), blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = scoped_manager(authority="authority")

    class Meta:
        ordering = ["-start_date", "-pk"]
        verbose_name = _("Hospitation")
        verbose_name_plural = _("Hospitationen")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="hospitation_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner_name} ({self.start_date:%d.%m.%Y})"

    @property
    def partner_name(self) -> str:
        return self.agency.name if self.agency_id and self.agency else self.agency_name


class Exercise(models.Model):
    """A crisis-staff exercise of a city or district, and whether a police liaison officer
    took part (R7, a soft yearly rule)."""

    authority = models.ForeignKey(
        Authority,
        verbose_name=_("Kreispolizeibehörde"),
        on_delete=models.CASCADE,
        related_name="exercises",
    )
    organiser = models.CharField(_("Stadt oder Kreis"), max_length=200)
    title = models.CharField(_("Übung"), max_length=200)
    date = models.DateField(_("Datum"))
    liaison_took_part = models.BooleanField(
        _("Polizeiliche Verbindungsperson hat teilgenommen"), default=False
    )
    notes = models.TextField(_("Bemerkungen"), blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = scoped_manager(authority="authority")

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("Krisenstabsübung")
        verbose_name_plural = _("Krisenstabsübungen")

    def __str__(self) -> str:
        return f"{self.title} ({self.organiser}, {self.date:%d.%m.%Y})"
