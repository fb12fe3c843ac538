"""Mails from templates: a subject, a plain text and an HTML part, German and in Berlin time.

Domain apps keep their templates in their own folder and pass it; the outbox builds the message
of a stored row with build_message.
"""

import secrets
from dataclasses import dataclass
from email.header import Header
from email.message import Message
from email.utils import parseaddr
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import SafeMIMEMultipart, SafeMIMEText
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from notifications.models import OutgoingMail

BERLIN = ZoneInfo("Europe/Berlin")
ICS_FILENAMES = {"REQUEST": "einladung.ics", "CANCEL": "absage.ics"}


@dataclass(frozen=True)
class ComposedMail:
    subject: str
    text: str
    html: str = ""
    ics: str = ""
    ics_method: str = ""
    #: Where answers by mail go when it is not the sender (the organiser, while the calendar's
    #: ORGANIZER is the reply mailbox).
    reply_to: str = ""


def render_parts(name: str, context: dict[str, Any], *, folder: str) -> tuple[str, str, str]:
    with translation.override("de"), timezone.override(BERLIN):
        # A subject is plain text: every *_subject.txt turns autoescape off itself (Django's
        # password reset renders its subject too); newlines are folded into one line below.
        subject = render_to_string(f"{folder}/{name}_subject.txt", context).strip()
        footer = {"privacy_url": settings.SITE_URL + reverse("privacy")}
        text = "\n".join(
            (
                render_to_string(f"{folder}/{name}.txt", context),
                render_to_string("notifications/email/footer.txt", footer),
            )
        )
        html = with_footer(
            render_to_string(f"{folder}/{name}.html", context),
            render_to_string("notifications/email/footer.html", footer),
        )
    return " ".join(subject.split()), tidy_text(text), html


def with_footer(html: str, footer: str) -> str:
    """Every mail ends with the link to the privacy notice (Art. 13 DSGVO)."""
    end = html.rfind("</body>")
    return html[:end] + footer + html[end:] if end >= 0 else html + footer


def tidy_text(text: str) -> str:
    """Template tags leave blank runs; a plain-text mail keeps at most one empty line."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy) + "\n"


def compose(name: str, context: dict[str, Any], *, folder: str) -> ComposedMail:
    """A mail without a calendar from the templates <folder>/<name>… (German, Berlin time)."""
    return ComposedMail(*render_parts(name, context, folder=folder))


def attach_calendar(message: EmailMultiAlternatives, ics: str, method: str) -> None:
    """The calendar as Outlook and Thunderbird expect a meeting: a text/calendar alternative
    with the iTIP method in its Content-Type, plus the same file as an attachment for clients
    that only look at attachments."""
    message.attach_alternative(ics, f"text/calendar; method={method}")
    message.attach(ICS_FILENAMES.get(method, "termin.ics"), ics.encode(), "application/ics")


@lru_cache(maxsize=256)
def encoded_subject(subject: str) -> str:
    """The Subject header of a subject with umlauts as RFC 2047 encoded words on one line (what
    Django would write, unfolded; a reader joins the words back to the subject). Pure and
    cached: encoding costs the stdlib a quadratic search per header, while the mails of a
    fan-out share their subject."""
    try:
        subject.encode("ascii")
    except UnicodeEncodeError:
        return " ".join(Header(subject, "utf-8").encode().split("\n "))
    return subject


class OutboxMessage(EmailMultiAlternatives):
    """A mail of the outbox: its Subject header is encoded once per distinct subject
    (encoded_subject; `subject` stays the text, as backends and tests read it), its boundaries
    are chosen without regular expressions (set_boundaries)."""

    def message(self) -> SafeMIMEMultipart | SafeMIMEText:
        subject = self.subject
        self.subject = encoded_subject(str(subject))
        try:
            message = super().message()
        finally:
            self.subject = subject
        set_boundaries(message)
        return message


def set_boundaries(message: Message) -> None:
    """Gives each multipart part a random boundary that no line of the message contains, checked
    by a substring search over the parts' headers and bodies (the generator would compile a
    regular expression for each boundary, which also pushes other patterns out of re's
    cache)."""
    texts = [
        text
        for part in message.walk()
        for text in (*map(str, part.values()), part.get_payload())
        if isinstance(text, str)
    ]
    for part in message.walk():
        if part.is_multipart() and part.get_boundary() is None:
            boundary = "=" * 15 + secrets.token_hex(16) + "=="
            if not any(boundary in text for text in texts):
                part.set_boundary(boundary)  # else (never seen) the generator picks one


def build_message(mail: OutgoingMail, *, from_email: str | None = None) -> EmailMultiAlternatives:
    """The complete message of an outbox row: text, HTML, calendar.

    A `from_email` with a display name goes into the From header as it is, while the message's
    from_email (the envelope sender, MAIL FROM) is its bare address: Django's SMTP backend would
    otherwise decode and encode the name again for each mail only to drop it."""
    headers = {"Message-ID": mail.message_id}
    address = parseaddr(from_email)[1] if from_email else ""
    if from_email and address and address != from_email:
        headers["From"] = from_email
        from_email = address
    message = OutboxMessage(
        mail.subject,
        mail.body_text,
        from_email=from_email,
        to=[mail.to],
        reply_to=[mail.reply_to] if mail.reply_to else None,
        headers=headers,
    )
    if mail.body_html:
        message.attach_alternative(mail.body_html, "text/html")
    if mail.ics:
        attach_calendar(message, mail.ics, mail.ics_method or "REQUEST")
    return message
