"""Writes to the partner directory. Each service checks its rule, writes atomically, audits."""

from collections.abc import Container
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from authorities.models import Authority, Contact, Coverage, PartnerAgency, User
from authorities.seeding import slug_for
from siko.audit import log_action
from siko.permissions import agency_exclusive_to_own_area


class DirectoryError(Exception):
    """A rule of the directory was broken; the message is German and shown to the user."""


#: Why a KPB may not change an agency shared with other KPBs (form, service and CSV import).
SHARED_AGENCY = gettext_lazy(
    "Diese Behörde ist für mehrere Kreispolizeibehörden zuständig; Änderungen nimmt das LZPD vor."
)


def check_may_change(agency: PartnerAgency, *, by: User) -> None:
    """KPB staff change only the agencies that cover their own authority and no other one
    (siko.permissions.agency_exclusive_to_own_area); the LZPD and admin change every agency."""
    if not by.is_kpb or agency_exclusive_to_own_area(by, agency):
        return
    own_authority_id = by.authority_id
    if (
        own_authority_id is not None
        and agency.coverages.filter(authority_id=own_authority_id).exists()
    ):
        raise DirectoryError(str(SHARED_AGENCY))
    raise DirectoryError(
        _(
            "Diese Behörde ist nicht für den Bereich Ihrer Behörde zuständig; Änderungen nimmt das "
            "LZPD vor."
        )
    )


def audit_directory(
    action: str, agency: PartnerAgency, *, by: User, data: dict[str, Any] | None = None
) -> None:
    """Audits a directory change; KPB staff's changes are filed under their authority."""
    log_action(action, agency, actor=by, data=data, authority=by.authority if by.is_kpb else None)


def unique_partner_slug(name: str, taken: Container[str] | None = None) -> str:
    """A slug for a new agency called `name` that is not in `taken` (default: the directory)."""
    base = slug_for(name)[:70] or "partner"
    if taken is None:
        # The plain manager: slugs are unique across every authority's scope.
        taken = set(
            PartnerAgency._base_manager.filter(slug__startswith=base).values_list("slug", flat=True)
        )
    slug, counter = base, 2
    while slug in taken:
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


#: The decree dates from 6 December 2018: no start year before it.
FIRST_START_YEAR = 2018


@transaction.atomic
def set_siko_start_year(authority: Authority, *, year: int | None, by: User) -> Authority:
    """Sets the year from which the authority's yearly rule is judged (the LZPD's decision);
    earlier years are "nicht erfasst". None: the year of its first conference."""
    latest = timezone.localdate().year + 1
    if year is not None and not FIRST_START_YEAR <= year <= latest:
        raise DirectoryError(
            _("Das Startjahr muss zwischen %(first)s und %(last)s liegen.")
            % {"first": FIRST_START_YEAR, "last": latest}
        )
    authority.siko_start_year = year
    authority.save(update_fields=["siko_start_year"])
    log_action("authority.start_year_set", authority, actor=by, data={"siko_start_year": year})
    return authority


@transaction.atomic
def create_partner(
    *, data: dict[str, Any], authorities: list[Authority], by: User
) -> PartnerAgency:
    """A new agency always covers at least one authority; KPB staff add only their own."""
    if not authorities:
        raise DirectoryError(_("Eine Partnerbehörde braucht mindestens eine zuständige KPB."))
    if by.is_kpb and any(a.pk != by.authority_id for a in authorities):
        raise DirectoryError(_("Sie können Partner nur für Ihre eigene Behörde anlegen."))
    agency = PartnerAgency(**data)
    agency.slug = agency.slug or unique_partner_slug(agency.name)
    try:
        agency.full_clean()
    except ValidationError as error:
        raise DirectoryError(" ".join(error.messages)) from error
    agency.save()
    for authority in authorities:
        Coverage.objects.create(agency=agency, authority=authority)
    audit_directory("partner.created", agency, by=by)
    return agency


@transaction.atomic
def update_partner(agency: PartnerAgency, *, data: dict[str, Any], by: User) -> PartnerAgency:
    """Changes the agency's own fields; KPB staff only for an agency exclusive to their area."""
    check_may_change(agency, by=by)
    changed = sorted(name for name, value in data.items() if getattr(agency, name) != value)
    for name, value in data.items():
        setattr(agency, name, value)
    agency.full_clean()
    agency.save()
    audit_directory("partner.changed", agency, by=by, data={"fields": changed})
    return agency


@transaction.atomic
def save_contact(contact: Contact, *, by: User) -> Contact:
    """Adds or changes a contact; KPB staff only at an agency exclusive to their area (a contact's
    address receives the agency's invitations and its overview link)."""
    check_may_change(contact.agency, by=by)
    created = contact.pk is None
    contact.full_clean()
    contact.save()
    # Personal data stays out of the audit data: only the row's identity is recorded.
    audit_directory(
        "contact.created" if created else "contact.changed",
        contact.agency,
        by=by,
        data={"contact_id": contact.pk},
    )
    return contact


@transaction.atomic
def delete_contact(contact: Contact, *, by: User) -> None:
    """Deletes a contact; KPB staff only at an agency exclusive to their area."""
    agency = contact.agency
    check_may_change(agency, by=by)
    contact_id = contact.pk
    contact.delete()
    audit_directory("contact.deleted", agency, by=by, data={"contact_id": contact_id})
