import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from authorities.models import Authority, Contact, DistinctManager, PartnerAgency
from conferences.enums import (
    ANSWERED_STATES,
    AnswerChannel,
    CalendarReplyOutcome,
    ConferenceKind,
    ConferenceStatus,
    DocumentVisibility,
    InvitationState,
)
from siko.collation import german
from siko.scoping import ScopedManager, ScopedUniqueMixin, scoped_manager

#: Cancelled reminders are logged where the sweep logs its runs.
reminder_logger = logging.getLogger("conferences.reminders")


def new_ical_uid() -> str:
    return f"{uuid.uuid4()}@siko.polizei.nrw"


#: The decree of 6 December 2018 mandates its topics from 2019 on.
DECREE_FIRST_YEAR = 2019


def _this_year() -> int:
    return timezone.localdate().year


class MandatedTopicQuerySet(models.QuerySet["MandatedTopic"]):
    def in_force(self, year: int) -> "MandatedTopicQuerySet":
        """The topics that apply to `year`: the R6 evaluation of that year checks these, so a
        topic added later never becomes "missing" in a closed year (issue 12)."""
        return self.filter(valid_from_year__lte=year).filter(
            Q(valid_until_year__isnull=True) | Q(valid_until_year__gte=year)
        )

    def active(self) -> "MandatedTopicQuerySet":
        """The topics in force today: proposed on a new agenda and offered for an agenda item.
        A retired topic stays on the agendas that have it."""
        return self.in_force(_this_year())


class MandatedTopic(models.Model):
    """A topic the decree mandates (R6); data, so that the LZPD can add topics. A topic applies
    in the years from `valid_from_year` to `valid_until_year` (open: still in force)."""

    key = models.SlugField(_("Kennung"), max_length=60, unique=True)
    title = models.CharField(_("Thema"), max_length=200)
    description = models.TextField(_("Erläuterung"), blank=True)
    order = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)
    valid_from_year = models.PositiveSmallIntegerField(_("gilt ab dem Jahr"), default=_this_year)
    valid_until_year = models.PositiveSmallIntegerField(
        _("gilt bis einschließlich Jahr"), null=True, blank=True
    )
    from_decree = models.BooleanField(_("aus dem Erlass"), default=False)

    objects = MandatedTopicQuerySet.as_manager()

    class Meta:
        ordering = ["order", "title"]
        verbose_name = _("Pflichtthema")
        verbose_name_plural = _("Pflichtthemen")

    def __str__(self) -> str:
        return self.title


class ConferenceQuerySet(models.QuerySet):
    def not_cancelled(self) -> "ConferenceQuerySet":
        return self.exclude(status=ConferenceStatus.CANCELLED)

    def in_year(self, year: int) -> "ConferenceQuerySet":
        tz = timezone.get_default_timezone()
        start = datetime(year, 1, 1, tzinfo=tz)
        end = datetime(year + 1, 1, 1, tzinfo=tz)
        return self.filter(start__gte=start, start__lt=end)


#: The type of Conference.objects: scoped, with ConferenceQuerySet's methods.
ScopedConferenceManager = ScopedManager.from_queryset(ConferenceQuerySet, "ScopedConferenceManager")
ScopedConferenceManager.__module__ = __name__  # scoped_manager() names the manager class after it


class Conference(ScopedUniqueMixin, models.Model):
    """One conference from plan to follow-up. Host and co-hosts are all in `authorities`."""

    host = models.ForeignKey(
        Authority,
        verbose_name=_("Gastgebende KPB"),
        on_delete=models.PROTECT,
        related_name="hosted_conferences",
    )
    authorities = models.ManyToManyField(
        Authority,
        verbose_name=_("Beteiligte KPB"),
        related_name="conferences",
        help_text=_("Gastgeberin und Mitveranstalter; eine gemeinsame Konferenz zählt für jede."),
    )
    kind = models.CharField(
        _("Art"), max_length=10, choices=ConferenceKind.choices, default=ConferenceKind.SIKO
    )
    title = models.CharField(_("Titel"), max_length=200)
    start = models.DateTimeField(_("Beginn"))
    end = models.DateTimeField(_("Ende"))
    place = models.CharField(_("Ort"), max_length=300)
    status = models.CharField(
        _("Status"),
        max_length=10,
        choices=ConferenceStatus.choices,
        default=ConferenceStatus.DRAFT,
        db_index=True,
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Organisation"),
        on_delete=models.PROTECT,
        related_name="organised_conferences",
    )
    ical_uid = models.CharField(max_length=120, unique=True, default=new_ical_uid, editable=False)
    ical_sequence = models.PositiveIntegerField(default=0, editable=False)
    cancel_reason = models.TextField(_("Grund der Absage"), blank=True)
    entered_afterwards = models.BooleanField(
        _("nachgetragen"),
        default=False,
        help_text=_(
            "Außerhalb von SiKo geplant und durchgeführt und danach erfasst; zählt wie jede "
            "durchgeführte Konferenz."
        ),
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = scoped_manager(
        DistinctManager.from_queryset(ConferenceQuerySet),
        ScopedConferenceManager,
        authority="authorities",
    )

    class Meta:
        ordering = ["-start"]
        verbose_name = _("Konferenz")
        verbose_name_plural = _("Konferenzen")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="conference_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("conferences:conference_detail", kwargs={"pk": self.pk})

    @property
    def is_editable(self) -> bool:
        return self.status in (ConferenceStatus.DRAFT, ConferenceStatus.SCHEDULED)

    @property
    def has_started(self) -> bool:
        return timezone.now() >= self.start

    @property
    def has_ended(self) -> bool:
        return timezone.now() >= self.end


class AgendaItem(models.Model):
    conference = models.ForeignKey(
        Conference, on_delete=models.CASCADE, related_name="agenda_items"
    )
    order = models.PositiveSmallIntegerField(_("Nr."), default=0)
    topic = models.ForeignKey(
        MandatedTopic,
        verbose_name=_("Pflichtthema"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agenda_items",
        help_text=_("Leer lassen für einen freien Tagesordnungspunkt."),
    )
    title = models.CharField(_("Titel"), max_length=200)
    notes = models.TextField(_("Erläuterung"), blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("Dauer (Minuten)"), null=True, blank=True)
    presenter = models.CharField(_("Vortragende Person oder Stelle"), max_length=150, blank=True)
    source_action = models.ForeignKey(
        "followup.Action",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agenda_items",
        verbose_name=_("aus der Beschlusskontrolle"),
    )

    objects = scoped_manager(DistinctManager, authority="conference__authorities")

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("Tagesordnungspunkt")
        verbose_name_plural = _("Tagesordnungspunkte")

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"


class Invitation(ScopedUniqueMixin, models.Model):
    """An invitation of one partner agency to one conference, answered through a signed link."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="invitations")
    agency = models.ForeignKey(
        PartnerAgency,
        verbose_name=_("Partnerbehörde"),
        on_delete=models.PROTECT,
        related_name="invitations",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("Ansprechperson"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations",
    )
    routed_via = models.ForeignKey(
        PartnerAgency,
        verbose_name=_("Einladung über"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="routed_invitations",
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    state = models.CharField(
        _("Status"),
        max_length=10,
        choices=InvitationState.choices,
        default=InvitationState.PENDING,
        db_index=True,
    )
    delegate_name = models.CharField(_("Name der Vertretung"), max_length=150, blank=True)
    delegate_function = models.CharField(_("Funktion der Vertretung"), max_length=150, blank=True)
    comment = models.TextField(_("Anmerkung"), blank=True)
    answered_via = models.CharField(
        _("Antwort über"), max_length=10, choices=AnswerChannel.choices, blank=True
    )
    sent_at = models.DateTimeField(_("versendet am"), null=True, blank=True)
    #: Marked for sending by e-mail; the worker builds the mail and clears the mark in the same
    #: transaction (conferences.sending), so an invitation's mail is built exactly once.
    mail_pending = models.BooleanField(_("Einladungsmail in Vorbereitung"), default=False)
    reminded_at = models.DateTimeField(_("erinnert am"), null=True, blank=True)
    answered_at = models.DateTimeField(_("beantwortet am"), null=True, blank=True)
    attended = models.BooleanField(_("anwesend"), null=True, blank=True)
    attended_by = models.CharField(_("anwesend für die Behörde"), max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager(DistinctManager, authority="conference__authorities")

    # Set for display by conferences.views.partner.agency_invitations ("" once the link
    # expired); not stored.
    answer_path: str

    class Meta:
        ordering = ["agency__category", german("agency__name")]
        verbose_name = _("Einladung")
        verbose_name_plural = _("Einladungen")
        constraints = [
            models.UniqueConstraint(
                fields=["conference", "agency"],
                name="invitation_once_per_agency",
                violation_error_message=_("Diese Behörde ist bereits eingeladen."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} – {self.conference}"

    @property
    def is_answered(self) -> bool:
        return self.state in ANSWERED_STATES

    @property
    def answer_link_expires_at(self) -> datetime:
        """The signed answer link works until this long after the conference's end."""
        return self.conference.end + timedelta(days=settings.SIKO_ANSWER_LINK_DAYS_AFTER_END)

    def answer_link_expired(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.answer_link_expires_at

    @property
    def recipient_email(self) -> str:
        """Where the mail goes: the contact, or for a Schulamt the Bezirksregierung's contact."""
        if self.routed_via is not None:
            routed_contact = next(iter(self.routed_via.contacts.all()), None)
            if routed_contact and routed_contact.email:
                return routed_contact.email
        return self.contact.email if self.contact_id and self.contact else ""


class CalendarFeed(models.Model):
    """A secret, revocable calendar subscription of an authority or a partner agency."""

    authority = models.ForeignKey(
        Authority, null=True, blank=True, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    agency = models.ForeignKey(
        PartnerAgency,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
    )
    token = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(authority__isnull=False, agency__isnull=True)
                | Q(authority__isnull=True, agency__isnull=False),
                name="calendar_feed_has_one_owner",
            )
        ]

    def __str__(self) -> str:
        return f"Kalender-Abo {self.authority or self.agency}"

    @property
    def url(self) -> str:
        """The subscription address; its token is the only credential."""
        return settings.SITE_URL + reverse(
            "conferences:calendar_feed", kwargs={"token": self.token}
        )

    @property
    def webcal_url(self) -> str:
        """The same address for calendar programs, which subscribe on a click on webcal://."""
        return "webcal://" + self.url.split("://", 1)[1]


class CalendarReply(models.Model):
    """A message read from the reply mailbox (SIKO_REPLY_MAILBOX): an iMIP REPLY or COUNTER of
    a calendar program, stored once per Message-ID, with what became of it. A reply that
    matches no invitation, or whose addresses disagree, stays here "nicht zugeordnet" with its
    reason and changes no answer; the conference's organisers see it (LZPD and administrators
    also those that name no conference)."""

    message_id = models.CharField(_("Message-ID"), max_length=500, unique=True)
    sender = models.CharField(_("Absender"), max_length=320, blank=True)
    subject = models.CharField(_("Betreff"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("gesendet am"), null=True, blank=True)
    method = models.CharField(_("iTIP-Methode"), max_length=20, blank=True)
    uid = models.CharField(_("Kalenderkennung (UID)"), max_length=300, blank=True)
    attendee = models.CharField(_("Teilnehmer"), max_length=320, blank=True)
    partstat = models.CharField(_("Teilnahmestatus"), max_length=20, blank=True)
    conference = models.ForeignKey(
        Conference,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calendar_replies",
        verbose_name=_("Konferenz"),
    )
    invitation = models.ForeignKey(
        Invitation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calendar_replies",
        verbose_name=_("Einladung"),
    )
    outcome = models.CharField(
        _("Ergebnis"), max_length=10, choices=CalendarReplyOutcome.choices, db_index=True
    )
    reason = models.TextField(_("Grund"), blank=True)
    received = models.DateTimeField(_("verarbeitet am"), auto_now_add=True)

    objects = scoped_manager(DistinctManager, authority="conference__authorities")

    class Meta:
        ordering = ["-received", "-pk"]
        verbose_name = _("Kalenderantwort")
        verbose_name_plural = _("Kalenderantworten")

    def __str__(self) -> str:
        return f"{self.sender} – {self.message_id}"


def document_path(instance: "ConferenceDocument", filename: str) -> str:
    """A random name in the conference's folder: the uploader's file name never reaches the
    storage (it may carry path parts or a misleading extension); the extension is the one of
    the type found in the content."""
    extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"unterlagen/{instance.conference_id}/{uuid.uuid4().hex}.{extension}"


class ConferenceDocument(models.Model):
    """A file the organiser uploads to a conference (slides, handout). The type is the one
    found in the content (conferences.uploads), the SHA-256 is frozen at upload and checked by
    `manage.py verify_documents`. Served only as a download, never rendered."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("Titel"), max_length=200)
    original_name = models.CharField(_("ursprünglicher Dateiname"), max_length=255)
    content_type = models.CharField(_("Dateityp"), max_length=120)
    size = models.PositiveBigIntegerField(_("Größe (Bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    file = models.FileField(_("Datei"), upload_to=document_path, max_length=200)
    visibility = models.CharField(
        _("sichtbar für"),
        max_length=12,
        choices=DocumentVisibility.choices,
        default=DocumentVisibility.PARTNERS,
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hochgeladen von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("hochgeladen am"), auto_now_add=True)
    announced_at = models.DateTimeField(_("angekündigt am"), null=True, blank=True)

    objects = scoped_manager(DistinctManager, authority="conference__authorities")

    class Meta:
        ordering = ["conference", "uploaded_at", "pk"]
        verbose_name = _("Konferenzunterlage")
        verbose_name_plural = _("Konferenzunterlagen")
        constraints = [
            # The same file twice (a double submission) is one document.
            models.UniqueConstraint(fields=["conference", "sha256"], name="document_once_per_file"),
        ]

    def __str__(self) -> str:
        return f"{self.title} – {self.conference}"

    @property
    def for_partners(self) -> bool:
        return self.visibility == DocumentVisibility.PARTNERS

    @property
    def type_label(self) -> str:
        """PDF, DOCX, PNG …: the extension the stored file got from its content."""
        name = self.file.name or ""
        return name.rsplit(".", 1)[-1].upper() if "." in name else ""
