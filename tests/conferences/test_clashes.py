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


# The warning on the conference form, while the dates are chosen (issue 15) ---------------------


def _form_value(moment: Any) -> str:
    return f"{moment.astimezone():%Y-%m-%dT%H:%M}"


def test_choosing_a_date_on_the_new_form_warns_of_partners_of_the_area(kpb_a_user, essen_user):
    other = _other(essen_user, "bpold-sankt-augustin")
    day = f"{other.start.astimezone():%d.%m.%Y}"
    client = client_for(kpb_a_user)

    form = client.get(reverse("conferences:conference_create")).content.decode()
    html = client.get(
        reverse("conferences:new_conference_clashes"), {"start": _form_value(other.start)}
    ).content.decode()

    assert 'hx-get="/konferenzen/neu/termine/"' in form
    assert 'id="date-clashes" class="mb-3" aria-live="polite"' in form
    assert "Terminüberschneidungen bei Partnern Ihres Bereichs" in html
    assert f"Am {day} plant auch das Polizeipräsidium Essen eine Konferenz mit: {BPOLD}." in (
        " ".join(re.sub(r"<[^>]+>", "", html).split())
    )
    assert "Geheimer Titel der anderen" not in html


def test_a_free_day_or_unfinished_dates_show_no_warning(kpb_a_user, essen_user):
    other = _other(essen_user, "bpold-sankt-augustin")
    client = client_for(kpb_a_user)
    url = reverse("conferences:new_conference_clashes")

    free = client.get(url, {"start": _form_value(other.start + timedelta(days=1))})
    half_typed = client.get(url, {"start": "2026-13-", "end": "kaputt"})

    assert "Keine Terminüberschneidung mit Konferenzen anderer Behörden bekannt." in (
        free.content.decode()
    )
    assert half_typed.status_code == 200
    assert half_typed.content.decode().strip() == ""


def test_the_edit_form_checks_the_invited_partners_of_the_new_dates(kpb_a_user, essen_user):
    mine = _mine(kpb_a_user)
    other = _other(essen_user, "bpoli-dortmund", days_ahead=30)
    _other(essen_user, "sta-essen", days_ahead=40)  # not invited by mine: no clash
    client = client_for(kpb_a_user)
    url = reverse("conferences:conference_clashes", args=[mine.pk])

    moved = client.get(
        url,
        {"start": _form_value(other.start), "end": _form_value(other.start + timedelta(hours=2))},
    ).content.decode()
    elsewhere = client.get(
        url, {"start": _form_value(other.start + timedelta(days=10))}
    ).content.decode()

    assert _warning(moved) == [
        f"Am {other.start.astimezone():%d.%m.%Y} plant auch das Polizeipräsidium Essen eine "
        f"Konferenz mit: {BPOLI}."
    ]
    assert "Terminüberschneidungen" not in elsewhere


def test_the_edit_form_shows_the_saved_dates_warning_without_javascript(kpb_a_user, essen_user):
    mine = _mine(kpb_a_user)
    _other(essen_user, "bpold-sankt-augustin")

    html = (
        client_for(kpb_a_user)
        .get(reverse("conferences:conference_update", args=[mine.pk]))
        .content.decode()
    )

    assert _warning(html) == [
        f"Am {mine.start.astimezone():%d.%m.%Y} plant auch das Polizeipräsidium Essen eine "
        f"Konferenz mit: {BPOLD}."
    ]


def test_another_authoritys_conference_cannot_be_checked(kpb_a_user, kpb_b_user):
    theirs = make_conference(kpb_b_user, days_ahead=20)

    response = client_for(kpb_a_user).get(
        reverse("conferences:conference_clashes", args=[theirs.pk]),
        {"start": _form_value(theirs.start)},
    )

    assert response.status_code == 404


def test_the_record_form_of_a_past_conference_keeps_its_fields_and_checks_no_dates(kpb_a_user):
    html = client_for(kpb_a_user).get(reverse("conferences:conference_record")).content.decode()

    start_input = re.search(r'<input[^>]*name="start"[^>]*>', html)
    assert start_input is not None
    assert "hx-get" not in start_input.group(0)
    for label in ("Behandelte Pflichtthemen", "Eingeladene Partnerbehörden", "Davon anwesend"):
        assert label in html
