"""Personal data of one e-mail address: access (Art. 15 DSGVO), erasure (Art. 17), retention.

siko knows no domain app. Each app registers, in its AppConfig.ready(), a provider that knows
where the app keeps a person's data (pretix's data shredders): `export` lists the rows, `erase`
removes or pseudonymises them and returns how many rows it changed. Erasure runs the providers
from the top layer down (reports … authorities, siko last), because a higher app finds the
person through rows of a lower one (an invitation through its contact) that the lower app's
eraser then deletes. Retention jobs register the same way and run daily (siko.tasks).

What stays on purpose: frozen minutes and annual reports (signed records whose SHA-256 must not
change; they name agencies and attendees, never addresses) and audit entries, which keep the
action with the pseudonym instead of the person.
"""

import hashlib
import hmac
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from siko.audit import ACTIONS
from siko.models import AuditEntry

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

logger = logging.getLogger(__name__)

Exporter = Callable[[str], list[dict[str, Any]]]
Eraser = Callable[[str, str], int]
Purger = Callable[[datetime], int]


class PersonalDataError(Exception):
    """A request that cannot be carried out, with a German message for the user."""


@dataclass(frozen=True)
class Provider:
    key: str
    label: "StrPromise | str"
    export: Exporter
    erase: Eraser


_providers: dict[str, Provider] = {}
_retention: dict[str, Purger] = {}


def register_provider(
    key: str, *, label: "StrPromise | str", export: Exporter, erase: Eraser
) -> None:
    """One kind of personal data (e.g. "contacts"); registering the same key again replaces it."""
    _providers[key] = Provider(key=key, label=label, export=export, erase=erase)


def register_retention(key: str, purge: Purger) -> None:
    """A daily job that removes what is older than its period (now given); returns a count."""
    _retention[key] = purge


def providers() -> list[Provider]:
    return list(_providers.values())


def normalise_email(email: str) -> str:
    address = (email or "").strip()
    try:
        validate_email(address)
    except ValidationError:
        raise PersonalDataError(
            _("„%(email)s“ ist keine gültige E-Mail-Adresse.") % {"email": address}
        ) from None
    return address


def pseudonym(email: str) -> str:
    """The same address always gives the same pseudonym; without SECRET_KEY it cannot be
    reversed or recomputed."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), email.strip().lower().encode(), hashlib.sha256
    ).hexdigest()
    return f"Person-{digest[:12]}"


def pseudonym_address(email: str) -> str:
    """Where an address has to stay an address (a mail's recipient): a reserved domain."""
    return f"{pseudonym(email).lower()}@geloescht.invalid"


def scrub(text: str, email: str) -> str:
    """The text with every spelling of the address replaced by its pseudonym address."""
    return re.sub(re.escape(email), pseudonym_address(email), text, flags=re.IGNORECASE)


def mentions(text: str, email: str) -> bool:
    return email.lower() in (text or "").lower()


def export_personal_data(email: str) -> dict[str, Any]:
    """Everything SiKo holds about the address, per kind (json.dumps with DjangoJSONEncoder)."""
    address = normalise_email(email)
    with scopes_disabled():
        data = {
            provider.key: {"label": str(provider.label), "rows": provider.export(address)}
            for provider in providers()
        }
    return {"email": address, "exported_at": timezone.now().isoformat(), "data": data}


def erase_personal_data(email: str, *, by: AbstractBaseUser | None = None) -> dict[str, int]:
    """Removes or pseudonymises the address everywhere a provider holds it, in one transaction;
    an audit entry names the pseudonym and the counts, never the address."""
    address = normalise_email(email)
    alias = pseudonym(address)
    counts: dict[str, int] = {}
    with scopes_disabled(), transaction.atomic():
        for provider in reversed(providers()):
            counts[provider.key] = provider.erase(address, alias)
        _log_person_action("personal_data.erased", alias, by=by, data={"counts": counts})
    logger.info("personal data erased: %s %s", alias, counts)
    return counts


def log_export(email: str, *, by: AbstractBaseUser | None = None) -> None:
    _log_person_action("personal_data.exported", pseudonym(normalise_email(email)), by=by)


def _log_person_action(
    action: str, alias: str, *, by: AbstractBaseUser | None, data: dict[str, Any] | None = None
) -> None:
    if action not in ACTIONS:
        raise KeyError(f"Unbekannte Aktion {action!r}: in siko.audit.ACTIONS eintragen.")
    AuditEntry.objects.create(
        actor_id=by.pk if by is not None and by.is_authenticated else None,
        action=action,
        object_type="person",
        object_id=alias,
        object_repr=alias,
        data=data or {},
    )


def apply_retention(now: datetime | None = None) -> dict[str, int]:
    """Runs every registered retention job; logs the counts (no personal data)."""
    moment = now or timezone.now()
    with scopes_disabled(), transaction.atomic():
        counts = {key: purge(moment) for key, purge in _retention.items()}
    logger.info("retention applied: %s", counts)
    return counts


def rows(items: Iterable[Any], *fields: str) -> list[dict[str, Any]]:
    """Model instances as dicts of the given attributes (dotted for related ones)."""
    result = []
    for item in items:
        row: dict[str, Any] = {}
        for name in fields:
            value: Any = item
            for part in name.split("."):
                value = getattr(value, part, None) if value is not None else None
            row[name.replace(".", "_")] = value if _plain(value) else str(value)
        result.append(row)
    return result


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool | datetime)
