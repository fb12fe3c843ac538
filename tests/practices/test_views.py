"""The pages of the good-practice exchange as a user meets them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from practices.enums import PracticeState
from practices.models import GoodPractice
from tests.conftest import client_for
from tests.factories.conferences import make_conference
from tests.factories.practices import make_practice, make_published, pdf_upload, topic

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "kind": "strategy",
        "title": "Sicherheitsaudit Innenstadt",
        "summary": "Begehung mit Ordnungsamt und Verkehrsbetrieben.",
        "result": "Zwölf dunkle Ecken beleuchtet.",
        "contact_function": "Leitungsstab",
        "topic": topic("brennpunkte").pk,
        "categories": ["kommune", "oepnv"],
    }
    data.update(overrides)
    return data


def test_kpb_creates_a_draft_through_the_form(kpb_a_user):
    client = client_for(kpb_a_user)

    response = client.post(reverse("practices:create"), form_data(), follow=True)

    practice = GoodPractice.objects.get()
    assert response.redirect_chain[-1][0] == practice.get_absolute_url()
    assert practice.state == PracticeState.DRAFT
    assert "Beim LZPD einreichen" in response.content.decode()


def test_a_name_without_consent_is_refused_in_german_and_nothing_saved(kpb_a_user):
    client = client_for(kpb_a_user)

    response = client.post(reverse("practices:create"), form_data(contact_name="Erika Beispiel"))

    assert response.status_code == 200
    assert "nur mit ihrem Einverständnis" in response.content.decode()
    assert GoodPractice.objects.count() == 0


def test_a_renamed_file_is_refused_in_german(kpb_a_user):
    client = client_for(kpb_a_user)
    fake = SimpleUploadedFile("bericht.pdf", b"MZ\x90\x00", content_type="application/pdf")

    response = client.post(reverse("practices:create"), {**form_data(), "attachment": fake})

    assert response.status_code == 200
    assert "ausführbares Programm" in response.content.decode()
    assert GoodPractice.objects.count() == 0


def test_submit_then_lzpd_publishes_through_the_pages(kpb_a_user, lzpd_user, kpb_b_user):
    practice = make_practice(kpb_a_user)
    client_for(kpb_a_user).post(reverse("practices:submit", args=[practice.pk]))

    response = client_for(lzpd_user).post(
        reverse("practices:decide", args=[practice.pk]), {"decision": "publish"}, follow=True
    )

    assert "landesweit veröffentlicht" in response.content.decode()
    other = client_for(kpb_b_user).get(reverse("practices:detail", args=[practice.pk]))
    assert other.status_code == 200


def test_return_without_comment_shows_the_german_error(kpb_a_user, lzpd_user):
    practice = make_practice(kpb_a_user)
    client_for(kpb_a_user).post(reverse("practices:submit", args=[practice.pk]))

    response = client_for(lzpd_user).post(
        reverse("practices:decide", args=[practice.pk]), {"decision": "return", "comment": ""}
    )

    assert "was vor der Veröffentlichung zu ändern ist" in response.content.decode()
    practice.refresh_from_db()
    assert practice.state == PracticeState.SUBMITTED


def test_the_name_is_shown_only_with_consent(kpb_a_user):
    practice = make_practice(kpb_a_user, contact_name="Erika Beispiel", contact_consent=True)
    page = client_for(kpb_a_user).get(practice.get_absolute_url()).content.decode()
    assert "Leitungsstab, Sachgebiet Einsatz (Erika Beispiel)" in page


def test_attachment_is_a_download_that_is_never_sniffed(kpb_a_user):
    practice = make_practice(kpb_a_user, attachment=pdf_upload("Konzept Bahnhof.pdf"))

    response = client_for(kpb_a_user).get(reverse("practices:attachment", args=[practice.pk]))

    assert response["Content-Disposition"] == 'attachment; filename="Konzept Bahnhof.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert response.getvalue().startswith(b"%PDF-")


def test_search_page_finds_by_text_and_shows_a_german_count(kpb_a_user, kpb_b_user, lzpd_user):
    make_published(kpb_a_user, lzpd_user, title="Gemeinsame Kontrolle am Hauptbahnhof")
    make_published(kpb_a_user, lzpd_user, title="Ordnungspartnerschaft Altstadt")

    page = client_for(kpb_b_user).get(reverse("practices:list") + "?q=Hauptbahnhof")

    text = page.content.decode()
    assert "1 Treffer" in text
    assert "Gemeinsame Kontrolle am Hauptbahnhof" in text
    assert "Ordnungspartnerschaft Altstadt" not in text


def test_list_needs_the_same_queries_for_more_practices(kpb_a_user, kpb_b_user, lzpd_user):
    client = client_for(kpb_b_user)
    url = reverse("practices:list") + "?kategorie=kommune"
    make_published(kpb_a_user, lzpd_user, categories=["kommune"])
    make_practice(kpb_b_user)
    client.get(url)  # the session and the user are loaded once
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for _ in range(6):
        make_published(kpb_a_user, lzpd_user, categories=["kommune", "zoll"])
        make_practice(kpb_b_user)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)

    assert response.content.decode().count('class="card mb-2"') == 7
    assert len(large) == len(small)


def test_agenda_planning_offers_published_practices_of_the_topic(kpb_a_user, kpb_b_user, lzpd_user):
    make_published(
        kpb_a_user,
        lzpd_user,
        title="Clan-Lagebild mit der Stadt",
        topic=topic("banden-intensivtaeter"),
    )
    make_published(
        kpb_a_user, lzpd_user, title="Großlage Fußball", topic=topic("grossveranstaltungen")
    )
    own = make_published(
        kpb_b_user, lzpd_user, title="Eigene Praxis", topic=topic("banden-intensivtaeter")
    )
    conference = make_conference(kpb_b_user)
    client = client_for(kpb_b_user)

    agenda = client.get(reverse("conferences:agenda", args=[conference.pk])).content.decode()
    fragment = client.get(
        reverse("practices:proposals") + f"?topic={topic('banden-intensivtaeter').pk}"
    ).content.decode()

    assert reverse("practices:proposals") in agenda
    assert "Clan-Lagebild mit der Stadt" in fragment
    assert "Großlage Fußball" not in fragment
    assert own.title not in fragment  # the planning KPB knows its own


def test_proposals_fragment_ignores_bad_topic_ids(kpb_a_user):
    response = client_for(kpb_a_user).get(reverse("practices:proposals") + "?topic=x&thema=999999")
    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_the_same_draft_sent_twice_is_saved_once(kpb_a_user):
    client = client_for(kpb_a_user)

    client.post(reverse("practices:create"), form_data())
    client.post(reverse("practices:create"), form_data())

    assert GoodPractice.objects.count() == 1


def test_published_practice_names_partners_outside_the_readers_area(
    kpb_a_user, kpb_b_user, lzpd_user
):
    from authorities.models import PartnerAgency

    dortmund_city = PartnerAgency.objects.get(slug="kommune-dortmund")
    practice = make_published(kpb_a_user, lzpd_user, partners=[dortmund_city])

    page = client_for(kpb_b_user).get(practice.get_absolute_url()).content.decode()

    assert dortmund_city.name in page


def test_proposals_need_the_same_queries_for_more_topics_and_practices(
    kpb_a_user, kpb_b_user, lzpd_user
):
    client = client_for(kpb_b_user)
    keys = ["brennpunkte", "strategien", "grossveranstaltungen", "sicherheitslage"]
    url = reverse("practices:proposals") + f"?topic={topic(keys[0]).pk}"
    make_published(kpb_a_user, lzpd_user, topic=topic(keys[0]))
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for key in keys:
        for n in range(3):
            make_published(kpb_a_user, lzpd_user, title=f"{key} {n}", topic=topic(key))
    url += "".join(f"&thema={topic(key).pk}" for key in keys)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)

    assert response.content.decode().count("<li>") == 4 * 3 + 1
    assert len(large) == len(small)
