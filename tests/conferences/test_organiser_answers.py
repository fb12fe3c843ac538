"""The organiser sees answers live, records answers by phone or letter, exports participants."""

import csv
import io
from datetime import timedelta

import pypdf
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from authorities.models import Contact, PartnerAgency
from conferences import services
from conferences.documents import exports
from conferences.enums import AnswerChannel, InvitationState
from conferences.links import answer_token
from conferences.models import Conference, Invitation
from tests.conftest import client_for
from tests.factories.conferences import invite_new_agencies, make_conference
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def conference(kpb_a_user) -> Conference:
    """PP Dortmund invites the Staatsanwaltschaft, the Landgericht and the Hauptzollamt."""
    conference = make_conference(kpb_a_user, title="SiKo Dortmund Herbst")
    agencies = PartnerAgency.objects.filter(
        slug__in=["sta-dortmund", "lg-dortmund", "hza-dortmund"]
    )
    for agency in agencies:
        Contact.objects.create(
            agency=agency,
            name=f"Leitung {agency.slug}",
            function="Leitung",
            email=f"{agency.slug}@example.org",
        )
    services.add_invitations(conference, agencies=agencies, by=kpb_a_user)
    services.send_invitations(conference, by=kpb_a_user)
    return conference


def _invitation(conference: Conference, slug: str) -> Invitation:
    return conference.invitations.get(agency__slug=slug)


def _record_url(invitation: Invitation) -> str:
    return reverse(
        "conferences:record_answer",
        kwargs={"pk": invitation.conference_id, "invitation_pk": invitation.pk},
    )


def test_record_phone_answer_is_marked_telefonisch(conference, kpb_a_user):
    invitation = _invitation(conference, "sta-dortmund")
    client = client_for(kpb_a_user)

    response = client.post(
        _record_url(invitation),
        {"state": "accepted", "via": "phone", "comment": "Anruf Geschäftsstelle"},
    )

    assert response.status_code == 302
    assert response.url == conference.get_absolute_url()
    invitation.refresh_from_db()
    assert (invitation.state, invitation.answered_via) == (
        InvitationState.ACCEPTED,
        AnswerChannel.PHONE,
    )
    page = client.get(conference.get_absolute_url()).content.decode()
    assert "Antwort von Staatsanwaltschaft Dortmund erfasst (telefonisch)." in page
    assert "telefonisch</span> erfasst" in page


def test_record_letter_answer_with_delegate(conference, kpb_a_user):
    invitation = _invitation(conference, "lg-dortmund")

    client_for(kpb_a_user).post(
        _record_url(invitation),
        {
            "state": "delegated",
            "via": "letter",
            "delegate_name": "Dr. Richter",
            "delegate_function": "Vizepräsident",
        },
    )

    invitation.refresh_from_db()
    assert (invitation.state, invitation.answered_via, invitation.delegate_name) == (
        InvitationState.DELEGATED,
        AnswerChannel.LETTER,
        "Dr. Richter",
    )


def test_record_delegate_without_name_is_refused(conference, kpb_a_user):
    invitation = _invitation(conference, "lg-dortmund")

    response = client_for(kpb_a_user).post(
        _record_url(invitation),
        {"state": "delegated", "via": "phone", "delegate_function": "Vizepräsident"},
    )

    assert response.status_code == 200
    assert "Bitte nennen Sie Name und Funktion der Vertretung." in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.SENT


def test_record_answer_cannot_claim_the_link_channel(conference, kpb_a_user):
    invitation = _invitation(conference, "lg-dortmund")

    response = client_for(kpb_a_user).post(
        _record_url(invitation), {"state": "accepted", "via": "link"}
    )

    assert response.status_code == 200
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.SENT


def test_record_answer_after_the_start_is_refused(conference, kpb_a_user):
    now = timezone.now()
    Conference.objects.filter(pk=conference.pk).update(
        start=now - timedelta(hours=1), end=now + timedelta(hours=1)
    )
    invitation = _invitation(conference, "lg-dortmund")
    client = client_for(kpb_a_user)

    page = client.get(_record_url(invitation)).content.decode()
    response = client.post(_record_url(invitation), {"state": "accepted", "via": "phone"})

    assert "Die Konferenz hat bereits begonnen" in page
    assert "Die Konferenz hat bereits begonnen" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.SENT


def test_record_answer_of_another_conference_is_404(conference, kpb_a_user):
    other = make_conference(kpb_a_user, title="Andere")
    invitation = _invitation(conference, "lg-dortmund")
    url = reverse(
        "conferences:record_answer", kwargs={"pk": other.pk, "invitation_pk": invitation.pk}
    )

    assert client_for(kpb_a_user).get(url).status_code == 404


def test_conference_page_counts_per_state_and_category(conference, kpb_a_user):
    services.record_answer(_invitation(conference, "sta-dortmund"), state="accepted", via="link")
    services.record_answer(_invitation(conference, "hza-dortmund"), state="declined", via="phone")
    summary = exports.answer_summary(conference)

    rows = {
        row.label: dict(zip([s.value for s in summary.states], row.counts, strict=True))
        for row in summary.rows
    }
    totals = dict(zip([s.value for s in summary.states], summary.totals, strict=True))

    assert rows["Staatsanwaltschaft"]["accepted"] == 1
    assert rows["Zollverwaltung"]["declined"] == 1
    assert rows["Gericht der ordentlichen Gerichtsbarkeit"]["sent"] == 1
    assert totals == {
        "pending": 0,
        "sent": 1,
        "accepted": 1,
        "tentative": 0,
        "declined": 1,
        "delegated": 0,
    }
    html = client_for(kpb_a_user).get(conference.get_absolute_url()).content.decode()
    assert "Antworten je Kategorie" in html
    assert '<th scope="row">Zollverwaltung</th>' in html


def test_answers_panel_is_the_live_fragment(conference, kpb_a_user):
    services.record_answer(_invitation(conference, "sta-dortmund"), state="accepted", via="link")
    url = reverse("conferences:answers_panel", kwargs={"pk": conference.pk})

    html = client_for(kpb_a_user).get(url).content.decode()

    assert html.lstrip().startswith("<section")
    assert f'hx-get="{url}?n=1"' in html
    assert "Zusage" in html
    assert "<html" not in html


def test_answers_panel_stops_polling_after_twenty_minutes(conference, kpb_a_user):
    url = reverse("conferences:answers_panel", kwargs={"pk": conference.pk})
    client = client_for(kpb_a_user)

    still = client.get(url + "?n=39").content.decode()
    stopped = client.get(url + "?n=40").content.decode()

    assert f'hx-get="{url}?n=40"' in still
    assert "hx-get" not in stopped
    assert "automatische Aktualisierung beendet" in stopped


def test_answers_panel_does_not_poll_once_the_conference_started(conference, kpb_a_user):
    now = timezone.now()
    Conference.objects.filter(pk=conference.pk).update(
        start=now - timedelta(hours=1), end=now + timedelta(hours=1)
    )

    html = client_for(kpb_a_user).get(conference.get_absolute_url()).content.decode()

    assert "hx-get" not in html
    assert "Antwort erfassen" not in html


def test_answer_by_link_appears_on_the_organisers_page(conference, kpb_a_user):
    invitation = _invitation(conference, "hza-dortmund")
    Client().post(
        reverse("conferences:answer", kwargs={"token": answer_token(invitation)}),
        {"state": "declined", "comment": "Personalmangel"},
    )

    html = client_for(kpb_a_user).get(conference.get_absolute_url()).content.decode()

    assert "Personalmangel" in html


def test_participants_csv_has_bom_header_and_one_row_per_invitation(conference, kpb_a_user):
    services.record_answer(
        _invitation(conference, "lg-dortmund"),
        state="delegated",
        via="phone",
        delegate_name="Dr. Richter",
        delegate_function="Vizepräsident",
    )

    response = client_for(kpb_a_user).get(
        reverse("conferences:participants_csv", kwargs={"pk": conference.pk})
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Partnerbehörde",
        "Kategorie",
        "Status",
        "Vertretung",
        "Antwort über",
        "beantwortet am",
        "anwesend",
    ]
    assert len(rows) == 1 + conference.invitations.count() == 4
    court = next(row for row in rows if row[0] == "Landgericht Dortmund")
    assert court[2:5] == ["Vertretung benannt", "Dr. Richter (Vizepräsident)", "telefonisch"]


def test_participants_csv_neutralises_spreadsheet_formulas(conference):
    Invitation.objects.filter(conference=conference).update(
        state="delegated", delegate_name='=HYPERLINK("http://evil")', delegate_function="x"
    )

    content = exports.render_participants_csv(conference).decode("utf-8-sig")

    assert "'=HYPERLINK" in content
    assert ";=HYPERLINK" not in content


def test_participants_pdf_lists_agency_names(conference, kpb_a_user):
    response = client_for(kpb_a_user).get(
        reverse("conferences:participants_pdf", kwargs={"pk": conference.pk})
    )

    assert response["Content-Type"] == "application/pdf"
    pages = pypdf.PdfReader(io.BytesIO(response.content)).pages
    text = "".join(page.extract_text() for page in pages)
    assert "Teilnehmendenliste" in text
    assert "Staatsanwaltschaft Dortmund" in text
    assert "Landgericht Dortmund" in text
    assert "Hauptzollamt Dortmund" in text


def test_exports_of_another_kpb_are_404(conference, kpb_b_user):
    client = client_for(kpb_b_user)

    for name in ("participants_csv", "participants_pdf", "answers_panel"):
        assert (
            client.get(reverse(f"conferences:{name}", kwargs={"pk": conference.pk})).status_code
            == 404
        )


def test_conference_page_queries_do_not_grow_with_invitations(kpb_a_user):
    conference = make_conference(kpb_a_user)
    invite_new_agencies(conference, kpb_a_user, 5)

    assert_constant_queries(
        client_for(kpb_a_user),
        conference.get_absolute_url(),
        lambda: invite_new_agencies(conference, kpb_a_user, 195),
    )

    assert conference.invitations.count() == 200


def test_answers_panel_queries_do_not_grow_with_invitations(kpb_a_user):
    conference = make_conference(kpb_a_user)
    invite_new_agencies(conference, kpb_a_user, 5)

    assert_constant_queries(
        client_for(kpb_a_user),
        reverse("conferences:answers_panel", kwargs={"pk": conference.pk}),
        lambda: invite_new_agencies(conference, kpb_a_user, 195),
    )
