"""Personal data in the directory: contacts and user accounts (AuthoritiesConfig.ready)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from authorities.models import Contact, User
from siko.personal_data import register_provider, rows


def export_contacts(address: str) -> list[dict[str, Any]]:
    return rows(
        Contact.objects.filter(email__iexact=address).select_related("agency", "deputy_of"),
        "name",
        "function",
        "email",
        "phone",
        "agency.name",
        "deputy_of.name",
    )


def erase_contacts(address: str, alias: str) -> int:
    """Contacts are deleted: their invitations keep the agency, their deputies stay."""
    deleted, _per_model = Contact.objects.filter(email__iexact=address).delete()
    return deleted


def export_accounts(address: str) -> list[dict[str, Any]]:
    return rows(
        User.objects.filter(email__iexact=address).order_by("pk"),
        "username",
        "first_name",
        "last_name",
        "email",
        "function",
        "organisation_kind",
        "date_joined",
        "last_login",
    )


def erase_accounts(address: str, alias: str) -> int:
    """An account is kept for the records that point to it (who approved minutes, who
    finalised a report) but cannot log in and names only the pseudonym."""
    count = 0
    for user in User.objects.filter(email__iexact=address):
        user.username = f"{alias}-{user.pk}"
        user.email = ""
        user.first_name = ""
        user.last_name = alias
        user.function = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
        count += 1
    return count


def register() -> None:
    register_provider(
        "contacts", label=_("Ansprechpersonen"), export=export_contacts, erase=erase_contacts
    )
    register_provider(
        "accounts", label=_("Benutzerkonten"), export=export_accounts, erase=erase_accounts
    )
