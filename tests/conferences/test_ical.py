"""The iCalendar files that Outlook and Thunderbird import as meetings (RFC 5545/5546)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject
from django.utils import timezone
from icalendar import Calendar

from authorities.models import PartnerAgency
from conferences import services
from conferences.documents.ical import berlin_timezone, invitation_ics
from conferences.enums import AnswerChannel, InvitationState
from conferences.links import answer_url
from conferences.models import Invitation
from notifications.enums import MailKind
from notifications.models import OutgoingMail
from tests.factories.conferences import add_head, invite_schulaemter, make_conference

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def _local(month: int, day: int, hour: int) -> datetime:
    return datetime(timezone.now().year + 1, month, day, hour, 0, tzinfo=BERLIN)


@pytest.fixture
def scheduled(organiser):
    """A summer conference of KPB A, sent to the prosecutors of Dortmund."""
    start = _local(7, 1, 10)
    conference = make_conference(organiser, start=start, end=start + timedelta(hours=3))
    sta = add_head(
        "sta-dortmund", "Erika Beispiel", function="LOStA", email="erika.beispiel@example.org"
    )
    services.add_invitations(conference, agencies=[sta], by=organiser)
    services.send_invitations(conference, by=organiser)
    return conference


def _event(ics: str):
    return Calendar.from_ical(ics).walk("VEVENT")[0]


def _mail_calendar(kind: str) -> Calendar:
    return Calendar.from_ical(OutgoingMail.objects.get(kind=kind).ics)


def test_invitation_ics_is_a_request_with_stable_uid_and_sequence_zero(scheduled):
    calendar = _mail_calendar(MailKind.INVITATION)
    event = calendar.walk("VEVENT")[0]

    assert calendar["METHOD"] == "REQUEST"
    assert calendar["VERSION"] == "2.0"
    assert str(event["UID"]) == scheduled.ical_uid
    assert event["SEQUENCE"] == 0
    assert str(event["SUMMARY"]) == "Sicherheitskonferenz 2027"
    assert str(event["LOCATION"]) == "Polizeipräsidium, Saal 1"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "DTSTAMP" in event


def test_invitation_ics_names_the_organising_staff_member(scheduled):
    organizer = _event(OutgoingMail.objects.get(kind=MailKind.INVITATION).ics)["ORGANIZER"]

    assert str(organizer) == "mailto:kpb-a@example.org"
    assert organizer.params["CN"] == "Petra Planer (Polizeipräsidium Dortmund)"


def test_invitation_ics_attendee_needs_action_with_rsvp(scheduled):
    attendee = _event(OutgoingMail.objects.get(kind=MailKind.INVITATION).ics)["ATTENDEE"]

    assert str(attendee) == "mailto:erika.beispiel@example.org"
    assert attendee.params["CN"] == "Staatsanwaltschaft Dortmund"
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    assert attendee.params["RSVP"] == "TRUE"
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT"


@pytest.mark.parametrize(
    ("state", "partstat"),
    [
        (InvitationState.ACCEPTED, "ACCEPTED"),
        (InvitationState.TENTATIVE, "TENTATIVE"),
        (InvitationState.DECLINED, "DECLINED"),
        (InvitationState.DELEGATED, "DELEGATED"),
    ],
)
def test_attendee_partstat_follows_the_answer(scheduled, state, partstat):
    invitation = scheduled.invitations.get()
    services.record_answer(
        invitation,
        state=state,
        via=AnswerChannel.LINK,
        delegate_name="Max Vertreter",
        delegate_function="OStA",
    )

    ics = invitation_ics(Invitation.objects.get(pk=invitation.pk), method="REQUEST")

    assert _event(ics)["ATTENDEE"].params["PARTSTAT"] == partstat


def test_invitation_ics_has_berlin_vtimezone_and_local_start(scheduled):
    ics = OutgoingMail.objects.get(kind=MailKind.INVITATION).ics
    calendar = Calendar.from_ical(ics)
    event = calendar.walk("VEVENT")[0]

    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert f"DTSTART;TZID=Europe/Berlin:{timezone.now().year + 1}0701T100000" in ics
    assert event.decoded("DTSTART") == _local(7, 1, 10)
    assert event.decoded("DTEND") == _local(7, 1, 13)


def test_winter_conference_keeps_its_local_time(organiser):
    start = _local(1, 20, 9)
    conference = make_conference(organiser, start=start, end=start + timedelta(hours=2))
    sta = PartnerAgency.objects.get(slug="sta-dortmund")
    invitation = Invitation.objects.create(conference=conference, agency=sta)

    ics = invitation_ics(invitation, method="REQUEST")

    assert f"DTSTART;TZID=Europe/Berlin:{timezone.now().year + 1}0120T090000" in ics
    assert _event(ics).decoded("DTSTART").utcoffset() == timedelta(hours=1)


def test_berlin_vtimezone_agrees_with_the_tz_database():
    vtimezone = Calendar.from_ical(berlin_timezone().to_ical()).to_tz()
    moments = [
        datetime(year, month, day, hour)  # noqa: DTZ001 - local wall times
        for year in range(2024, 2036)
        for month, day in ((3, 31), (10, 27), (7, 1), (1, 5))
        for hour in (1, 2, 3, 12)
    ]

    wrong = [
        m
        for m in moments
        if vtimezone.utcoffset(m) != BERLIN.utcoffset(m)
        and BERLIN.utcoffset(m) == BERLIN.utcoffset(m.replace(fold=1))
    ]

    assert wrong == []


def test_description_holds_agenda_titles_and_answer_link_only(scheduled):
    invitation = scheduled.invitations.get()
    item = scheduled.agenda_items.first()
    item.notes = "VS-NfD: Ermittlungsstand Clan X"
    item.save()

    description = str(_event(invitation_ics(invitation, method="REQUEST"))["DESCRIPTION"])

    assert "1. Sicherheitslage (Einsatz-, Kriminalitäts- und Verkehrsunfalllage)" in description
    assert answer_url(invitation) in description
    assert "Ermittlungsstand" not in description


def test_update_keeps_uid_and_increments_sequence(scheduled, organiser):
    later = scheduled.start + timedelta(days=7)
    services.update_conference(
        scheduled,
        data={"start": later, "end": later + timedelta(hours=3)},
        by=organiser,
        confirmed=True,
    )

    first = _mail_calendar(MailKind.INVITATION).walk("VEVENT")[0]
    update = _mail_calendar(MailKind.UPDATE)
    event = update.walk("VEVENT")[0]

    assert update["METHOD"] == "REQUEST"
    assert str(event["UID"]) == str(first["UID"]) == scheduled.ical_uid
    assert event["SEQUENCE"] == first["SEQUENCE"] + 1 == 1
    assert event.decoded("DTSTART") == _local(7, 8, 10)


def test_cancellation_is_method_cancel_with_status_cancelled(scheduled, organiser):
    services.cancel_conference(scheduled, reason="Unwetterwarnung", by=organiser)

    cancel = _mail_calendar(MailKind.CANCELLATION)
    event = cancel.walk("VEVENT")[0]

    assert cancel["METHOD"] == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == scheduled.ical_uid
    assert event["SEQUENCE"] == 1
    assert str(event["ATTENDEE"]) == "mailto:erika.beispiel@example.org"


def test_schulamt_attendee_is_reached_through_its_bezirksregierung(organiser):
    conference = make_conference(organiser)
    [schulamt] = invite_schulaemter(conference, organiser)

    attendee = _event(invitation_ics(conference.invitations.get(), method="REQUEST"))["ATTENDEE"]

    assert str(attendee) == "mailto:dez48@example.org"
    assert attendee.params["CN"] == schulamt.name


def test_two_schulaemter_through_one_bezirksregierung_stay_apart_in_its_calendar(organiser):
    """Issue 12: the Bezirksregierung forwards two Schulämter's invitations to one conference.
    Each request has its own UID, names its Schulamt and carries its own answer link, read by a
    second parser (vobject) as a calendar would; updates and cancellations keep those UIDs."""
    conference = make_conference(organiser)
    schulaemter = invite_schulaemter(conference, organiser, count=2)
    services.send_invitations(conference, by=organiser)
    services.cancel_conference(conference, reason="Unwetterwarnung", by=organiser)

    day = timezone.localtime(conference.start).strftime("%d.%m.%Y")
    requests = {}
    for schulamt in schulaemter:
        invitation = conference.invitations.get(agency=schulamt)
        mail = OutgoingMail.objects.get(kind=MailKind.INVITATION, invitation=invitation)
        assert mail.to == "dez48@example.org"
        assert mail.subject == f"Einladung: {conference.title} am {day} – für {schulamt.name}"
        event = vobject.readOne(mail.ics).vevent
        assert event.summary.value == f"{conference.title} – für {schulamt.name}"
        assert event.url.value == answer_url(invitation)
        assert answer_url(invitation) in event.description.value
        requests[event.uid.value] = invitation
        cancel = OutgoingMail.objects.get(kind=MailKind.CANCELLATION, invitation=invitation)
        assert schulamt.name in cancel.subject
        assert vobject.readOne(cancel.ics).vevent.uid.value == event.uid.value
    assert len(requests) == 2 and conference.ical_uid not in requests
    assert len({answer_url(invitation) for invitation in requests.values()}) == 2
    assert len({m.subject for m in OutgoingMail.objects.filter(kind=MailKind.INVITATION)}) == 2
