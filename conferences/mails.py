"""Composes the German mails of the invitation workflow (subject, text, HTML, iCalendar).

Partner agencies get German mails whatever language the organiser's browser uses, with times
in Europe/Berlin. A mail carries date, place, agenda titles and a personal link; never
confidential content such as notes or minutes.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import dateformat, timezone, translation

from .enums import ConferenceKind
from .models import Conference, Invitation, OutgoingMail

BERLIN = ZoneInfo("Europe/Berlin")
ICS_FILENAMES = {"REQUEST": "einladung.ics", "CANCEL": "absage.ics"}


@dataclass(frozen=True)
class ComposedMail:
    subject: str
    text: str
    html: str = ""
    ics: str = ""
    ics_method: str = ""


@dataclass(frozen=True)
class ChangeLine:
    """One plain change for people: "Beginn: Dienstag, 2. März 2027, 10:00 Uhr → …"."""

    label: str
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.label}: {self.before} → {self.after}"


def german_date(value: datetime) -> str:
    """'Dienstag, 2. März 2027' in Berlin time."""
    with translation.override("de"):
        return dateformat.format(timezone.localtime(value, BERLIN), "l, j. F Y")


def german_time(value: datetime) -> str:
    return dateformat.format(timezone.localtime(value, BERLIN), "H:i")


def german_datetime(value: datetime) -> str:
    """'Dienstag, 2. März 2027, 10:00 Uhr' in Berlin time."""
    return f"{german_date(value)}, {german_time(value)} Uhr"


def when(conference: Conference) -> str:
    """The time span in one line: the same day once, several days each with its date."""
    start = timezone.localtime(conference.start, BERLIN)
    end = timezone.localtime(conference.end, BERLIN)
    if start.date() == end.date():
        return f"{german_date(start)}, {german_time(start)} bis {german_time(end)} Uhr"
    return f"{german_datetime(start)} bis {german_datetime(end)}"


def _display(field: str, value: Any) -> str:
    if isinstance(value, datetime):
        return german_datetime(value)
    if field == "kind" and value in ConferenceKind.values:
        return str(ConferenceKind(value).label)
    return str(value) if value not in (None, "") else "–"


def describe_changes(changes: Iterable[Any]) -> list[ChangeLine]:
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
                label = str(Conference._meta.get_field(field).verbose_name)
            except Exception:  # noqa: BLE001 - an unknown field keeps its name
                label = field
            lines.append(ChangeLine(label, _display(field, before), _display(field, after)))
    return lines


def _render(name: str, context: dict[str, Any], folder: str = "conferences/email",
            ) -> tuple[str, str, str]:
    with translation.override("de"), timezone.override(BERLIN):
        # A subject is plain text: every *_subject.txt turns autoescape off itself (Django's
        # password reset renders its subject too); newlines are folded into one line below.
        subject = render_to_string(f"{folder}/{name}_subject.txt", context).strip()
        text = render_to_string(f"{folder}/{name}.txt", context)
        html = render_to_string(f"{folder}/{name}.html", context)
    return " ".join(subject.split()), _tidy(text), html


def _tidy(text: str) -> str:
    """Template tags leave blank runs; a plain-text mail keeps at most one empty line."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy) + "\n"


def compose(name: str, context: dict[str, Any], *,
            folder: str = "conferences/email") -> ComposedMail:
    """A mail without a calendar from the templates <folder>/<name>… (German, Berlin time)."""
    return ComposedMail(*_render(name, context, folder))


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


def _context(invitation: Invitation, **extra: Any) -> dict[str, Any]:
    from .links import answer_url

    conference = invitation.conference
    return conference_context(
        conference,
        invitation=invitation,
        agency=invitation.agency,
        routed_via=invitation.routed_via,
        agenda=list(conference.agenda_items.all()),
        answer_url=answer_url(invitation),
        date_long=german_date(conference.start),
        is_siko_ap=conference.kind == ConferenceKind.SIKO_AP,
        **extra,
    )


def compose_invitation(invitation: Invitation) -> ComposedMail:
    from .ical import invitation_ics

    subject, text, html = _render("invitation", _context(invitation))
    return ComposedMail(
        subject, text, html, invitation_ics(invitation, method="REQUEST"), "REQUEST"
    )


def compose_update(invitation: Invitation, changes: Iterable[Any]) -> ComposedMail:
    """The update after a change of date, time or place: says plainly what changed."""
    from .ical import invitation_ics

    context = _context(invitation, changes=describe_changes(changes))
    subject, text, html = _render("update", context)
    return ComposedMail(
        subject, text, html, invitation_ics(invitation, method="REQUEST"), "REQUEST"
    )


def compose_cancellation(invitation: Invitation) -> ComposedMail:
    from .ical import invitation_ics

    subject, text, html = _render("cancellation", _context(invitation))
    return ComposedMail(subject, text, html, invitation_ics(invitation, method="CANCEL"), "CANCEL")


def compose_reminder(invitation: Invitation) -> ComposedMail:
    return compose("reminder", _context(invitation))


def attach_calendar(message: EmailMultiAlternatives, ics: str, method: str) -> None:
    """The calendar as Outlook and Thunderbird expect a meeting: a text/calendar alternative
    with the iTIP method in its Content-Type, plus the same file as an attachment for clients
    that only look at attachments."""
    message.attach_alternative(ics, f"text/calendar; method={method}")
    message.attach(ICS_FILENAMES.get(method, "termin.ics"), ics.encode(), "application/ics")


def build_message(mail: OutgoingMail, *, from_email: str | None = None) -> EmailMultiAlternatives:
    """The complete message of an outbox row: text, HTML, calendar."""
    message = EmailMultiAlternatives(
        mail.subject,
        mail.body_text,
        from_email=from_email,
        to=[mail.to],
        reply_to=[mail.reply_to] if mail.reply_to else None,
        headers={"Message-ID": mail.message_id},
    )
    if mail.body_html:
        message.attach_alternative(mail.body_html, "text/html")
    if mail.ics:
        attach_calendar(message, mail.ics, mail.ics_method or "REQUEST")
    return message
