"""The organisations a user belongs to (DESIGN §5): the roles every permission is built on."""

from typing import Protocol

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


class OrganisationMember(Protocol):
    """A signed-in user as siko/ and notifications/ read one.

    The model is authorities.models.User, which these apps do not import. An AnonymousUser
    belongs to no organisation, so code that may meet one checks `is_authenticated` first.
    """

    @property
    def is_authenticated(self) -> bool: ...
    @property
    def is_superuser(self) -> bool: ...
    @property
    def organisation_kind(self) -> str: ...
    @property
    def authority_id(self) -> int | None: ...
    @property
    def partner_agency_id(self) -> int | None: ...
    @property
    def is_kpb(self) -> bool: ...
    @property
    def is_partner(self) -> bool: ...
    @property
    def is_state_body(self) -> bool: ...
    def covered_authority_ids(self) -> list[int]: ...
