"""Answers from calendar programs (iMIP, RFC 6047): the REPLY or COUNTER a partner's Outlook or
Thunderbird sends to the ORGANIZER of a meeting request, which is SiKo's reply mailbox
(SIKO_REPLY_MAILBOX, documents.ical).

`process_message` reads one message: it finds the text/calendar part, matches it by UID and by
the ATTENDEE address of the invitation (the From address must be that attendee too) and
records the answer with the channel "Kalender" through services.record_answer. Every message
is stored once by its Message-ID (CalendarReply); a second delivery changes nothing. A message
that matches nothing, or whose addresses disagree, or that comes when answers are closed, is
stored "nicht zugeordnet" with the German reason and never changes an answer.

An answer given later (through the personal link, by phone) is newer than the calendar reply and
stays: a reply whose DTSTAMP (or Date header) is older than the invitation's answer is kept as
"älter" without changing it.

`poll_mailbox` reads the mailbox over IMAP (imap-tools) and moves each message to a folder
(processed or not assigned), never deleting one.
"""

import email
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.policy import default as default_policy
from email.utils import parseaddr, parsedate_to_datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from icalendar import Calendar

from conferences import services
from conferences.enums import AnswerChannel, CalendarReplyOutcome
from conferences.mails import FOLDER, conference_context
from conferences.models import CalendarReply, Conference, Invitation
from notifications import queue as delivery
from notifications.compose import compose
from notifications.enums import MailKind
from siko.formats import german_datetime

logger = logging.getLogger(__name__)

#: PARTSTAT of a REPLY → the invitation's state (InvitationState values).
ANSWERS = {
    "ACCEPTED": "accepted",
    "TENTATIVE": "tentative",
    "DECLINED": "declined",
    "DELEGATED": "delegated",
}
REPLY = "REPLY"
COUNTER = "COUNTER"
#: The prefix of a routed invitation's own UID (documents.ical.invitation_uid).
ROUTED_UID_PREFIX = "einladung-"


@dataclass
class ParsedReply:
    """What a message says, before it is matched."""

    message_id: str
    sender: str
    subject: str
    sent_at: datetime | None
    method: str = ""
    uid: str = ""
    attendee: str = ""
    attendee_name: str = ""
    partstat: str = ""
    delegated_to: str = ""
    delegate_name: str = ""
    comment: str = ""
    proposed: dict[str, datetime] = field(default_factory=dict)


def _address(value: Any) -> str:
    """A calendar address (mailto:…) as a plain, lower-case e-mail address."""
    text = str(value or "").strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return unquote(text).strip().lower()


def _aware(value: Any) -> datetime | None:
    value = getattr(value, "dt", value)
    if not isinstance(value, datetime):
        return None
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


def _calendar_part(message: Message) -> str:
    """The iCalendar text of the message: the text/calendar alternative (RFC 6047), or an
    attached .ics file for clients that only attach it."""
    found = ""
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type in ("text/calendar", "application/ics"):
            payload = part.get_payload(decode=True)
            if not isinstance(payload, bytes):
                continue
            charset = part.get_content_charset() or "utf-8"
            text = payload.decode(charset, errors="replace")
            if content_type == "text/calendar":
                return text
            found = found or text
    return found


def _message_id(message: Message, raw: bytes) -> str:
    message_id = str(message.get("Message-ID", "")).strip()
    # A message without one is known by its content (the same bytes: the same message).
    return message_id or f"sha256:{hashlib.sha256(raw).hexdigest()}"


def _sent_at(message: Message) -> datetime | None:
    try:
        date = parsedate_to_datetime(str(message.get("Date", "")))
    except (TypeError, ValueError):
        return None
    return _aware(date)


def parse_message(raw: bytes) -> ParsedReply:
    """The reply that `raw` (a complete RFC 5322 message) carries; empty fields where it has
    none (the matching gives the reason)."""
    message = email.message_from_bytes(raw, policy=default_policy)
    parsed = ParsedReply(
        message_id=_message_id(message, raw)[:500],
        sender=parseaddr(str(message.get("From", "")))[1].lower(),
        subject=str(message.get("Subject", ""))[:300],
        sent_at=_sent_at(message),
    )
    text = _calendar_part(message)
    if text:
        try:
            _read_calendar(parsed, text)
        except Exception:  # noqa: BLE001 - a broken calendar is "not assigned", never a crash
            logger.warning("calendar reply %s: unreadable calendar", parsed.message_id)
            parsed.method = ""
    return parsed


def _read_calendar(parsed: ParsedReply, text: str) -> None:
    calendar = Calendar.from_ical(text)
    parsed.method = str(calendar.get("method", "")).upper()
    events = calendar.walk("VEVENT")
    if not events:
        return
    event = events[0]
    parsed.uid = str(event.get("uid", ""))
    parsed.comment = str(event.get("comment", ""))
    parsed.sent_at = _aware(event.get("dtstamp")) or parsed.sent_at
    attendees = event.get("attendee", [])
    attendees = attendees if isinstance(attendees, list) else [attendees]
    replying = [a for a in attendees if not a.params.get("DELEGATED-FROM")]
    if replying:
        attendee = replying[0]
        parsed.attendee = _address(attendee)
        parsed.attendee_name = str(attendee.params.get("CN", ""))
        parsed.partstat = str(attendee.params.get("PARTSTAT", "")).upper()
        delegated_to = attendee.params.get("DELEGATED-TO", "")
        if isinstance(delegated_to, list):
            delegated_to = delegated_to[0] if delegated_to else ""
        parsed.delegated_to = _address(delegated_to)
    for delegate in attendees:
        if parsed.delegated_to and _address(delegate) == parsed.delegated_to:
            parsed.delegate_name = str(delegate.params.get("CN", ""))
    if parsed.method == COUNTER:
        for name in ("dtstart", "dtend"):
            moment = _aware(event.get(name))
            if moment:
                parsed.proposed[name] = moment


def _candidates(uid: str) -> list[Invitation]:
    """The invitations whose meeting request carried `uid`: a conference's own UID (direct
    invitations) or a routed invitation's (einladung-<pk>-<conference UID>)."""
    related = Invitation._base_manager.select_related(
        "conference", "conference__organiser", "conference__host", "agency", "contact", "routed_via"
    ).prefetch_related("routed_via__contacts")
    if uid.startswith(ROUTED_UID_PREFIX):
        pk, _sep, conference_uid = uid[len(ROUTED_UID_PREFIX) :].partition("-")
        if pk.isdigit():
            return list(
                related.filter(
                    pk=int(pk),
                    conference__ical_uid=conference_uid,
                    routed_via__isnull=False,
                )
            )
    return list(related.filter(conference__ical_uid=uid, routed_via__isnull=True))


@dataclass
class _Match:
    conference: Conference | None = None
    invitation: Invitation | None = None
    reason: str = ""


def _match(reply: ParsedReply) -> _Match:
    if reply.method not in (REPLY, COUNTER) or not reply.uid:
        return _Match(reason=_("Die Nachricht enthält keine Kalenderantwort (METHOD:REPLY)."))
    candidates = _candidates(reply.uid)
    if not candidates:
        return _Match(reason=_("Zu dieser Kalenderkennung (UID) gibt es keine Einladung."))
    conference = candidates[0].conference
    invitation = next((i for i in candidates if i.recipient_email.lower() == reply.attendee), None)
    if invitation is None:
        return _Match(
            conference=conference,
            reason=_("%(attendee)s ist zu dieser Konferenz nicht eingeladen.")
            % {"attendee": reply.attendee or _("Der Teilnehmer")},
        )
    if reply.sender != reply.attendee:
        return _Match(
            conference=conference,
            invitation=invitation,
            reason=_(
                "Der Absender %(sender)s ist nicht die eingeladene Adresse %(attendee)s; die "
                "Antwort wurde nicht übernommen."
            )
            % {"sender": reply.sender or "–", "attendee": reply.attendee},
        )
    closed = services.answer_closed_reason(conference)
    if closed:
        return _Match(conference=conference, invitation=invitation, reason=closed)
    if reply.method == REPLY and reply.partstat not in ANSWERS:
        return _Match(
            conference=conference,
            invitation=invitation,
            reason=_("Unbekannter Teilnahmestatus „%(partstat)s“.")
            % {"partstat": reply.partstat or "–"},
        )
    return _Match(conference=conference, invitation=invitation)


def _record(reply: ParsedReply, invitation: Invitation) -> tuple[CalendarReplyOutcome, str]:
    """Records the answer unless a newer one is there; returns outcome and reason."""
    if (
        invitation.is_answered
        and invitation.answered_at is not None
        and reply.sent_at is not None
        and invitation.answered_at >= reply.sent_at
    ):
        return CalendarReplyOutcome.OLDER, _(
            "Die Antwort vom %(answered)s (%(via)s) ist neuer und bleibt bestehen."
        ) % {
            "answered": german_datetime(invitation.answered_at),
            "via": invitation.get_answered_via_display(),
        }
    state = ANSWERS[reply.partstat]
    delegate_name = delegate_function = ""
    if state == "delegated":
        delegate_name = reply.delegate_name or reply.delegated_to or _("nicht genannt")
        delegate_function = _("laut Kalenderantwort: %(address)s") % {
            "address": reply.delegated_to or "–"
        }
    services.record_answer(
        invitation,
        state=state,
        via=AnswerChannel.CALENDAR,
        comment=reply.comment,
        delegate_name=delegate_name,
        delegate_function=delegate_function,
        answered_at=reply.sent_at,
    )
    return CalendarReplyOutcome.RECORDED, ""


def _tell_organiser(reply: ParsedReply, invitation: Invitation, stored: CalendarReply) -> None:
    """A COUNTER (a proposed new time) is the organiser's to decide: one mail to them."""
    conference = invitation.conference
    proposed = {name: german_datetime(moment) for name, moment in reply.proposed.items()}
    with override("de"):
        composed = compose(
            "calendar_counter",
            conference_context(
                conference, agency=invitation.agency, proposed=proposed, comment=reply.comment
            ),
            folder=FOLDER,
        )
    delivery.queue_mail(
        kind=MailKind.NOTICE,
        dedup_key=f"calendar-counter:{stored.pk}",
        conference=conference,
        to=conference.organiser.email,
        composed=composed,
    )


def process_message(raw: bytes) -> CalendarReply:
    """Reads one message from the reply mailbox, once: a Message-ID already stored returns its
    row and changes nothing."""
    reply = parse_message(raw)
    known = CalendarReply.objects.filter(message_id=reply.message_id).first()
    if known is not None:
        return known
    try:
        with transaction.atomic():
            return _store(reply)
    except IntegrityError:
        # Another worker stored the same message meanwhile.
        return CalendarReply.objects.get(message_id=reply.message_id)


def _store(reply: ParsedReply) -> CalendarReply:
    match = _match(reply)
    outcome, reason = CalendarReplyOutcome.UNMATCHED, match.reason
    invitation = match.invitation
    if not reason and invitation is not None:
        if reply.method == COUNTER:
            outcome = CalendarReplyOutcome.COUNTER
        else:
            outcome, reason = _record(reply, invitation)
    stored = CalendarReply.objects.create(
        message_id=reply.message_id,
        sender=reply.sender[:320],
        subject=reply.subject,
        sent_at=reply.sent_at,
        method=reply.method[:20],
        uid=reply.uid[:300],
        attendee=reply.attendee[:320],
        partstat=reply.partstat[:20],
        conference=match.conference,
        invitation=invitation,
        outcome=outcome,
        reason=reason,
    )
    if outcome == CalendarReplyOutcome.COUNTER and invitation is not None:
        _tell_organiser(reply, invitation, stored)
    logger.info(
        "calendar reply %s: %s",
        stored.pk,
        outcome,
        extra={"calendar_reply_id": stored.pk, "outcome": str(outcome)},
    )
    return stored


@dataclass(frozen=True)
class MailboxAddress:
    """SIKO_REPLY_IMAP_URL taken apart: imaps://user:password@host:993/INBOX (TLS),
    imap+starttls://… (STARTTLS) or imap://… (no encryption: only for a server on the same
    host, such as the tests' Dovecot)."""

    scheme: str
    host: str
    port: int
    user: str
    password: str
    folder: str

    @classmethod
    def from_url(cls, url: str) -> "MailboxAddress":
        parts = urlsplit(url)
        default_ports = {"imaps": 993, "imap": 143, "imap+starttls": 143}
        if parts.scheme not in default_ports or not parts.hostname:
            raise ValueError(
                _(
                    "SIKO_REPLY_IMAP_URL ist keine IMAP-Adresse (imaps://benutzer:passwort@host/INBOX)."
                )
            )
        return cls(
            scheme=parts.scheme,
            host=parts.hostname,
            port=parts.port or default_ports[parts.scheme],
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            folder=unquote(parts.path.lstrip("/")) or "INBOX",
        )


def _connect(address: MailboxAddress) -> Any:
    from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted

    if address.scheme == "imaps":
        return MailBox(address.host, address.port)
    if address.scheme == "imap+starttls":
        return MailBoxStartTls(address.host, address.port)
    return MailBoxUnencrypted(address.host, address.port)


@dataclass
class PollResult:
    processed: int = 0
    unmatched: int = 0


def poll_mailbox(url: str = "", *, limit: int = 200) -> PollResult:
    """Reads up to `limit` messages of the reply mailbox's folder, processes each once and
    moves it to SIKO_REPLY_FOLDER_DONE or SIKO_REPLY_FOLDER_UNMATCHED (created when missing).
    Nothing is deleted; a message whose move failed is recognised by its Message-ID next time."""
    address = MailboxAddress.from_url(url or settings.SIKO_REPLY_IMAP_URL)
    result = PollResult()
    with _connect(address).login(address.user, address.password, address.folder) as mailbox:
        delimiter = next(iter(mailbox.folder.list(address.folder)), None)
        separator = delimiter.delim if delimiter is not None and delimiter.delim else "/"
        done = settings.SIKO_REPLY_FOLDER_DONE.replace("/", separator)
        unmatched = settings.SIKO_REPLY_FOLDER_UNMATCHED.replace("/", separator)
        for folder in (done, unmatched):
            if not mailbox.folder.exists(folder):
                mailbox.folder.create(folder)
        for message in mailbox.fetch(limit=limit, mark_seen=False, bulk=True):
            stored = process_message(message.obj.as_bytes())
            is_unmatched = stored.outcome == CalendarReplyOutcome.UNMATCHED
            mailbox.move(message.uid, unmatched if is_unmatched else done)
            result.processed += 1
            result.unmatched += int(is_unmatched)
    return result


def unmatched_replies() -> "QuerySet[CalendarReply]":
    """The "nicht zugeordnet" list, newest first. Scoped: the staff of a conference's
    authorities see its replies, the LZPD and administrators also those naming no conference."""
    return CalendarReply.objects.filter(outcome=CalendarReplyOutcome.UNMATCHED).select_related(
        "conference", "invitation__agency"
    )
