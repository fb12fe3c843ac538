"""Personal data in invitations and their answers (ConferencesConfig.ready).

An invitation belongs to the person through its contact, or for a Schulamt through the contact
of the Bezirksregierung it was routed via. Erased before the directory deletes the contact.
"""

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from authorities.models import Contact
from conferences.models import CalendarReply, Conference, ConferenceDocument, Invitation
from notifications.models import OutgoingMail, Reminder
from siko.personal_data import mentions, register_provider, register_retention, rows, scrub

BERLIN = ZoneInfo("Europe/Berlin")
logger = logging.getLogger(__name__)

ANSWER_FIELDS = ("delegate_name", "delegate_function", "comment")


def invitations_of(address: str) -> "QuerySet[Invitation]":
    return (
        Invitation.objects.filter(
            Q(contact__email__iexact=address) | Q(routed_via__contacts__email__iexact=address)
        )
        .select_related("conference", "agency", "contact")
        .distinct()
        .order_by("conference__start", "pk")
    )


def export_invitations(address: str) -> list[dict[str, Any]]:
    return rows(
        invitations_of(address),
        "conference.title",
        "conference.start",
        "agency.name",
        "contact.name",
        "state",
        "answered_via",
        "answered_at",
        *ANSWER_FIELDS,
        "attended",
        "attended_by",
    )


def erase_answers(address: str, alias: str) -> int:
    """The answer itself (accepted, declined, attended) stays for the yearly rule; what the
    person wrote or named (deputy, comment, who attended) goes."""
    names = [
        n.lower()
        for n in Contact.objects.filter(email__iexact=address).values_list("name", flat=True)
    ]
    count = 0
    for invitation in invitations_of(address):
        for name in ANSWER_FIELDS:
            setattr(invitation, name, "")
        if any(n and n in invitation.attended_by.lower() for n in names):
            invitation.attended_by = alias
        invitation.save(update_fields=[*ANSWER_FIELDS, "attended_by"])
        count += 1
    return count


REPLY_TEXT_FIELDS = ("message_id", "sender", "subject", "attendee", "reason")


def _calendar_replies(address: str) -> list[CalendarReply]:
    mentioned = Q()
    for name in REPLY_TEXT_FIELDS:
        mentioned |= Q(**{f"{name}__icontains": address})
    return list(CalendarReply.objects.filter(mentioned).order_by("pk"))


def export_calendar_replies(address: str) -> list[dict[str, Any]]:
    return rows(_calendar_replies(address), "received", "sender", "subject", "partstat", "outcome")


def erase_calendar_replies(address: str, alias: str) -> int:
    """A calendar program's reply keeps what became of it, with the pseudonym address."""
    replies = _calendar_replies(address)
    for reply in replies:
        for name in REPLY_TEXT_FIELDS:
            value = getattr(reply, name)
            if mentions(value, address):
                setattr(reply, name, scrub(value, address))
        reply.save(update_fields=list(REPLY_TEXT_FIELDS))
    return len(replies)


def retention_cutoff(now: datetime) -> datetime:
    """Conferences that ended before this moment are past their retention period: the period
    runs SIKO_RETENTION_CONFERENCE_YEARS full calendar years after the year of the conference
    (as filing periods do), so a 2020 conference's mails go on 1 January 2026 with 5 years."""
    years = settings.SIKO_RETENTION_CONFERENCE_YEARS
    return datetime(now.astimezone(BERLIN).year - years, 1, 1, tzinfo=BERLIN)


def expired_conferences(now: datetime) -> "QuerySet[Conference]":
    return Conference.objects.filter(end__lt=retention_cutoff(now))


def purge_conference_mails(now: datetime) -> int:
    """The mails, reminders and calendar replies of conferences past their retention period."""
    expired = expired_conferences(now).values("pk")
    reminders, _per_model = Reminder.objects.filter(conference__in=expired).delete()
    mails, _per_model = OutgoingMail.objects.filter(conference__in=expired).delete()
    replies, _per_model = CalendarReply.objects.filter(conference__in=expired).delete()
    return reminders + mails + replies


def purge_answers(now: datetime) -> int:
    """What partners wrote or named in their answers to those conferences; the answer itself
    (accepted, declined, attended) stays for the yearly rule and the annual reports."""
    written = Q(delegate_name__gt="") | Q(delegate_function__gt="") | Q(comment__gt="")
    written |= Q(attended_by__gt="")
    return (
        Invitation.objects.filter(conference__in=expired_conferences(now).values("pk"))
        .filter(written)
        .update(delegate_name="", delegate_function="", comment="", attended_by="")
    )


def documents_uploaded_by(address: str) -> "QuerySet[ConferenceDocument]":
    return (
        ConferenceDocument.objects.filter(uploaded_by__email__iexact=address)
        .select_related("conference")
        .order_by("uploaded_at", "pk")
    )


def export_documents(address: str) -> list[dict[str, Any]]:
    return rows(
        documents_uploaded_by(address),
        "conference.title",
        "title",
        "original_name",
        "uploaded_at",
        "sha256",
    )


def erase_documents(address: str, alias: str) -> int:
    """A document stays with the conference; who uploaded it is the account, which the
    directory's eraser (authorities) pseudonymises afterwards. The file name the person chose
    goes if it names the address."""
    documents = list(documents_uploaded_by(address))
    for document in documents:
        if mentions(document.original_name, address):
            document.original_name = scrub(document.original_name, address)
            document.save(update_fields=["original_name"])
    return len(documents)


def purge_documents(now: datetime) -> int:
    """The documents of conferences past their retention period, with their files (deleted
    from the storage once the purge commits)."""
    expired = ConferenceDocument.objects.filter(
        conference__in=expired_conferences(now).values("pk")
    )
    files = [(d.file.storage, d.file.name) for d in expired if d.file.name]

    def delete_files() -> None:
        for storage, name in files:
            try:
                storage.delete(name)
            except OSError:
                logger.exception("could not delete the document file %s", name)

    deleted, _per_model = expired.delete()
    transaction.on_commit(delete_files)
    return deleted


def register() -> None:
    register_retention("conference_documents", purge_documents)
    register_provider(
        "conference_documents",
        label=_("Hochgeladene Konferenzunterlagen"),
        export=export_documents,
        erase=erase_documents,
    )
    register_provider(
        "calendar_replies",
        label=_("Antworten aus Kalenderprogrammen"),
        export=export_calendar_replies,
        erase=erase_calendar_replies,
    )
    register_retention("conference_mails", purge_conference_mails)
    register_retention("conference_answers", purge_answers)
    register_provider(
        "invitations",
        label=_("Einladungen und Antworten"),
        export=export_invitations,
        erase=erase_answers,
    )
