"""Personal data in the outbox and the reminder rows (registered by NotificationsConfig.ready)."""

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from notifications.models import OutgoingMail, Reminder
from siko.personal_data import mentions, pseudonym_address, register_provider, rows, scrub

TEXT_FIELDS = ("subject", "body_text", "body_html", "ics", "dedup_key", "last_error")


def _mails(address: str) -> "QuerySet[OutgoingMail]":
    mentioned = Q(to__iexact=address) | Q(reply_to__iexact=address)
    for name in TEXT_FIELDS:
        mentioned |= Q(**{f"{name}__icontains": address})
    return OutgoingMail.objects.filter(mentioned).order_by("pk")


def export_mails(address: str) -> list[dict[str, Any]]:
    return rows(
        _mails(address), "created", "kind", "to", "subject", "state", "sent_at", "body_text"
    )


def erase_mails(address: str, alias: str) -> int:
    """A mail to the person keeps its row (the log shows that a mail went out) with a
    pseudonymous recipient and without its text and calendar; other mails that name the
    address get the pseudonym address in its place."""
    count = 0
    for mail in _mails(address):
        if mentions(mail.to, address):
            mail.to = pseudonym_address(address)
            mail.body_text = mail.body_html = mail.ics = ""
            mail.last_error = ""
        if mentions(mail.reply_to, address):
            mail.reply_to = pseudonym_address(address)
        for name in TEXT_FIELDS:
            setattr(mail, name, scrub(getattr(mail, name), address))
        mail.save(update_fields=["to", "reply_to", *TEXT_FIELDS])
        count += 1
    return count


def export_reminders(address: str) -> list[dict[str, Any]]:
    return rows(
        Reminder.objects.filter(recipient__iexact=address).order_by("due_at"),
        "rule",
        "stage",
        "due_at",
        "sent_at",
    )


def erase_reminders(address: str, alias: str) -> int:
    """Reminders not sent yet are dropped; sent ones keep their stage for the at-most-once
    rule, with the pseudonym address."""
    reminders = Reminder.objects.filter(recipient__iexact=address)
    dropped, _per_model = reminders.filter(sent_at__isnull=True).delete()
    return dropped + reminders.update(recipient=pseudonym_address(address))


def register() -> None:
    register_provider("mails", label=_("Versendete Mails"), export=export_mails, erase=erase_mails)
    register_provider(
        "reminders", label=_("Erinnerungen"), export=export_reminders, erase=erase_reminders
    )
