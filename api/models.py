"""API tokens: one per program of an organisation, created and revoked in Django's admin.

Only the SHA-256 of a token is stored; the token itself is shown once, when it is created. A
token acts as its account: the account's organisation decides what it sees (siko.scoping), and
a deactivated account, or a revoked token, is refused.
"""

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from siko.organisations import STATE_BODIES, OrganisationKind

#: Token text: a short prefix that tells a leaked token in a log or a repository apart.
TOKEN_PREFIX = "siko_"
TOKEN_ORGANISATIONS = (OrganisationKind.KPB, *STATE_BODIES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True, user__is_active=True).exclude(
            user__organisation_kind=OrganisationKind.PARTNER
        )


class ApiToken(models.Model):
    name = models.CharField(
        _("Bezeichnung"), max_length=150, help_text=_("Welches Programm den Schlüssel nutzt.")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Konto"),
        on_delete=models.PROTECT,
        related_name="api_tokens",
        help_text=_(
            "Das Konto der Organisation (KPB, LZPD, LKA oder IM), als das das Programm liest: "
            "es sieht, was das Konto in SiKo sieht."
        ),
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_start = models.CharField(_("Anfang des Schlüssels"), max_length=16, editable=False)
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("angelegt von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    revoked_at = models.DateTimeField(_("widerrufen am"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("zuletzt genutzt"), null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API-Schlüssel")
        verbose_name_plural = _("API-Schlüssel")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_start}…)"

    def clean(self) -> None:
        user = getattr(self, "user", None)
        if user is not None and user.organisation_kind not in TOKEN_ORGANISATIONS:
            raise ValidationError(
                {"user": _("Partnerbehörden erhalten keinen API-Schlüssel.")}, code="partner"
            )

    def issue(self) -> str:
        """A new random token for this row (stored as its hash); returned once."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.key_hash = hash_token(token)
        self.key_start = token[: len(TOKEN_PREFIX) + 6]
        return token

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
