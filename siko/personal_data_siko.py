"""siko's own holders of personal data: the local mailbox, the audit trail, the Django admin's
history and the login lockout's records (registered by SikoConfig.ready, erased last)."""

import email
import email.policy
import json
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin.models import LogEntry
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from siko.models import AuditEntry, LocalMail
from siko.personal_data import mentions, register_provider, rows, scrub


def _message_mentions(mail: LocalMail, address: str) -> bool:
    """Also inside base64 or quoted-printable parts (a calendar attachment's ATTENDEE)."""
    if mentions(mail.recipients, address) or mentions(mail.message, address):
        return True
    parsed = email.message_from_string(mail.message, policy=email.policy.default)
    for part in parsed.walk():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and mentions(payload.decode(errors="replace"), address):
            return True
    return False


def _local_mails(address: str) -> list[LocalMail]:
    return [m for m in LocalMail.objects.order_by("pk") if _message_mentions(m, address)]


def export_local_mail(address: str) -> list[dict[str, Any]]:
    return rows(_local_mails(address), "created", "from_email", "recipients", "subject", "body")


def erase_local_mail(address: str, alias: str) -> int:
    """A delivery copy of a mail: removed entirely."""
    pks = [m.pk for m in _local_mails(address)]
    LocalMail.objects.filter(pk__in=pks).delete()
    return len(pks)


def _audit_entries(address: str) -> list[AuditEntry]:
    candidates = AuditEntry.objects.filter(
        Q(object_repr__icontains=address) | Q(data__icontains=address)
    ).order_by("pk")
    return [e for e in candidates if mentions(e.object_repr + json.dumps(e.data), address)]


def export_audit(address: str) -> list[dict[str, Any]]:
    return rows(_audit_entries(address), "created", "action", "object_type", "object_repr")


def erase_audit(address: str, alias: str) -> int:
    """The action stays; the address in its text becomes the pseudonym."""
    entries = _audit_entries(address)
    for entry in entries:
        entry.object_repr = scrub(entry.object_repr, address)[:300]
        entry.data = json.loads(scrub(json.dumps(entry.data), address))
        entry.save(update_fields=["object_repr", "data"])
    return len(entries)


def erase_admin_history(address: str, alias: str) -> int:
    entries = LogEntry.objects.filter(
        Q(object_repr__icontains=address) | Q(change_message__icontains=address)
    )
    count = 0
    for entry in entries:
        entry.object_repr = scrub(entry.object_repr, address)[:200]
        entry.change_message = scrub(entry.change_message, address)
        entry.save(update_fields=["object_repr", "change_message"])
        count += 1
    return count


def erase_login_records(address: str, alias: str) -> int:
    """Failed and successful logins with the address as user name (django-axes)."""
    count = 0
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        deleted, _per_model = model.objects.filter(username__iexact=address).delete()
        count += deleted
    return count


def export_login_records(address: str) -> list[dict[str, Any]]:
    return rows(
        AccessAttempt.objects.filter(username__iexact=address),
        "attempt_time",
        "failures_since_start",
    )


def register() -> None:
    register_provider(
        "local_mailbox",
        label=_("Lokales Postfach"),
        export=export_local_mail,
        erase=erase_local_mail,
    )
    register_provider(
        "audit",
        label=_("Protokolleinträge"),
        export=export_audit,
        erase=erase_audit,
    )
    register_provider(
        "admin_history",
        label=_("Änderungshistorie der Verwaltung"),
        export=lambda address: [],
        erase=erase_admin_history,
    )
    register_provider(
        "logins",
        label=_("Anmeldeversuche"),
        export=export_login_records,
        erase=erase_login_records,
    )
