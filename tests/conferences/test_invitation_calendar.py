"""One InvitationCalendar per conference serves many invitations: what they share is serialized
once, each file still carries its own invitation's lines, in icalendar's own order and folding."""

from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from conferences import services
from conferences.documents.ical import InvitationCalendar, invitation_uid
from conferences.links import answer_url
from conferences.models import Invitation
from tests.factories.conferences import (
    add_head,
    invite_new_agencies,
    invite_schulaemter,
    make_conference,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitations(organiser):
    """A direct invitation with a named head, two routed through a Bezirksregierung and new
    agencies, of one conference."""
    start = timezone.now() + timedelta(days=40)
    conference = make_conference(organiser, start=start, end=start + timedelta(hours=3))
    sta = add_head(
        "sta-dortmund", "Erika Beispiel", function="LOStA", email="erika.beispiel@example.org"
    )
    services.add_invitations(conference, agencies=[sta], by=organiser)
    invite_schulaemter(conference, organiser, 2)
    invite_new_agencies(conference, organiser, 2)
    rows = list(
        Invitation._base_manager.filter(conference=conference)
        .select_related("conference__host", "conference__organiser", "agency", "contact")
        .select_related("routed_via")
        .order_by("pk")
    )
    assert any(i.routed_via_id for i in rows) and any(not i.routed_via_id for i in rows)
    return rows


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_a_shared_calendar_gives_each_invitation_its_own_file(invitations, method):
    shared = InvitationCalendar(invitations[0].conference, method=method)
    for invitation in invitations:
        ics = shared.ics(invitation)
        calendar = Calendar.from_ical(ics)
        # Byte for byte what icalendar writes for these properties.
        assert calendar.to_ical().decode() == ics
        assert str(calendar["METHOD"]) == method
        assert len(calendar.walk("VTIMEZONE")) == 1
        (event,) = calendar.walk("VEVENT")
        assert str(event["UID"]) == invitation_uid(invitation)
        assert str(event["LOCATION"]) == invitation.conference.place
        link = answer_url(invitation)
        if method == "REQUEST":
            assert str(event["URL"]) == link
            assert link in str(event["DESCRIPTION"])
        else:
            assert "URL" not in event and link not in ics
            assert str(event["STATUS"]) == "CANCELLED"
        attendees = event.get("ATTENDEE")
        if invitation.recipient_email:
            assert str(attendees) == f"mailto:{invitation.recipient_email}"
            assert attendees.params["CN"] == invitation.agency.name
        else:
            assert attendees is None
        if invitation.routed_via_id:
            assert invitation.agency.name in str(event["SUMMARY"])
        else:
            assert str(event["SUMMARY"]) == invitation.conference.title


def test_the_link_a_caller_has_already_is_used(invitations):
    invitation = invitations[0]
    shared = InvitationCalendar(invitation.conference, method="REQUEST")
    ics = shared.ics(invitation, link="https://siko.example/antwort/x/")
    assert (
        str(Calendar.from_ical(ics).walk("VEVENT")[0]["URL"]) == "https://siko.example/antwort/x/"
    )


def test_an_unknown_method_is_refused(invitations):
    with pytest.raises(ValueError, match="PUBLISH"):
        InvitationCalendar(invitations[0].conference, method="PUBLISH")
