"""iCalendar files built with the icalendar library (RFC 5545/5546)."""

from django.conf import settings
from icalendar import Calendar, Event, vCalAddress, vText

from .models import Invitation


def invitation_ics(invitation: Invitation, *, method: str) -> str:
    conference = invitation.conference
    calendar = Calendar()
    calendar.add("prodid", "-//Polizei NRW//SiKo//DE")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", conference.ical_uid)
    event.add("sequence", conference.ical_sequence)
    event.add("summary", conference.title)
    event.add("dtstart", conference.start)
    event.add("dtend", conference.end)
    event.add("location", conference.place)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organiser = vCalAddress(f"mailto:{conference.organiser.email or settings.DEFAULT_FROM_EMAIL}")
    organiser.params["cn"] = vText(conference.organiser.get_full_name() or conference.host.short_name)
    event.add("organizer", organiser)
    attendee = vCalAddress(f"mailto:{invitation.recipient_email}")
    attendee.params["cn"] = vText(invitation.agency.name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("NEEDS-ACTION")
    attendee.params["rsvp"] = vText("TRUE")
    event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    return calendar.to_ical().decode()
