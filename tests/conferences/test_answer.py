"""The partner's answer through the signed link in the invitation mail."""

import uuid
from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from authorities.models import PartnerAgency
from conferences import services
from conferences.enums import AnswerChannel, InvitationState
from conferences.links import ANSWER_SALT, answer_token
from conferences.models import Conference, Invitation
from siko.models import AuditEntry
from tests.conftest import client_for
from tests.factories.conferences import add_head, invite_new_agencies, make_conference
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(kpb_a_user) -> Invitation:
    """An invitation of the Staatsanwaltschaft Dortmund, sent by KPB A (PP Dortmund)."""
    conference = make_conference(
        kpb_a_user, title="SiKo Dortmund Frühjahr", place="PP Dortmund, Saal 3"
    )
    agency = add_head(
        "sta-dortmund",
        "Erika Beispiel",
        function="Leitende OStA",
        email="erika.beispiel@example.org",
    )
    zoll = PartnerAgency.objects.get(slug="hza-dortmund")
    services.add_invitations(conference, agencies=[agency, zoll], by=kpb_a_user)
    services.send_invitations(conference, by=kpb_a_user)
    return Invitation.objects.get(conference=conference, agency=agency)


def _url(invitation: Invitation) -> str:
    return reverse("conferences:answer", kwargs={"token": answer_token(invitation)})


def _snapshot(invitation: Invitation) -> dict:
    return {
        "invitation": Invitation.objects.filter(pk=invitation.pk).values().get(),
        "audit": AuditEntry.objects.count(),
    }


def test_answer_page_shows_conference_agenda_and_invited_agencies(invitation):
    response = Client().get(_url(invitation))
    html = response.content.decode()

    assert response.status_code == 200
    assert "SiKo Dortmund Frühjahr" in html
    assert "PP Dortmund, Saal 3" in html
    assert "Polizeipräsidium Dortmund" in html
    assert "Sicherheitslage (Einsatz-, Kriminalitäts- und Verkehrsunfalllage)" in html
    assert "Staatsanwaltschaft Dortmund" in html
    assert "Hauptzollamt Dortmund" in html
    assert "Erika Beispiel" not in html  # agencies are listed, never persons


def test_answer_page_get_changes_nothing(invitation):
    before = _snapshot(invitation)

    Client().get(_url(invitation))
    Client().get(_url(invitation))

    assert _snapshot(invitation) == before


def test_answer_page_form_is_accessible(invitation):
    html = Client().get(_url(invitation)).content.decode()

    assert "<fieldset" in html
    assert "<legend" in html and "Ihre Antwort" in html
    assert 'for="id_state_0"' in html
    assert 'for="id_delegate_name"' in html
    assert 'for="id_delegate_function"' in html
    assert 'name="viewport" content="width=device-width' in html


@pytest.mark.parametrize(
    ("state", "label"),
    [("accepted", "Zusage"), ("tentative", "vorläufige Zusage"), ("declined", "Absage")],
)
def test_answer_by_link_is_saved_and_confirmed(invitation, state, label):
    client = Client()

    response = client.post(_url(invitation), {"state": state, "comment": "Bitte Parkplatz"})

    assert response.status_code == 302
    assert response.url == _url(invitation)
    page = client.get(response.url).content.decode()
    assert f"Ihre Antwort „{label}“ ist gespeichert" in page
    invitation.refresh_from_db()
    assert invitation.state == state
    assert invitation.answered_via == AnswerChannel.LINK
    assert invitation.comment == "Bitte Parkplatz"
    assert invitation.answered_at is not None


def test_answer_by_link_shows_on_the_organisers_page(invitation, kpb_a_user):
    Client().post(
        _url(invitation),
        {
            "state": "delegated",
            "delegate_name": "Max Muster",
            "delegate_function": "Oberstaatsanwalt",
        },
    )

    html = client_for(kpb_a_user).get(invitation.conference.get_absolute_url()).content.decode()

    assert "Vertretung benannt" in html
    assert "Max Muster (Oberstaatsanwalt)" in html


def test_answer_delegate_with_name_and_function_is_saved(invitation):
    Client().post(
        _url(invitation),
        {
            "state": "delegated",
            "delegate_name": "Max Muster",
            "delegate_function": "Oberstaatsanwalt",
        },
    )

    invitation.refresh_from_db()
    assert (invitation.state, invitation.delegate_name, invitation.delegate_function) == (
        InvitationState.DELEGATED,
        "Max Muster",
        "Oberstaatsanwalt",
    )


@pytest.mark.parametrize(
    "data",
    [
        {"state": "delegated", "delegate_function": "Oberstaatsanwalt"},
        {"state": "delegated", "delegate_name": "Max Muster"},
        {"state": "delegated", "delegate_name": "  ", "delegate_function": " "},
    ],
)
def test_answer_delegate_without_name_or_function_is_refused(invitation, data):
    before = _snapshot(invitation)

    response = Client().post(_url(invitation), data)

    assert response.status_code == 400
    assert "Bitte nennen Sie Name und Funktion der Vertretung." in response.content.decode()
    assert _snapshot(invitation) == before


@pytest.mark.parametrize("state", ["", "maybe", "sent"])
def test_answer_without_valid_choice_is_refused(invitation, state):
    before = _snapshot(invitation)

    response = Client().post(_url(invitation), {"state": state})

    assert response.status_code == 400
    assert "Bitte wählen Sie eine Antwort." in response.content.decode()
    assert _snapshot(invitation) == before


def test_answer_repeated_post_with_same_content_is_harmless(invitation):
    client = Client()
    client.post(_url(invitation), {"state": "accepted"})
    first = _snapshot(invitation)

    response = client.post(_url(invitation), {"state": "accepted"})

    assert response.status_code == 302
    assert _snapshot(invitation) == first


def test_answer_can_be_changed_before_the_start(invitation):
    client = Client()
    client.post(_url(invitation), {"state": "accepted"})

    client.post(_url(invitation), {"state": "declined", "comment": "Terminkollision"})

    invitation.refresh_from_db()
    assert invitation.state == InvitationState.DECLINED
    assert "Antwort ändern" in client.get(_url(invitation)).content.decode()


def _tampered_tokens(invitation: Invitation, other: Invitation) -> dict[str, str]:
    token = answer_token(invitation)
    last = "A" if token[-1] != "A" else "B"
    return {
        "one character changed": token[:-1] + last,
        "id changed": str(other.public_id) + token[token.index(":") :],
        "other salt": signing.Signer(salt="siko.other").sign(str(invitation.public_id)),
        "other invitation, other salt": signing.Signer(salt="siko.partner.overview").sign(
            str(other.public_id)
        ),
        "unknown id, right salt": signing.Signer(salt=ANSWER_SALT).sign(str(uuid.uuid4())),
        "no uuid, right salt": signing.Signer(salt=ANSWER_SALT).sign("1"),
        "random": "b7f3c1d2e9a84f6b",
    }


@pytest.mark.parametrize(
    "kind",
    [
        "one character changed",
        "id changed",
        "other salt",
        "other invitation, other salt",
        "unknown id, right salt",
        "no uuid, right salt",
        "random",
    ],
)
def test_answer_bad_token_is_404_and_changes_nothing(invitation, kind):
    other = Invitation.objects.exclude(pk=invitation.pk).get(conference=invitation.conference)
    token = _tampered_tokens(invitation, other)[kind]
    url = reverse("conferences:answer", kwargs={"token": token})
    before = (_snapshot(invitation), _snapshot(other))

    get = Client().get(url)
    post = Client().post(url, {"state": "declined"})

    assert get.status_code == 404
    assert post.status_code == 404
    assert "Dieser Link ist ungültig" in get.content.decode()
    assert "Dieser Link ist ungültig" in post.content.decode()
    assert (_snapshot(invitation), _snapshot(other)) == before


def _move_into_the_past(conference: Conference) -> None:
    now = timezone.now()
    Conference.objects.filter(pk=conference.pk).update(
        start=now - timedelta(hours=1), end=now + timedelta(hours=2)
    )


def test_answer_after_the_start_is_refused(invitation):
    _move_into_the_past(invitation.conference)
    before = _snapshot(invitation)

    page = Client().get(_url(invitation)).content.decode()
    response = Client().post(_url(invitation), {"state": "accepted"})

    assert "Die Konferenz hat bereits begonnen. Antworten sind nicht mehr möglich" in page
    assert 'name="state"' not in page
    assert response.status_code == 409
    assert "die Antwort kann nicht mehr geändert werden" in response.content.decode()
    assert _snapshot(invitation) == before


def test_answer_for_a_cancelled_conference_is_refused(invitation, kpb_a_user):
    services.cancel_conference(invitation.conference, reason="Dienstliche Gründe", by=kpb_a_user)
    before = _snapshot(invitation)

    page = Client().get(_url(invitation)).content.decode()
    response = Client().post(_url(invitation), {"state": "accepted"})

    assert "Die Konferenz wurde abgesagt." in page
    assert "Dienstliche Gründe" in page
    assert 'name="state"' not in page
    assert response.status_code == 409
    assert _snapshot(invitation) == before


def test_answer_link_works_for_a_logged_in_user_of_another_kpb(invitation, kpb_b_user):
    response = client_for(kpb_b_user).get(_url(invitation))

    assert response.status_code == 200
    assert "SiKo Dortmund Frühjahr" in response.content.decode()


def test_answer_page_queries_do_not_grow_with_invitations(kpb_a_user):
    conference = make_conference(kpb_a_user)
    invite_new_agencies(conference, kpb_a_user, 5)
    invitation = conference.invitations.first()

    queries = assert_constant_queries(
        Client(), _url(invitation), lambda: invite_new_agencies(conference, kpb_a_user, 195)
    )

    assert conference.invitations.count() == 200
    assert queries <= 10
