"""Composes the German mails of the invitation workflow (subject, text, HTML, iCalendar).

Partner agencies get German mails whatever language the organiser's browser uses, with times
in Europe/Berlin. A mail carries date, place, agenda titles and a personal link; never
confidential content such as notes or minutes.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from django.db.models import Field
from django.utils import translation
from django.utils.translation import gettext_lazy

from authorities.models import letter_greeting
from conferences.enums import ConferenceKind, DocumentVisibility
from conferences.models import Conference, ConferenceDocument, Invitation
from notifications.compose import ComposedMail, render_parts
from siko.formats import german_date, german_datetime, german_span

if TYPE_CHECKING:
    from conferences.documents.ical import InvitationCalendar

#: The conference mails' templates: <FOLDER>/<name>_subject.txt, <name>.txt, <name>.html.
FOLDER = "conferences/email"
#: What a mail to an invitee reads besides the invitation (select_related): the conference with
#: its host and organiser, the agency, and the addressee (its contact or the routing agency).
INVITATION_MAIL_RELATED = (
    "conference",
    "conference__host",
    "conference__organiser",
    "agency",
    "contact",
    "routed_via",
)


@dataclass(frozen=True)
class ChangeLine:
    """One plain change for people: "Beginn: Dienstag, 2. März 2027, 10:00 Uhr → …"."""

    label: str
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.label}: {self.before} → {self.after}"


class Change(Protocol):
    """A changed conference field (services.ConferenceChange)."""

    field: str
    before: Any  # the field's value: a datetime, a text, a choice
    after: Any


#: A change as an object or as a (field, before, after) tuple.
ChangeLike = Change | tuple[str, Any, Any]


def when(conference: Conference) -> str:
    """The conference's time span in one line (siko.formats.german_span)."""
    return german_span(conference.start, conference.end)


def _display(field: str, value: Any) -> str:
    if isinstance(value, datetime):
        return german_datetime(value)
    if field == "kind" and value in ConferenceKind.values:
        return str(ConferenceKind(value).label)
    return str(value) if value not in (None, "") else "–"


def describe_changes(changes: Iterable[ChangeLike]) -> list[ChangeLine]:
    """Plain German lines for changed conference fields.

    Accepts (field, before, after) tuples or objects with field/before/after attributes (the
    services' ConferenceChange); labels are the fields' German names.
    """
    lines = []
    with translation.override("de"):
        for change in changes:
            if isinstance(change, tuple):
                field, before, after = change
            else:
                field, before, after = change.field, change.before, change.after
            try:
                model_field = Conference._meta.get_field(field)
                # A relation from another model has no verbose_name; it keeps its name too.
                label = str(model_field.verbose_name) if isinstance(model_field, Field) else field
            except Exception:  # noqa: BLE001 - an unknown field keeps its name
                label = field
            lines.append(ChangeLine(label, _display(field, before), _display(field, after)))
    return lines


def _organiser(conference: Conference) -> dict[str, str]:
    user = conference.organiser
    return {
        "name": user.get_full_name() or user.username,
        "function": getattr(user, "function", "") or "",
        "email": user.email or "",
    }


def conference_context(conference: Conference, **extra: Any) -> dict[str, Any]:
    """What every conference mail names: the conference, its time, the organiser (signature)
    and the host authority."""
    return {
        "conference": conference,
        "when": when(conference),
        "organiser": _organiser(conference),
        "host_name": conference.host.official_name,
        **extra,
    }


def greeting(invitation: Invitation) -> str:
    """The first line of a mail or letter to the invitee, without the comma: the named contact
    ('Sehr geehrte Frau Muster'), or 'Sehr geehrte Damen und Herren' when the invitation goes
    through a Bezirksregierung or names nobody with a salutation."""
    if invitation.routed_via_id or invitation.contact is None:
        return letter_greeting("", "")
    return invitation.contact.greeting


def _context(invitation: Invitation, **extra: Any) -> dict[str, Any]:
    from conferences.links import answer_url

    conference = invitation.conference
    return conference_context(
        conference,
        invitation=invitation,
        greeting=greeting(invitation),
        agency=invitation.agency,
        routed_via=invitation.routed_via,
        agenda=list(conference.agenda_items.all()),
        answer_url=answer_url(invitation),
        date_long=german_date(conference.start),
        is_siko_ap=conference.kind == ConferenceKind.SIKO_AP,
        **extra,
    )


def reply_to(conference: Conference) -> str:
    """Reply-To of every conference mail to partners: the organising staff member, so that an
    answer by mail reaches a person (also while the calendar's ORGANIZER is SiKo's reply
    mailbox, SIKO_REPLY_MAILBOX)."""
    return conference.organiser.email or ""


def compose_to_partner(name: str, context: dict[str, Any], conference: Conference) -> ComposedMail:
    """A conference mail to a partner agency without a calendar (reminder, answer confirmation,
    minutes): German, Berlin time, Reply-To the organising staff member."""
    subject, text, html = render_parts(name, context, folder=FOLDER)
    return ComposedMail(subject, text, html, reply_to=reply_to(conference))


def _calendar_mail(
    invitation: Invitation,
    name: str,
    context: dict[str, Any],
    method: str,
    *,
    calendar: "InvitationCalendar | None" = None,
    link: str | None = None,
) -> ComposedMail:
    """A mail with the invitation's calendar; `calendar` is the conference's when the caller
    builds many (what the invitations share is serialized once), `link` the answer link when
    the caller has it already."""
    from conferences.documents.ical import InvitationCalendar

    if calendar is None:
        calendar = InvitationCalendar(invitation.conference, method=method)
    subject, text, html = render_parts(name, context, folder=FOLDER)
    return ComposedMail(
        subject,
        text,
        html,
        calendar.ics(invitation, link=link),
        method,
        reply_to=reply_to(invitation.conference),
    )


#: What the send preview shows instead of the partner's answer link: the organiser reads the
#: mail as it will go out but cannot answer for the partner by accident (issue 15).
PREVIEW_ANSWER_LINK = gettext_lazy("[persönlicher Antwort-Link der Partnerbehörde]")


def partner_document_titles(conference: Conference) -> list[str]:
    """The titles of the documents the invited agencies download through their answer link
    (the invitation and the update mails name them; the files are never attached)."""
    # The base manager: mails are also composed by workers and sweeps outside any scope; the
    # conference narrows the rows.
    return list(
        ConferenceDocument._base_manager.filter(
            conference=conference, visibility=DocumentVisibility.PARTNERS
        )
        .order_by("uploaded_at", "pk")
        .values_list("title", flat=True)
    )


def compose_invitation(
    invitation: Invitation,
    *,
    preview: bool = False,
    documents: list[str] | None = None,
    calendar: "InvitationCalendar | None" = None,
) -> ComposedMail:
    """The invitation with calendar. A builder of many invitations of one conference passes
    what they share, read and built once: `documents`, the conference's partner document
    titles, and `calendar`, its InvitationCalendar(method="REQUEST")."""
    if documents is None:
        documents = partner_document_titles(invitation.conference)
    context = _context(invitation, documents=documents)
    link = context["answer_url"]
    if preview:
        context["answer_url"] = str(PREVIEW_ANSWER_LINK)
    return _calendar_mail(
        invitation, "invitation", context, "REQUEST", calendar=calendar, link=link
    )


def compose_update(
    invitation: Invitation, changes: Iterable[ChangeLike], *, agenda_extended: bool = False
) -> ComposedMail:
    """The update after a change of date, time or place, or after items were added to the
    agenda (`agenda_extended`, named in the subject): says plainly what changed."""
    context = _context(
        invitation,
        changes=describe_changes(changes),
        agenda_extended=agenda_extended,
        documents=partner_document_titles(invitation.conference),
    )
    return _calendar_mail(invitation, "update", context, "REQUEST")


def compose_cancellation(invitation: Invitation) -> ComposedMail:
    return _calendar_mail(invitation, "cancellation", _context(invitation), "CANCEL")


def compose_document_announcement(invitation: Invitation, document: Any) -> ComposedMail:
    """„Neue Unterlage zur Konferenz“: names the document (a ConferenceDocument) and the answer
    link it is downloaded through; the file itself is never attached."""
    context = _context(invitation, document_title=document.title)
    return compose_to_partner("document_announced", context, invitation.conference)


def compose_reminder(invitation: Invitation) -> ComposedMail:
    return compose_to_partner("reminder", _context(invitation), invitation.conference)


def compose_answer_confirmation(invitation: Invitation) -> ComposedMail:
    """The confirmation after an answer or its change (as pretix confirms an order): the answer
    as recorded and the link to change it until the conference starts."""
    context = _context(
        invitation,
        answer=invitation.get_state_display(),
        channel=invitation.get_answered_via_display() if invitation.answered_via else "",
        answered_at=german_datetime(invitation.answered_at) if invitation.answered_at else "",
    )
    return compose_to_partner("answer_confirmation", context, invitation.conference)
