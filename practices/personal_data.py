"""Personal data in good practice: a contact person's name, given with consent.

A practice names a person only by name, never by address. The address belongs to a contact or
an account of the directory; a practice whose consented contact name is that person's name is
theirs. Registered in PracticesConfig.ready and erased before the directory deletes the contact
and pseudonymises the account (the providers run from the top layer down), so the names can
still be read here.
"""

from typing import Any

from django.db.models import QuerySet
from django.db.models.functions import Lower, Trim
from django.utils.translation import gettext_lazy as _

from authorities.models import Contact, User
from practices.models import GoodPractice
from siko.personal_data import register_provider, rows


def names_of(address: str) -> set[str]:
    """The person's names as the directory holds them, lower case and trimmed."""
    names = set(Contact.objects.filter(email__iexact=address).values_list("name", flat=True))
    for first, last in User.objects.filter(email__iexact=address).values_list(
        "first_name", "last_name"
    ):
        names.add(f"{first} {last}")
    return {" ".join(name.split()).lower() for name in names if name.strip()}


def practices_naming(address: str) -> "QuerySet[GoodPractice]":
    names = names_of(address)
    if not names:
        return GoodPractice.objects.none()
    return (
        GoodPractice.objects.annotate(_contact_name=Lower(Trim("contact_name")))
        .filter(contact_consent=True, _contact_name__in=names)
        .select_related("authority")
        .order_by("pk")
    )


def export_practices(address: str) -> list[dict[str, Any]]:
    return rows(
        practices_naming(address),
        "title",
        "authority.name",
        "contact_function",
        "contact_name",
        "contact_consent",
        "published_at",
    )


def erase_practices(address: str, alias: str) -> int:
    """The practice stays with its contact function; the name and the consent go."""
    pks = list(practices_naming(address).values_list("pk", flat=True))
    return GoodPractice.objects.filter(pk__in=pks).update(contact_name="", contact_consent=False)


def register() -> None:
    register_provider(
        "practice_contacts",
        label=_("Namentliche Ansprechpersonen in guter Praxis"),
        export=export_practices,
        erase=erase_practices,
    )
