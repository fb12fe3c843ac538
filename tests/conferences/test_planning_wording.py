"""Planning and sending say what happens (issue 15): adding to the list sends nothing, the send
button is offered only with something to send, the preview never carries a live answer link,
and removing a mandated topic asks first."""

import pytest
from django.urls import reverse

from authorities.models import Contact, PartnerAgency
from conferences import services
from conferences.links import answer_url
from conferences.models import AgendaItem
from siko.models import LocalMail
from tests.conftest import client_for
from tests.factories.conferences import make_conference

pytestmark = pytest.mark.django_db

SEND_BUTTON = "Einladungen versenden ("


@pytest.fixture
def conference(kpb_a_user):
    return make_conference(kpb_a_user)


def _add(conference, user, *slugs):
    agencies = list(PartnerAgency.objects.filter(slug__in=slugs))
    services.add_invitations(conference, agencies=agencies, by=user)


def test_adding_to_the_list_says_nothing_was_sent(kpb_a_user, conference, mailoutbox):
    agency = PartnerAgency.objects.get(slug="sta-dortmund")

    response = client_for(kpb_a_user).post(
        reverse("conferences:invitations", args=[conference.pk]),
        {"agencies": [agency.pk]},
        follow=True,
    )

    html = response.content.decode()
    assert "1 Partnerbehörde zur Einladungsliste hinzugefügt. Versendet ist noch nichts" in html
    assert ">Zur Einladungsliste hinzufügen</button>" in html
    assert conference.invitations.get().state == "pending"
    assert mailoutbox == [] and not LocalMail.objects.exists()


def test_send_is_offered_only_while_something_is_unsent(kpb_a_user, conference):
    client = client_for(kpb_a_user)
    page = reverse("conferences:conference_detail", args=[conference.pk])
    plan = reverse("conferences:invitations", args=[conference.pk])

    assert SEND_BUTTON not in client.get(page).content.decode()
    assert "Weiter zum Versand" not in client.get(plan).content.decode()

    _add(conference, kpb_a_user, "sta-dortmund", "kommune-dortmund")

    assert f"{SEND_BUTTON}2)" in client.get(page).content.decode()
    assert "Weiter zum Versand (2)" in client.get(plan).content.decode()


def test_send_preview_shows_a_placeholder_never_the_live_answer_link(kpb_a_user, conference):
    agency = PartnerAgency.objects.get(slug="sta-dortmund")
    Contact.objects.create(agency=agency, name="Dr. Hartmann", function="LOStA", email="s@x.org")
    _add(conference, kpb_a_user, "sta-dortmund")
    invitation = conference.invitations.get()

    html = client_for(kpb_a_user).get(reverse("conferences:send", args=[conference.pk])).content
    html = html.decode()

    assert "[persönlicher Antwort-Link der Partnerbehörde]" in html
    assert answer_url(invitation) not in html
    assert "/konferenzen/antwort/" not in html


def test_removing_a_mandated_topic_asks_first_and_changes_nothing_until_confirmed(
    kpb_a_user, conference
):
    item = conference.agenda_items.filter(topic__isnull=False).first()
    action = reverse("conferences:agenda_item_action", args=[conference.pk, item.pk])
    client = client_for(kpb_a_user)

    asked = client.post(action, {"action": "remove"})

    assert asked.status_code == 200
    assert "gilt das Thema für diese Konferenz als nicht behandelt" in asked.content.decode()
    assert AgendaItem.objects.filter(pk=item.pk).exists()

    client.post(action, {"action": "remove", "confirmed": "1"})

    assert not AgendaItem.objects.filter(pk=item.pk).exists()
