"""The date-clash warning (R3): another authority's scheduled conference on the same day that
invites the same partners. It names that authority and the day, never a title or a draft."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from authorities.models import PartnerAgency
from conferences import selectors, services
from conferences.enums import ConferenceStatus
from conferences.models import Conference
from siko.organisations import OrganisationKind
from tests.conftest import client_for, make_user
from tests.factories.conferences import make_conference

pytestmark = pytest.mark.django_db

BPOLD = "Bundespolizeidirektion Sankt Augustin"
BPOLI = "Bundespolizeiinspektion Dortmund"


def _invite(conference: Conference, by: Any, *slugs: str) -> None:
    services.add_invitations(
        conference, agencies=list(PartnerAgency.objects.filter(slug__in=slugs)), by=by
    )


def _other(
    user: Any, *slugs: str, status: str = ConferenceStatus.SCHEDULED, days_ahead: int = 20
) -> Conference:
    conference = make_conference(user, days_ahead=days_ahead, title="Geheimer Titel der anderen")
    _invite(conference, user, *slugs)
    Conference.objects.filter(pk=conference.pk).update(status=status)
    return conference


def _mine(kpb_a_user: Any) -> Conference:
    conference = make_conference(kpb_a_user, days_ahead=20)
    _invite(conference, kpb_a_user, "bpold-sankt-augustin", "bpoli-dortmund", "sta-dortmund")
    return conference


def _warning(html: str) -> list[str]:
    """The lines of the clash warning as a reader sees them."""
    match = re.search(
        r"Terminüberschneidungen bei Eingeladenen</h2><ul[^>]*>(.*?)</ul>", html, re.S
    )
    if not match:
        return []
    return [
        " ".join(re.sub(r"<[^>]+>", "", li).split())
        for li in re.findall(r"<li>(.*?)</li>", match.group(1), re.S)
    ]


@pytest.fixture
def essen_user(db: None) -> Any:
    return make_user("kpb-essen", OrganisationKind.KPB, authority="pp-essen")


def test_clash_names_the_authority_and_day_of_its_scheduled_conference(kpb_a_user, essen_user):
    mine = _mine(kpb_a_user)
    _other(essen_user, "bpold-sankt-augustin", "bpoli-dortmund")
    day = f"{mine.start.astimezone():%d.%m.%Y}"
    client = client_for(kpb_a_user)

    for url in (mine.get_absolute_url(), reverse("conferences:invitations", args=[mine.pk])):
        html = client.get(url).content.decode()

        assert _warning(html) == [
            f"Am {day} plant auch das Polizeipräsidium Essen eine Konferenz mit: {BPOLD}, {BPOLI}."
        ], url
        assert "Geheimer Titel der anderen" not in html


def test_several_authorities_on_one_day_make_one_grouped_line(kpb_a_user, kpb_b_user, essen_user):
    mine = _mine(kpb_a_user)
    _other(essen_user, "bpold-sankt-augustin", "bpoli-dortmund")
    _other(kpb_b_user, "bpold-sankt-augustin")
    day = f"{mine.start.astimezone():%d.%m.%Y}"

    html = client_for(kpb_a_user).get(mine.get_absolute_url()).content.decode()

    assert _warning(html) == [
        f"Am {day} planen auch andere Behörden eine Konferenz: die Kreispolizeibehörde Borken "
        f"mit {BPOLD}; das Polizeipräsidium Essen mit {BPOLD}, {BPOLI}."
    ]


@pytest.mark.parametrize(
    "status", [ConferenceStatus.DRAFT, ConferenceStatus.CANCELLED, ConferenceStatus.HELD]
)
def test_only_scheduled_conferences_of_others_count(kpb_a_user, essen_user, status):
    mine = _mine(kpb_a_user)
    _other(essen_user, "bpold-sankt-augustin", status=status)

    html = client_for(kpb_a_user).get(mine.get_absolute_url()).content.decode()

    assert selectors.clashes(mine) == []
    assert "Terminüberschneidungen" not in html
    assert "Polizeipräsidium Essen" not in html


def test_nothing_is_shown_on_a_cancelled_conference(kpb_a_user, essen_user):
    mine = _mine(kpb_a_user)
    _other(essen_user, "bpold-sankt-augustin")
    services.cancel_conference(mine, reason="Unwetter", by=kpb_a_user)

    html = client_for(kpb_a_user).get(mine.get_absolute_url()).content.decode()

    assert selectors.clashes(Conference.objects.get(pk=mine.pk)) == []
    assert "Terminüberschneidungen" not in html


def test_another_day_another_partner_or_the_own_authority_is_no_clash(kpb_a_user, essen_user):
    mine = _mine(kpb_a_user)
    _other(essen_user, "bpold-sankt-augustin", days_ahead=21)  # the next day
    _other(essen_user, "sta-essen")  # same day, no shared partner
    _other(kpb_a_user, "bpold-sankt-augustin")  # the own authority's other conference

    assert selectors.clashes(mine) == []


def test_a_conference_over_two_days_has_a_line_per_clash_day(kpb_a_user, essen_user, kpb_b_user):
    mine = make_conference(kpb_a_user, days_ahead=20)
    mine = services.update_conference(
        mine, data={"end": mine.start + timedelta(days=1)}, by=kpb_a_user
    )
    _invite(mine, kpb_a_user, "bpold-sankt-augustin")
    _other(essen_user, "bpold-sankt-augustin")
    second = make_conference(kpb_b_user, days_ahead=21, title="Geheimer Titel der anderen")
    _invite(second, kpb_b_user, "bpold-sankt-augustin")
    Conference.objects.filter(pk=second.pk).update(status=ConferenceStatus.SCHEDULED)
    first_day = mine.start.astimezone().date()

    found = [(c.day, [h.named for h in c.hosts]) for c in selectors.clashes(mine)]

    assert found == [
        (first_day, ["das Polizeipräsidium Essen"]),
        (first_day + timedelta(days=1), ["die Kreispolizeibehörde Borken"]),
    ]
