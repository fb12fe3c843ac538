"""After each answer or change the partner gets a confirmation with the answer and the link to
change it (issue 15, as pretix confirms an order); mails to partners answer to the organiser."""

import pytest
from django.test import Client
from django.urls import reverse

from authorities.models import Contact, Salutation
from conferences import services
from conferences.enums import AnswerChannel, InvitationState
from conferences.links import answer_token, answer_url
from conferences.models import Invitation
from notifications.compose import build_message
from notifications.enums import MailKind
from notifications.models import OutgoingMail
from tests.factories.conferences import add_head, make_conference

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(kpb_a_user) -> Invitation:
    kpb_a_user.first_name, kpb_a_user.last_name = "Petra", "Planer"
    kpb_a_user.email = "petra.planer@polizei.nrw.example"
    kpb_a_user.save()
    conference = make_conference(kpb_a_user, title="SiKo Dortmund Herbst", place="Saal 3")
    agency = add_head(
        "sta-dortmund", "Dr. Erika Beispiel", function="LOStA", email="erika@sta.example"
    )
    Contact.objects.filter(agency=agency).update(salutation=Salutation.FRAU)
    services.add_invitations(conference, agencies=[agency], by=kpb_a_user)
    services.send_invitations(conference, by=kpb_a_user)
    return Invitation.objects.get(conference=conference, agency=agency)


def _answer(invitation: Invitation, data: dict[str, str], captured) -> None:  # type: ignore[no-untyped-def]
    url = reverse("conferences:answer", kwargs={"token": answer_token(invitation)})
    with captured(execute=True):
        assert Client().post(url, data).status_code == 302


def _confirmations() -> list[OutgoingMail]:
    return list(OutgoingMail.objects.filter(kind=MailKind.ANSWER_CONFIRMATION).order_by("pk"))


def test_answer_is_confirmed_with_the_answer_and_the_link_to_change_it(
    invitation, django_capture_on_commit_callbacks, mailoutbox
):
    _answer(
        invitation,
        {"state": "accepted", "comment": "Wir kommen zu zweit"},
        django_capture_on_commit_callbacks,
    )

    [mail] = _confirmations()
    assert mail.to == "erika@sta.example"
    assert mail.subject.startswith("Ihre Antwort ist eingegangen: SiKo Dortmund Herbst am ")
    assert mail.body_text.startswith("Sehr geehrte Frau Dr. Beispiel,\n")
    assert "Ihre Antwort: Zusage" in mail.body_text
    assert "Ihre Bemerkung: Wir kommen zu zweit" in mail.body_text
    assert answer_url(invitation) in mail.body_text
    assert mail.reply_to == "petra.planer@polizei.nrw.example"
    # Sent through the outbox after commit, with the organiser as Reply-To.
    [sent] = [m for m in mailoutbox if m.to == ["erika@sta.example"] and "eingegangen" in m.subject]
    assert sent.reply_to == ["petra.planer@polizei.nrw.example"]


def test_each_change_is_confirmed_once_and_an_unchanged_answer_not_again(
    invitation, django_capture_on_commit_callbacks
):
    _answer(invitation, {"state": "accepted"}, django_capture_on_commit_callbacks)
    _answer(invitation, {"state": "accepted"}, django_capture_on_commit_callbacks)
    assert len(_confirmations()) == 1

    _answer(
        invitation,
        {"state": "declined", "comment": "Terminkollision"},
        django_capture_on_commit_callbacks,
    )

    confirmations = _confirmations()
    assert len(confirmations) == 2
    assert "Ihre Antwort: Absage" in confirmations[1].body_text


def test_answer_recorded_by_the_organiser_is_confirmed_with_its_channel(invitation, kpb_a_user):
    services.record_answer(
        invitation,
        state=InvitationState.DELEGATED,
        via=AnswerChannel.PHONE,
        delegate_name="Max Muster",
        delegate_function="Oberstaatsanwalt",
        by=kpb_a_user,
    )

    [mail] = _confirmations()
    assert "Ihre Antwort: Vertretung benannt" in mail.body_text
    assert "Vertretung: Max Muster, Oberstaatsanwalt" in mail.body_text
    assert "(telefonisch)" in mail.body_text


def test_html_mail_has_a_viewport_and_a_button_to_the_answer_link(invitation):
    services.record_answer(
        invitation, state=InvitationState.ACCEPTED, via=AnswerChannel.LINK, by=None
    )
    for kind in (MailKind.INVITATION, MailKind.ANSWER_CONFIRMATION):
        html = OutgoingMail.objects.get(kind=kind).body_html
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
        assert f'<a class="cta" href="{answer_url(invitation)}"' in html
        # Nothing wider than a phone: no fixed pixel widths, long links may break.
        assert "width:6" not in html and 'width="6' not in html
        assert "word-break:break-all" in html


def test_every_mail_to_the_partner_answers_to_the_organiser(invitation, kpb_a_user, settings):
    settings.SIKO_REPLY_MAILBOX = ""
    services.record_answer(
        invitation, state=InvitationState.ACCEPTED, via=AnswerChannel.LINK, by=None
    )
    mails = OutgoingMail.objects.filter(invitation=invitation)
    assert {m.kind for m in mails} == {MailKind.INVITATION, MailKind.ANSWER_CONFIRMATION}
    for mail in mails:
        assert build_message(mail).reply_to == ["petra.planer@polizei.nrw.example"]


def test_letter_and_mail_greet_without_salutation_in_general(invitation):
    Contact.objects.filter(agency=invitation.agency).update(salutation="")
    services.record_answer(
        invitation, state=InvitationState.ACCEPTED, via=AnswerChannel.LINK, by=None
    )
    [mail] = _confirmations()
    assert mail.body_text.startswith("Sehr geehrte Damen und Herren,\n")
