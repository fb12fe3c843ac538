"""iCalendar files built with the icalendar library (RFC 5545 objects, RFC 5546 methods).

An invitation carries METHOD:REQUEST (updates too, with a higher SEQUENCE), a cancellation
METHOD:CANCEL; subscription feeds are METHOD:PUBLISH. Every file names the conference by its
stable UID and carries a VTIMEZONE for Europe/Berlin, so that Outlook and Thunderbird show the
local time the organiser planned. Descriptions hold agenda titles and a link, nothing
confidential: calendar entries end up on phones and in shared mailboxes.
"""

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import (
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vDuration,
    vText,
)

from conferences.enums import ConferenceStatus, InvitationState
from conferences.models import Conference, Invitation

PRODID = "-//Polizei NRW//SiKo Sicherheitskonferenzen//DE"
TZID = "Europe/Berlin"
BERLIN = ZoneInfo(TZID)

REQUEST = "REQUEST"
CANCEL = "CANCEL"
PUBLISH = "PUBLISH"

# Keyed by the enums; looked up with the models' plain strings (equal to their members).
PARTSTAT: dict[str, str] = {
    InvitationState.ACCEPTED: "ACCEPTED",
    InvitationState.TENTATIVE: "TENTATIVE",
    InvitationState.DECLINED: "DECLINED",
    InvitationState.DELEGATED: "DELEGATED",
}

EVENT_STATUS: dict[str, str] = {
    ConferenceStatus.DRAFT: "TENTATIVE",
    ConferenceStatus.SCHEDULED: "CONFIRMED",
    ConferenceStatus.HELD: "CONFIRMED",
    ConferenceStatus.CANCELLED: "CANCELLED",
}


def berlin_timezone() -> Timezone:
    """The VTIMEZONE of Europe/Berlin as yearly rules (the EU rules in force since 1996).

    Timezone.from_tzid() writes one RDATE per transition; Outlook misreads such definitions
    and shifts summer dates by an hour. Outlook and Thunderbird themselves write this form.
    """
    vtimezone = Timezone()
    vtimezone.add("tzid", TZID)
    vtimezone.add("x-lic-location", TZID)
    daylight = TimezoneDaylight()
    daylight.add("tzname", "CEST")
    daylight.add("tzoffsetfrom", timedelta(hours=1))
    daylight.add("tzoffsetto", timedelta(hours=2))
    daylight.add("dtstart", datetime(1970, 3, 29, 2, 0, 0))  # noqa: DTZ001 - local by definition
    daylight.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
    standard = TimezoneStandard()
    standard.add("tzname", "CET")
    standard.add("tzoffsetfrom", timedelta(hours=2))
    standard.add("tzoffsetto", timedelta(hours=1))
    standard.add("dtstart", datetime(1970, 10, 25, 3, 0, 0))  # noqa: DTZ001
    standard.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
    vtimezone.add_component(daylight)
    vtimezone.add_component(standard)
    return vtimezone


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add_component(berlin_timezone())
    return calendar


def _organiser(conference: Conference) -> vCalAddress:
    """The ORGANIZER: SiKo's reply mailbox when one is set (SIKO_REPLY_MAILBOX), so that the
    answers calendar programs send reach SiKo (conferences.calendar_replies); otherwise the
    organising staff member. The name is the staff member's either way."""
    user = conference.organiser
    mailbox = settings.SIKO_REPLY_MAILBOX or user.email or _default_sender()
    address = vCalAddress(f"mailto:{mailbox}")
    name = user.get_full_name() or user.username
    address.params["cn"] = vText(f"{name} ({conference.host.short_name})")
    return address


def _default_sender() -> str:
    from email.utils import parseaddr

    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def _description(conference: Conference, link_label: str, link: str) -> str:
    lines = [conference.host.official_name, ""]
    items = list(conference.agenda_items.all())
    if items:
        lines.append(_("Tagesordnung:"))
        lines.extend(f"{item.order}. {item.title}" for item in items)
        lines.append("")
    if conference.status == ConferenceStatus.CANCELLED:
        lines.append(_("Die Konferenz wurde abgesagt."))
    elif link:
        lines.append(f"{link_label}: {link}")
    return "\n".join(lines).strip()


def invitation_uid(invitation: Invitation) -> str:
    """The UID of an invitation's meeting request.

    A direct invitation carries the conference's UID, the same as the subscription feeds, so a
    partner's calendar keeps one entry per conference. An invitation routed through a
    Bezirksregierung (R2: a Schulamt's) has a UID of its own, derived from the invitation: one
    Bezirksregierung forwards the invitations of several Schulämter to the same conference, and
    under one UID its calendar would keep a single entry with a single answer link. With their
    own UIDs (and each Schulamt's name in the summary) the requests stay apart, each with its
    own link; updates and cancellations of that invitation reuse its UID. The Bezirksregierung's
    feed never lists forwarded invitations (feeds.agency_feed_invitations), so nothing shows twice.
    """
    conference = invitation.conference
    if invitation.routed_via_id is None:
        return conference.ical_uid
    return f"einladung-{invitation.pk}-{conference.ical_uid}"


def invitation_summary(invitation: Invitation) -> str:
    """The calendar entry's title: the conference's, for a forwarded invitation with the name of
    the Schulamt it is meant for (see invitation_uid)."""
    title = invitation.conference.title
    if invitation.routed_via_id is None:
        return title
    with translation.override("de"):
        return _("%(title)s – für %(agency)s") % {"title": title, "agency": invitation.agency.name}


def _event(
    conference: Conference,
    *,
    status: str,
    description: str,
    link: str,
    uid: str = "",
    summary: str = "",
) -> Event:
    """The VEVENT of a conference; `uid` and `summary` default to the conference's."""
    event = Event()
    event.add("uid", uid or conference.ical_uid)
    event.add("sequence", conference.ical_sequence)
    event.add("dtstamp", timezone.now())
    event.add("last-modified", conference.updated)
    event.add("dtstart", conference.start.astimezone(BERLIN))
    event.add("dtend", conference.end.astimezone(BERLIN))
    event.add("summary", summary or conference.title)
    event.add("location", conference.place)
    event.add("description", description)
    if link:
        event.add("url", link)
    event.add("status", status)
    event.add("transp", "OPAQUE")
    event.add("organizer", _organiser(conference))
    return event


#: The VEVENT properties in which the invitations of one conference differ (the routed ones also
#: in UID and SUMMARY); InvitationCalendar serializes every other line once.
_PER_INVITATION = frozenset({"UID", "DTSTAMP", "SUMMARY", "DESCRIPTION", "URL", "ATTENDEE"})


class InvitationCalendar:
    """The meeting requests (or cancellations) of one conference, for many invitations: what they
    share (the calendar's head, the VTIMEZONE, the event's time, place, organiser and status) is
    built and serialized once; per invitation only its own lines are (UID, DTSTAMP, SUMMARY,
    DESCRIPTION with the link, URL, ATTENDEE). The text is byte for byte what one Calendar of
    the same properties serializes to (icalendar orders the lines by name, not by value).

    Built from the conference as it is now: a builder makes one per chunk it reads."""

    def __init__(self, conference: Conference, *, method: str) -> None:
        if method not in (REQUEST, CANCEL):
            raise ValueError(f"Unsupported iTIP method for an invitation: {method}")
        self.conference = conference
        self.method = method
        with translation.override("de"):
            self._link_label = _("Ihre Antwort (persönlicher Link)")
        # Every property present (placeholders for the per-invitation ones), so that the
        # template knows each line's place.
        calendar = _calendar(method)
        event = _event(
            conference,
            status="CANCELLED" if method == CANCEL else "CONFIRMED",
            description="-",
            link="-",
            uid="-",
            summary="-",
        )
        event.add("attendee", vCalAddress("mailto:-"), encode=False)
        calendar.add_component(event)
        #: Serialized lines, or the name of a per-invitation property in its place.
        self._template: list[bytes | str] = []
        component = ""
        for name, value in calendar.property_items(sorted=True):
            if name == "BEGIN":
                component = value.decode() if isinstance(value, bytes) else str(value)
            elif name == "END":
                component = ""
            if component == "VEVENT" and name in _PER_INVITATION:
                if name not in self._template:
                    self._template.append(name)
            else:
                self._template.append(calendar.content_line(name, value, sorted=True).to_ical())

    def ics(self, invitation: Invitation, *, link: str | None = None) -> str:
        """The file for one invitation of the conference; `link` is its answer link when the
        caller has it already (a REQUEST names it, a CANCEL not)."""
        from conferences.links import answer_url

        if self.method == CANCEL:
            link = ""
        elif link is None:
            link = answer_url(invitation)
        with translation.override("de"):
            description = _description(self.conference, self._link_label, link)
        own = Event()
        own.add("uid", invitation_uid(invitation))
        own.add("dtstamp", timezone.now())
        own.add("summary", invitation_summary(invitation))
        own.add("description", description)
        if link:
            own.add("url", link)
        email = invitation.recipient_email
        if email:
            attendee = vCalAddress(f"mailto:{email}")
            attendee.params["cn"] = vText(invitation.agency.name)
            attendee.params["cutype"] = vText("GROUP")
            attendee.params["role"] = vText("REQ-PARTICIPANT")
            attendee.params["partstat"] = vText(PARTSTAT.get(invitation.state, "NEEDS-ACTION"))
            attendee.params["rsvp"] = vText("TRUE")
            own.add("attendee", attendee, encode=False)
        lines: dict[str, list[bytes]] = {}
        for name, value in own.property_items(recursive=False, sorted=True):
            if name not in ("BEGIN", "END"):
                lines.setdefault(name, []).append(own.content_line(name, value).to_ical())
        parts: list[bytes] = []
        for line in self._template:
            if isinstance(line, str):
                parts.extend(lines.get(line, ()))
            else:
                parts.append(line)
        return (b"\r\n".join(parts) + b"\r\n").decode()


def invitation_ics(invitation: Invitation, *, method: str) -> str:
    """The meeting request (or cancellation) for one invited agency, as text."""
    return InvitationCalendar(invitation.conference, method=method).ics(invitation)


def conference_feed_ics(
    conferences: Iterable[Conference],
    *,
    name: str = "SiKo",
    link_for: Callable[[Conference], str] | None = None,
) -> str:
    """A subscription calendar (METHOD:PUBLISH): one event per conference, same UID as in the
    invitations, cancelled conferences stay in with STATUS:CANCELLED so clients remove them."""
    calendar = _calendar(PUBLISH)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", TZID)
    calendar.add(
        "refresh-interval", vDuration(timedelta(hours=1)), parameters={"VALUE": "DURATION"}
    )
    calendar.add("x-published-ttl", vDuration(timedelta(hours=1)))
    with translation.override("de"):
        for conference in conferences:
            cancelled = conference.status == ConferenceStatus.CANCELLED
            link = link_for(conference) if link_for and not cancelled else ""
            description = _description(conference, _("Details"), link)
            calendar.add_component(
                _event(
                    conference,
                    status=EVENT_STATUS[conference.status],
                    description=description,
                    link=link,
                )
            )
    return calendar.to_ical().decode()
