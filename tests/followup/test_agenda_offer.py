"""The agenda of a sent invitation never changes silently (issue 12): open actions are carried
onto the next conference only while it is a draft; for one whose invitations are out the
organiser is offered them and, adding them, sends the update notice to each invitee once."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from authorities.models import PartnerAgency
from conferences import services
from followup import actions
from followup.actions import AGENDA_PREFIX
from followup.models import Action
from notifications.enums import MailKind
from notifications.models import OutgoingMail
from tests.conftest import client_for
from tests.factories.conferences import make_conference
from tests.followup.test_attendance import AGENCIES, attend, make_past_conference

pytestmark = pytest.mark.django_db

TEXT = "Videobeobachtung am Busbahnhof prüfen"


@pytest.fixture
def held(kpb_a_user):
    return attend(make_past_conference(kpb_a_user), kpb_a_user)


@pytest.fixture
def scheduled(kpb_a_user, held):
    conference = make_conference(kpb_a_user, days_ahead=60, title="SiKo Dortmund Frühjahr")
    agencies = PartnerAgency.objects.filter(slug__in=AGENCIES)
    services.add_invitations(conference, agencies=agencies, by=kpb_a_user)
    services.send_invitations(conference, by=kpb_a_user)
    return conference


def _agree(held, user) -> Action:
    return actions.create_action(
        held,
        text=TEXT,
        due_date=timezone.localdate() + timedelta(days=30),
        owner_agency=None,
        by=user,
    )


def _updates():
    return OutgoingMail.objects.filter(kind=MailKind.UPDATE)


def test_action_is_not_carried_onto_a_scheduled_conference(held, scheduled, kpb_a_user):
    later_draft = make_conference(kpb_a_user, days_ahead=90, title="SiKo Herbst")
    action = _agree(held, kpb_a_user)

    assert not scheduled.agenda_items.filter(source_action=action).exists()
    assert not later_draft.agenda_items.filter(source_action=action).exists()
    assert not _updates().exists()
    page = client_for(kpb_a_user).get(scheduled.get_absolute_url()).content.decode()
    assert "Eine offene Maßnahme früherer Konferenzen steht nicht auf der Tagesordnung." in page
    assert reverse("conferences:agenda_actions", args=[scheduled.pk]) in page


def test_action_is_carried_onto_the_next_conference_while_it_is_a_draft(held, kpb_a_user):
    draft = make_conference(kpb_a_user, days_ahead=60)
    action = _agree(held, kpb_a_user)
    assert draft.agenda_items.get(source_action=action).title == AGENDA_PREFIX + TEXT
    assert not _updates().exists()


def test_organiser_adds_offered_actions_and_each_invitee_is_told_once(held, scheduled, kpb_a_user):
    action = _agree(held, kpb_a_user)
    client = client_for(kpb_a_user)
    url = reverse("conferences:agenda_actions", args=[scheduled.pk])
    offer = client.get(url).content.decode()
    assert TEXT in offer
    assert "erhalten alle 3 eingeladenen Behörden eine Änderungsmitteilung" in offer

    response = client.post(url, {"actions": [action.pk]})
    again = client.post(url, {"actions": [action.pk]})

    assert response.status_code == 302
    assert again.status_code == 400
    item = scheduled.agenda_items.get(source_action=action)
    assert item.order == scheduled.agenda_items.count()
    scheduled.refresh_from_db()
    assert scheduled.ical_sequence == 1
    sent_to = sorted(_updates().values_list("invitation__agency__slug", flat=True))
    assert sent_to == sorted(AGENCIES)
    mail = _updates().first()
    assert mail.subject.endswith("– Tagesordnung ergänzt")
    assert f"- Tagesordnung: – → neu: {AGENDA_PREFIX}{TEXT}" in mail.body_text
    assert "SEQUENCE:1" in mail.ics


def test_offer_of_a_draft_adds_without_a_notice(held, kpb_a_user):
    action = _agree(held, kpb_a_user)
    draft = make_conference(kpb_a_user, days_ahead=60)
    draft.agenda_items.filter(source_action=action).delete()  # the organiser removed it

    added = actions.add_offered_actions(draft, action_ids=[action.pk], by=kpb_a_user)

    assert added == 1
    assert not OutgoingMail.objects.filter(conference=draft).exists()


def test_the_offer_is_refused_for_another_kpb_and_after_the_start(held, scheduled, kpb_b_user):
    action = _agree(held, held.organiser)
    response = client_for(kpb_b_user).post(
        reverse("conferences:agenda_actions", args=[scheduled.pk]), {"actions": [action.pk]}
    )
    assert response.status_code == 404
    assert not _updates().exists()
    with pytest.raises(actions.ActionError, match="ändert sich nicht mehr"):
        actions.add_offered_actions(held, action_ids=[action.pk], by=held.organiser)
