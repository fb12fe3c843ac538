"""'Erinnerung jetzt senden' for chosen invitees without an answer, each at most once a day."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conferences import services
from conferences.enums import AnswerChannel, InvitationState
from conferences.models import Invitation
from notifications.enums import MailKind
from notifications.models import OutgoingMail
from tests.conftest import client_for
from tests.factories.conferences import add_head, make_conference

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitations(kpb_a_user) -> list[Invitation]:
    conference = make_conference(kpb_a_user, days_ahead=30, title="SiKo März")
    agencies = [
        add_head("sta-dortmund", "Erika Beispiel", email="erika@sta.example"),
        add_head("hza-dortmund", "Max Muster", email="max@zoll.example"),
    ]
    services.add_invitations(conference, agencies=agencies, by=kpb_a_user)
    services.send_invitations(conference, by=kpb_a_user)
    return list(Invitation.objects.filter(conference=conference).order_by("agency__name"))


def _remind(user, invitations: list[Invitation]):  # type: ignore[no-untyped-def]
    conference = invitations[0].conference
    url = reverse("conferences:remind_now", kwargs={"pk": conference.pk})
    return client_for(user).post(url, {"invitation": [i.pk for i in invitations]}, follow=True)


def _reminders() -> int:
    return OutgoingMail.objects.filter(kind=MailKind.REMINDER).count()


def test_chosen_non_responders_are_reminded_once_a_day(invitations, kpb_a_user):
    sta = next(i for i in invitations if i.agency.slug == "sta-dortmund")
    page = _remind(kpb_a_user, [sta]).content.decode()
    assert "Erinnerung an 1 Behörde versendet: Staatsanwaltschaft Dortmund." in page
    assert _reminders() == 1
    mail = OutgoingMail.objects.get(kind=MailKind.REMINDER)
    assert mail.to == "erika@sta.example"
    assert mail.reply_to == kpb_a_user.email

    # The same submit again (double click, reload): nothing is sent twice.
    again = _remind(kpb_a_user, [sta]).content.decode()
    assert "Heute bereits erinnert, daher nicht noch einmal: Staatsanwaltschaft Dortmund." in again
    assert _reminders() == 1
    assert f'id="remind-{sta.pk}" disabled' in again

    # The next day (yesterday's reminder): both may be reminded again.
    Invitation.objects.filter(pk=sta.pk).update(reminded_at=timezone.now() - timedelta(days=1))
    _remind(kpb_a_user, invitations)
    assert _reminders() == 3


def test_the_plural_names_every_agency(invitations, kpb_a_user):
    page = _remind(kpb_a_user, invitations).content.decode()
    assert "Erinnerung an 2 Behörden versendet: " in page
    assert _reminders() == 2


def test_an_answered_invitation_or_bad_input_reminds_nobody(invitations, kpb_a_user):
    sta = invitations[0]
    services.record_answer(
        sta, state=InvitationState.ACCEPTED, via=AnswerChannel.PHONE, by=kpb_a_user
    )
    page = _remind(kpb_a_user, [sta]).content.decode()
    assert "Bitte wählen Sie mindestens eine Behörde ohne Antwort." in page
    url = reverse("conferences:remind_now", kwargs={"pk": sta.conference_id})
    bad = client_for(kpb_a_user).post(url, {"invitation": ["x"]}, follow=True)
    assert "Die Auswahl ist ungültig." in bad.content.decode()
    assert _reminders() == 0


def test_another_authority_cannot_remind(invitations, kpb_b_user):
    response = _remind(kpb_b_user, invitations)
    assert response.status_code == 404
    assert _reminders() == 0


def test_conference_page_offers_the_non_responders(invitations, kpb_a_user):
    page = client_for(kpb_a_user).get(invitations[0].conference.get_absolute_url())
    html = page.content.decode()
    assert "2 Behörden haben noch nicht geantwortet." in html
    assert html.count('name="invitation"') == 2
