"""The cooperation pages: list, create, edit, the authority's page and the agenda offer."""

import pytest
from django.urls import reverse

from conferences.models import AgendaItem, MandatedTopic
from conferences.services import add_agenda_item, cancel_conference
from cooperations.models import Cooperation
from siko.models import AuditEntry
from tests.conftest import client_for
from tests.factories.conferences import make_conference
from tests.factories.cooperations import make_cooperation
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db
LIST_URL = reverse("cooperations:cooperation_list")
CREATE_URL = reverse("cooperations:cooperation_create")


def form_data(**overrides):
    data = {
        "name": "Ordnungspartnerschaft Hauptbahnhof",
        "kind": "ordnungspartnerschaft",
        "status": "aktiv",
        "since": "2023-05-01",
        "notes": "Monatliche Begehung",
    }
    data.update(overrides)
    return data


def partner_pk(slug: str) -> int:
    from authorities.models import PartnerAgency

    return PartnerAgency.objects.get(slug=slug).pk


def plan_cooperation_topic(conference, organiser) -> None:
    add_agenda_item(
        conference,
        item=AgendaItem(
            title="Ordnungspartnerschaften",
            topic=MandatedTopic.objects.get(key="kooperationsstrukturen"),
            duration_minutes=20,
        ),
        by=organiser,
    )


def test_kpb_creates_a_cooperation_through_the_form(kpb_a_user):
    client = client_for(kpb_a_user)
    conference = make_conference(kpb_a_user)

    response = client.post(
        CREATE_URL,
        form_data(partners=[partner_pk("kommune-dortmund")], discussed_at=[conference.pk]),
        follow=True,
    )

    cooperation = Cooperation.objects.get()
    assert response.redirect_chain[-1][0] == LIST_URL
    assert "Die Kooperation ist gespeichert." in response.content.decode()
    assert "Ordnungspartnerschaft Hauptbahnhof" in response.content.decode()
    assert cooperation.authority.slug == "pp-dortmund"
    assert list(cooperation.partners.values_list("slug", flat=True)) == ["kommune-dortmund"]
    assert list(cooperation.discussed_at.all()) == [conference]


def test_form_offers_only_partners_of_the_area_and_refuses_others(kpb_a_user):
    client = client_for(kpb_a_user)

    page = client.get(CREATE_URL).content.decode()
    response = client.post(CREATE_URL, form_data(partners=[partner_pk("bpoli-kleve")]))

    assert f'value="{partner_pk("kommune-dortmund")}"' in page
    assert "Bundespolizeiinspektion Kleve" not in page
    assert response.status_code == 200
    assert "gültige Auswahl" in response.content.decode()
    assert Cooperation.objects.count() == 0


def test_form_refuses_another_authoritys_conference(kpb_a_user, kpb_b_user):
    foreign = make_conference(kpb_b_user)

    response = client_for(kpb_a_user).post(CREATE_URL, form_data(discussed_at=[foreign.pk]))

    assert response.status_code == 200
    assert Cooperation.objects.count() == 0


def test_a_double_submission_creates_one_cooperation(kpb_a_user):
    client = client_for(kpb_a_user)

    client.post(CREATE_URL, form_data())
    second = client.post(CREATE_URL, form_data())

    assert Cooperation.objects.count() == 1
    assert "bereits eine Kooperation" in second.content.decode()


def test_kpb_edits_status_and_partners(kpb_a_user):
    cooperation = make_cooperation(kpb_a_user)
    url = reverse("cooperations:cooperation_update", args=[cooperation.pk])

    client_for(kpb_a_user).post(
        url,
        form_data(name=cooperation.name, status="ruhend", partners=[partner_pk("sta-dortmund")]),
    )

    cooperation.refresh_from_db()
    assert cooperation.status == "ruhend"
    assert list(cooperation.partners.values_list("slug", flat=True)) == ["sta-dortmund"]
    assert AuditEntry.objects.filter(action="cooperation.status_changed").count() == 1


def test_another_kpb_does_not_find_the_cooperation(kpb_a_user, kpb_b_user):
    cooperation = make_cooperation(kpb_a_user)
    url = reverse("cooperations:cooperation_update", args=[cooperation.pk])

    response = client_for(kpb_b_user).post(url, form_data(name="Übernommen"))

    assert response.status_code == 404
    cooperation.refresh_from_db()
    assert cooperation.name == "Ordnungspartnerschaft Innenstadt"
    assert (
        "Ordnungspartnerschaft Innenstadt"
        not in client_for(kpb_b_user).get(LIST_URL).content.decode()
    )


def test_state_bodies_read_every_cooperation_but_change_none(kpb_a_user, kpb_b_user, lzpd_user):
    make_cooperation(kpb_a_user)
    make_cooperation(kpb_b_user, name="Präventionsrat Bocholt", partners=())

    page = client_for(lzpd_user).get(LIST_URL).content.decode()

    assert "Ordnungspartnerschaft Innenstadt" in page
    assert "Präventionsrat Bocholt" in page
    assert "bearbeiten" not in page
    assert "Kooperation erfassen" not in page


def test_list_filters_by_status(kpb_a_user):
    make_cooperation(kpb_a_user)
    make_cooperation(kpb_a_user, name="Alte Partnerschaft", status="beendet")

    page = client_for(kpb_a_user).get(LIST_URL + "?status=beendet").content.decode()

    assert "Alte Partnerschaft" in page
    assert "Ordnungspartnerschaft Innenstadt" not in page


def test_list_queries_do_not_grow(kpb_a_user, lzpd_user):
    conference = make_conference(kpb_a_user)
    make_cooperation(kpb_a_user, name="Erste", conferences=[conference])

    def grow() -> None:
        for number in range(12):
            make_cooperation(
                kpb_a_user,
                name=f"Kooperation {number}",
                partners=("kommune-dortmund", "sta-dortmund"),
                conferences=[conference],
            )

    assert_constant_queries(client_for(lzpd_user), LIST_URL, grow)


def test_authority_page_shows_the_cooperations_to_its_kpb_and_state_bodies(kpb_a_user, lzpd_user):
    conference = make_conference(kpb_a_user, title="Sicherheitskonferenz Frühjahr")
    make_cooperation(kpb_a_user, conferences=[conference])
    url = reverse("authorities:authority_detail", args=["pp-dortmund"])

    own = client_for(kpb_a_user).get(url).content.decode()
    state = client_for(lzpd_user).get(url).content.decode()

    for page in (own, state):
        assert "Kooperationsstrukturen" in page
        assert "Ordnungspartnerschaft Innenstadt" in page
        assert "Sicherheitskonferenz Frühjahr" in page
    assert "Kooperation erfassen" in own
    assert "Kooperation erfassen" not in state


def test_authority_page_queries_do_not_grow_with_cooperations(kpb_a_user):
    make_cooperation(kpb_a_user, name="Erste")

    def grow() -> None:
        for number in range(8):
            make_cooperation(kpb_a_user, name=f"Kooperation {number}")

    assert_constant_queries(
        client_for(kpb_a_user), reverse("authorities:authority_detail", args=["pp-dortmund"]), grow
    )


def test_agenda_offer_appears_only_when_the_topic_is_planned(kpb_a_user):
    conference = make_conference(kpb_a_user)
    # A new conference proposes every mandated topic; this one drops the cooperations topic.
    conference.agenda_items.filter(topic__key="kooperationsstrukturen").delete()
    make_cooperation(kpb_a_user)
    make_cooperation(kpb_a_user, name="Ruhender Rat", status="ruhend")
    client = client_for(kpb_a_user)
    url = reverse("cooperations:agenda_offer", args=[conference.pk])

    before = client.get(url).content.decode()
    plan_cooperation_topic(conference, kpb_a_user)
    after = client.get(url).content.decode()

    assert "Ordnungspartnerschaft Innenstadt" not in before
    assert "Ordnungspartnerschaft Innenstadt" in after
    assert "Ruhender Rat" not in after
    assert "in dieser Konferenz besprochen" in after
    agenda = client.get(reverse("conferences:agenda", args=[conference.pk])).content.decode()
    assert url in agenda


def test_one_click_records_the_discussion_once(kpb_a_user):
    conference = make_conference(kpb_a_user)  # proposes the mandated topics, this one too
    cooperation = make_cooperation(kpb_a_user)
    client = client_for(kpb_a_user)
    url = reverse("cooperations:record_discussed", args=[conference.pk, cooperation.pk])

    first = client.post(url, follow=True)
    second = client.post(url, follow=True)

    assert first.redirect_chain[-1][0] == reverse("conferences:agenda", args=[conference.pk])
    assert "ist als in dieser Konferenz besprochen vermerkt" in first.content.decode()
    assert "war bereits" in second.content.decode()
    assert list(cooperation.discussed_at.all()) == [conference]
    offer = client.get(reverse("cooperations:agenda_offer", args=[conference.pk])).content.decode()
    assert 'class="badge text-bg-success">in dieser Konferenz besprochen' in offer


def test_another_kpb_cannot_record_at_a_foreign_conference(kpb_a_user, kpb_b_user):
    conference = make_conference(kpb_a_user)
    foreign_cooperation = make_cooperation(kpb_b_user, name="Borken", partners=())
    own = make_cooperation(kpb_a_user)

    at_foreign = client_for(kpb_b_user).post(
        reverse("cooperations:record_discussed", args=[conference.pk, foreign_cooperation.pk])
    )
    foreign_object = client_for(kpb_a_user).post(
        reverse("cooperations:record_discussed", args=[conference.pk, foreign_cooperation.pk])
    )

    assert at_foreign.status_code == 404
    assert foreign_object.status_code == 404
    assert own.discussed_at.count() == 0
    assert foreign_cooperation.discussed_at.count() == 0


def test_since_in_the_form_is_a_date(kpb_a_user):
    response = client_for(kpb_a_user).post(CREATE_URL, form_data(since="gestern"))

    assert response.status_code == 200
    assert "gültiges Datum" in response.content.decode()
    assert Cooperation.objects.count() == 0


def test_agenda_offer_queries_do_not_grow(kpb_a_user):
    conference = make_conference(kpb_a_user)
    make_cooperation(kpb_a_user, name="Erste", conferences=[conference])

    def grow() -> None:
        for number in range(10):
            make_cooperation(kpb_a_user, name=f"Kooperation {number}", conferences=[conference])

    assert_constant_queries(
        client_for(kpb_a_user), reverse("cooperations:agenda_offer", args=[conference.pk]), grow
    )


def test_editing_keeps_the_link_to_a_conference_cancelled_since(kpb_a_user):
    conference = make_conference(kpb_a_user, title="Später abgesagt")
    cooperation = make_cooperation(kpb_a_user, conferences=[conference])
    cancel_conference(conference, reason="Terminkollision", by=kpb_a_user)
    url = reverse("cooperations:cooperation_update", args=[cooperation.pk])
    client = client_for(kpb_a_user)

    page = client.get(url).content.decode()
    client.post(url, form_data(name=cooperation.name, notes="neu", discussed_at=[conference.pk]))

    assert "Später abgesagt" in page
    cooperation.refresh_from_db()
    assert cooperation.notes == "neu"
    assert list(cooperation.discussed_at.all()) == [conference]
