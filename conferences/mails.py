"""Composes the German mails of the invitation workflow (subject, text, HTML, iCalendar)."""

from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string

from .models import Invitation


@dataclass(frozen=True)
class ComposedMail:
    subject: str
    text: str
    html: str = ""
    ics: str = ""
    ics_method: str = ""


def _render(name: str, context: dict[str, Any]) -> tuple[str, str, str]:
    subject = render_to_string(f"conferences/email/{name}_subject.txt", context).strip()
    text = render_to_string(f"conferences/email/{name}.txt", context)
    html = render_to_string(f"conferences/email/{name}.html", context)
    return " ".join(subject.split()), text, html


def _context(invitation: Invitation, **extra: Any) -> dict[str, Any]:
    from .links import answer_url

    conference = invitation.conference
    return {
        "invitation": invitation,
        "conference": conference,
        "agenda": list(conference.agenda_items.all()),
        "answer_url": answer_url(invitation),
        **extra,
    }


def compose_invitation(invitation: Invitation) -> ComposedMail:
    from .ical import invitation_ics

    subject, text, html = _render("invitation", _context(invitation))
    return ComposedMail(subject, text, html, invitation_ics(invitation, method="REQUEST"), "REQUEST")


def compose_update(invitation: Invitation, changes: list[tuple[str, Any, Any]]) -> ComposedMail:
    from .ical import invitation_ics

    subject, text, html = _render("update", _context(invitation, changes=changes))
    return ComposedMail(subject, text, html, invitation_ics(invitation, method="REQUEST"), "REQUEST")


def compose_cancellation(invitation: Invitation) -> ComposedMail:
    from .ical import invitation_ics

    subject, text, html = _render("cancellation", _context(invitation))
    return ComposedMail(subject, text, html, invitation_ics(invitation, method="CANCEL"), "CANCEL")


def compose_reminder(invitation: Invitation) -> ComposedMail:
    subject, text, html = _render("reminder", _context(invitation))
    return ComposedMail(subject, text, html)
