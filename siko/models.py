from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LocalMail(models.Model):
    """A mail delivered to the local mailbox (embedded mode without SMTP)."""

    created = models.DateTimeField(_("Zeitpunkt"), auto_now_add=True, db_index=True)
    from_email = models.CharField(_("Absender"), max_length=300)
    recipients = models.TextField(_("Empfänger"))
    subject = models.CharField(_("Betreff"), max_length=300)
    body = models.TextField(_("Text"))
    message = models.TextField(_("Vollständige Nachricht"))

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("Mail im lokalen Postfach")
        verbose_name_plural = _("Mails im lokalen Postfach")

    def __str__(self) -> str:
        return self.subject


class AuditEntry(models.Model):
    """Who did what to which object (written inside the service's transaction)."""

    created = models.DateTimeField(_("Zeitpunkt"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField(_("Aktion"), max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=60)
    object_repr = models.CharField(max_length=300)
    authority = models.ForeignKey(
        "authorities.Authority", null=True, blank=True, on_delete=models.SET_NULL
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("Protokolleintrag")
        verbose_name_plural = _("Protokolleinträge")

    def __str__(self) -> str:
        return f"{self.action} {self.object_repr}"


class DocumentCheck(models.Model):
    """One run of the check of stored documents against their SHA-256 (siko.documents)."""

    checked_at = models.DateTimeField(_("geprüft am"), db_index=True)
    checked = models.PositiveIntegerField(_("geprüfte Dokumente"), default=0)
    problems = models.JSONField(_("Abweichungen"), default=list, blank=True)

    class Meta:
        ordering = ["-checked_at", "-pk"]
        get_latest_by = "checked_at"
        verbose_name = _("Dokumentenprüfung")
        verbose_name_plural = _("Dokumentenprüfungen")

    def __str__(self) -> str:
        return f"{self.checked_at:%Y-%m-%d %H:%M} ({len(self.problems)})"

    @property
    def ok(self) -> bool:
        return not self.problems


class PageVersion(models.Model):
    """One row whose token changes with every write to the data the cached pages show.

    Database triggers (siko.page_version, migration 0003) replace the token in the writing
    transaction itself, for every statement on the tracked tables (page_version.TRACKED_MODELS:
    conferences, invitations, agenda, documents, minutes, actions, mails, authorities, partners
    and their contacts), bulk_create, QuerySet.update() and raw SQL included. Rendered parts
    cached under the token (siko.page_cache) are unreachable once a write is committed: nothing
    is shown stale and nothing expires by time. Tables written on every request (sessions,
    login attempts, the audit trail) are not tracked. The token is random, so a rolled-back
    write never brings an old token back.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("Stand der angezeigten Daten")
        verbose_name_plural = _("Stände der angezeigten Daten")

    def __str__(self) -> str:
        return self.token
