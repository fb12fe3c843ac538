"""States at a glance (issue 15): a badge with its own word and colour for each conference and
invitation state on every list; "nach Anlass" categories as a notice; the category × state
table without all-zero columns."""

import re
from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from authorities.models import PartnerAgency
from conferences import services
from conferences.enums import AnswerChannel, InvitationState
from conferences.templatetags.conference_ui import state_badge
from tests.conftest import client_for
from tests.factories.conferences import make_conference, make_recorded_conference

pytestmark = pytest.mark.django_db


def badges(html: str) -> list[str]:
    return re.findall(r'<span class="badge state state-([a-z]+-[a-z]+)">([^<]+)</span>', html)


@pytest.fixture
def invited(kpb_a_user):
    """A draft of Dortmund with the prosecutor (answered: accepted) and the city (sent)."""
    conference = make_conference(kpb_a_user)
    agencies = list(PartnerAgency.objects.filter(slug__in=["sta-dortmund", "kommune-dortmund"]))
    services.add_invitations(conference, agencies=agencies, by=kpb_a_user)
    conference.invitations.update(state=InvitationState.SENT)
    services.record_answer(
        conference.invitations.get(agency__slug="sta-dortmund"),
        state=InvitationState.ACCEPTED,
        via=AnswerChannel.PHONE,
    )
    return conference


def test_every_state_has_its_own_word():
    from conferences.models import Conference, Invitation

    words = {
        state_badge(Conference(status=status))
        for status in ("draft", "scheduled", "held", "cancelled")
    } | {state_badge(Invitation(state=state)) for state in InvitationState.values}

    assert len(words) == 10
    assert state_badge(Invitation(state="tentative")) == (
        '<span class="badge state state-invitation-tentative">vorläufig</span>'
    )


def test_conference_list_shows_the_status_as_badge(lzpd_user, kpb_a_user):
    tz = timezone.get_default_timezone()
    make_recorded_conference(
        "pp-dortmund", datetime(2025, 3, 5, 10, tzinfo=tz), organiser=kpb_a_user
    )
    make_recorded_conference(
        "pp-dortmund", datetime(2025, 4, 5, 10, tzinfo=tz), organiser=kpb_a_user, status="cancelled"
    )

    html = client_for(lzpd_user).get(reverse("conferences:conference_list")).content.decode()

    assert badges(html) == [
        ("conference-cancelled", "abgesagt"),
        ("conference-held", "durchgeführt"),
    ]


def test_conference_page_shows_invitation_badges_and_only_states_in_use(kpb_a_user, invited):
    html = client_for(kpb_a_user).get(invited.get_absolute_url()).content.decode()

    assert ("conference-draft", "Entwurf") in badges(html)
    assert sorted(b for b in badges(html) if b[0].startswith("invitation")) == [
        ("invitation-accepted", "zugesagt"),
        ("invitation-sent", "offen"),
    ]
    table = html.split("<caption>Antworten je Kategorie", 1)[1].split("</thead>", 1)[0]
    columns = re.findall(r'<th scope="col" class="text-end">([^<]+)</th>', table)
    assert columns == ["versendet – keine Antwort", "Zusage", "gesamt"]


def test_occasional_category_missing_is_a_notice_not_a_gap(kpb_a_user):
    conference = make_conference(kpb_a_user)

    html = (
        client_for(kpb_a_user)
        .get(reverse("conferences:invitations", args=[conference.pk]))
        .content.decode()
    )

    legends = re.findall(r'<legend class="h6">(.*?)</legend>', html, flags=re.S)
    [prosecutors] = [legend for legend in legends if legend.startswith("Staatsanwaltschaft")]
    [police] = [legend for legend in legends if "Bundespolizei" in legend]
    assert "badge-notice" in prosecutors
    assert "nach Anlass, kein Verstoß" in prosecutors
    assert '<span class="badge badge-gap">noch niemand eingeladen</span>' in police
