"""Answers from calendar programs (issue 17): replies as Outlook and Thunderbird send them
(RFC 6047) are APPENDed to a real Dovecot mailbox, read by the beat task and matched to the
invitation by UID, ATTENDEE and From."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from authorities.models import PartnerAgency
from conferences import services
from conferences.documents.ical import invitation_ics, invitation_uid
from conferences.enums import AnswerChannel, CalendarReplyOutcome, InvitationState
from conferences.mails import compose_invitation
from conferences.models import CalendarReply, Conference, Invitation
from conferences.tasks import task_poll_calendar_replies
from notifications.models import OutgoingMail
from tests.conftest import client_for
from tests.factories.calendar_replies import ERIKA, outlook_reply, thunderbird_reply
from tests.factories.conferences import add_head, invite_schulaemter, make_conference
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db

DONE, UNMATCHED = "SiKo/verarbeitet", "SiKo/nicht-zugeordnet"


@pytest.fixture
def invitation(kpb_a_user) -> Invitation:
    """The Staatsanwaltschaft Dortmund's invitation, sent by KPB A."""
    kpb_a_user.email = "petra.planer@polizei.nrw.example"
    kpb_a_user.save()
    conference = make_conference(kpb_a_user, title="SiKo Dortmund Frühjahr")
    agency = add_head("sta-dortmund", "Erika Beispiel", email=ERIKA)
    services.add_invitations(conference, agencies=[agency], by=kpb_a_user)
    services.send_invitations(conference, by=kpb_a_user)
    return Invitation.objects.get(conference=conference, agency=agency)


def _poll() -> None:
    task_poll_calendar_replies.delay()


def _reload(invitation: Invitation) -> Invitation:
    return Invitation.objects.get(pk=invitation.pk)


def test_meeting_request_names_the_reply_mailbox_as_organizer_and_the_staff_member_reply_to(
    invitation, reply_mailbox
):
    ics = invitation_ics(invitation, method="REQUEST")
    assert "ORGANIZER;CN=" in ics
    assert "mailto:siko-antworten@polizei.nrw.example" in ics.replace("\r\n ", "")
    assert compose_invitation(invitation).reply_to == "petra.planer@polizei.nrw.example"


def test_without_reply_mailbox_the_staff_member_stays_organizer(invitation, settings):
    settings.SIKO_REPLY_MAILBOX = ""
    ics = invitation_ics(invitation, method="REQUEST").replace("\r\n ", "")
    assert "mailto:petra.planer@polizei.nrw.example" in ics
    assert compose_invitation(invitation).reply_to == "petra.planer@polizei.nrw.example"


def test_outlook_accept_is_recorded_with_channel_kalender_and_moved(invitation, reply_mailbox):
    reply_mailbox.append(outlook_reply(invitation_uid(invitation)))

    _poll()

    answered = _reload(invitation)
    assert answered.state == InvitationState.ACCEPTED
    assert answered.answered_via == AnswerChannel.CALENDAR
    assert answered.get_answered_via_display() == "Kalender"
    assert answered.comment == "Ich komme gern."
    assert reply_mailbox.message_ids("INBOX") == []
    assert reply_mailbox.message_ids(DONE) == ["<outlook-1@example.org>"]
    reply = CalendarReply.objects.get()
    assert (reply.outcome, reply.invitation) == (CalendarReplyOutcome.RECORDED, answered)


def test_thunderbird_decline_is_recorded(invitation, reply_mailbox):
    reply_mailbox.append(thunderbird_reply(invitation_uid(invitation), partstat="DECLINED"))

    _poll()

    assert _reload(invitation).state == InvitationState.DECLINED
    assert reply_mailbox.message_ids(DONE) == ["<tb-1@example.org>"]


def test_outlook_tentative_is_recorded(invitation, reply_mailbox):
    reply_mailbox.append(outlook_reply(invitation_uid(invitation), partstat="TENTATIVE"))

    _poll()

    assert _reload(invitation).state == InvitationState.TENTATIVE


def test_thunderbird_delegation_records_the_delegate(invitation, reply_mailbox):
    raw = thunderbird_reply(
        invitation_uid(invitation),
        partstat="DELEGATED",
        delegate=("Max Vertreter", "max.vertreter@example.org"),
    )
    reply_mailbox.append(raw)

    _poll()

    answered = _reload(invitation)
    assert answered.state == InvitationState.DELEGATED
    assert answered.delegate_name == "Max Vertreter"
    assert "max.vertreter@example.org" in answered.delegate_function


def test_forged_from_goes_to_the_unmatched_list_and_changes_nothing(invitation, reply_mailbox):
    raw = outlook_reply(invitation_uid(invitation), sender="angreifer@example.net")
    reply_mailbox.append(raw)

    _poll()

    assert _reload(invitation).state == InvitationState.SENT
    reply = CalendarReply.objects.get()
    assert reply.outcome == CalendarReplyOutcome.UNMATCHED
    assert reply.conference == invitation.conference
    assert "angreifer@example.net" in reply.reason
    assert reply_mailbox.message_ids(UNMATCHED) == ["<outlook-1@example.org>"]


def test_unknown_uid_goes_to_the_unmatched_list_without_conference(invitation, reply_mailbox):
    reply_mailbox.append(outlook_reply("unbekannt-123@example.org"))

    _poll()

    reply = CalendarReply.objects.get()
    assert (reply.outcome, reply.conference) == (CalendarReplyOutcome.UNMATCHED, None)
    assert reply.reason == "Zu dieser Kalenderkennung (UID) gibt es keine Einladung."
    assert _reload(invitation).state == InvitationState.SENT


def test_the_same_reply_twice_is_processed_once(invitation, reply_mailbox):
    raw = outlook_reply(invitation_uid(invitation))
    reply_mailbox.append(raw)
    _poll()
    services.record_answer(invitation, state=InvitationState.DECLINED, via=AnswerChannel.LINK)

    reply_mailbox.append(raw)
    _poll()

    assert CalendarReply.objects.count() == 1
    assert _reload(invitation).state == InvitationState.DECLINED
    assert reply_mailbox.message_ids(DONE) == ["<outlook-1@example.org>"] * 2


def test_reply_after_the_conference_began_is_refused_with_the_reason(invitation, reply_mailbox):
    start = timezone.now() - timedelta(days=1)
    Conference.objects.filter(pk=invitation.conference_id).update(
        start=start, end=start + timedelta(hours=3)
    )
    reply_mailbox.append(outlook_reply(invitation_uid(invitation)))

    _poll()

    reply = CalendarReply.objects.get()
    assert reply.outcome == CalendarReplyOutcome.UNMATCHED
    assert reply.reason == (
        "Die Konferenz hat bereits begonnen; die Antwort kann nicht mehr geändert werden."
    )
    assert _reload(invitation).state == InvitationState.SENT
    assert reply_mailbox.message_ids(UNMATCHED) == ["<outlook-1@example.org>"]


def test_older_calendar_reply_never_overrides_the_answer_through_the_link(
    invitation, reply_mailbox
):
    services.record_answer(invitation, state=InvitationState.DECLINED, via=AnswerChannel.LINK)
    older = timezone.now() - timedelta(hours=2)
    reply_mailbox.append(outlook_reply(invitation_uid(invitation), stamp=older))

    _poll()

    answered = _reload(invitation)
    assert (answered.state, answered.answered_via) == (InvitationState.DECLINED, "link")
    assert CalendarReply.objects.get().outcome == CalendarReplyOutcome.OLDER


def test_a_later_answer_through_the_link_overrides_the_calendar_reply(invitation, reply_mailbox):
    earlier = timezone.now() - timedelta(minutes=5)
    reply_mailbox.append(outlook_reply(invitation_uid(invitation), stamp=earlier))
    _poll()

    services.record_answer(invitation, state=InvitationState.DECLINED, via=AnswerChannel.LINK)

    answered = _reload(invitation)
    assert (answered.state, answered.answered_via) == (InvitationState.DECLINED, "link")


def test_counter_proposal_tells_the_organiser_and_keeps_the_answer(invitation, reply_mailbox):
    reply_mailbox.append(outlook_reply(invitation_uid(invitation), method="COUNTER"))

    _poll()

    assert _reload(invitation).state == InvitationState.SENT
    assert CalendarReply.objects.get().outcome == CalendarReplyOutcome.COUNTER
    mail = OutgoingMail.objects.get(to="petra.planer@polizei.nrw.example")
    assert mail.subject == (
        "Terminvorschlag von Staatsanwaltschaft Dortmund zu „SiKo Dortmund Frühjahr“"
    )
    assert "Vorgeschlagener Beginn: Dienstag, 2. März 2027, 10:00 Uhr" in mail.body_text


def test_routed_invitation_is_matched_by_its_own_uid(kpb_a_user, reply_mailbox):
    conference = make_conference(kpb_a_user, title="SiKo Dortmund Frühjahr")
    [schulamt] = invite_schulaemter(conference, kpb_a_user)
    services.send_invitations(conference, by=kpb_a_user)
    routed = conference.invitations.get(agency=schulamt)
    raw = outlook_reply(
        invitation_uid(routed), sender="dez48@example.org", attendee="dez48@example.org"
    )
    reply_mailbox.append(raw)

    _poll()

    assert _reload(routed).state == InvitationState.ACCEPTED


def test_a_reply_to_the_conference_uid_by_an_agency_not_invited_is_unmatched(
    invitation, reply_mailbox
):
    other = PartnerAgency.objects.get(slug="hza-dortmund")
    address = "zoll@example.org"
    raw = outlook_reply(invitation_uid(invitation), sender=address, attendee=address)
    reply_mailbox.append(raw)

    _poll()

    reply = CalendarReply.objects.get()
    assert reply.outcome == CalendarReplyOutcome.UNMATCHED
    assert reply.reason == "zoll@example.org ist zu dieser Konferenz nicht eingeladen."
    assert not other.invitations.exists()


def test_without_reply_mailbox_nothing_is_polled(invitation, imap_server, settings):
    imap_server.empty()
    settings.SIKO_REPLY_MAILBOX = ""
    imap_server.append(outlook_reply(invitation_uid(invitation)))

    _poll()

    assert imap_server.message_ids("INBOX") == ["<outlook-1@example.org>"]
    assert not CalendarReply.objects.exists()


def _unmatched(subject: str, conference: Conference | None, number: int = 0) -> CalendarReply:
    return CalendarReply.objects.create(
        message_id=f"<{subject}-{number}@example.org>",
        sender="angreifer@example.net",
        subject=subject,
        conference=conference,
        outcome=CalendarReplyOutcome.UNMATCHED,
        reason=f"Grund {subject}",
    )


def test_unmatched_list_shows_the_organisers_their_conferences_replies_only(
    invitation, kpb_a_user, kpb_b_user, lzpd_user, lka_user
):
    _unmatched("Antwort-Dortmund", invitation.conference)
    _unmatched("Antwort-ohne-Konferenz", None)
    url = reverse("conferences:calendar_replies_unmatched")

    own = client_for(kpb_a_user).get(url).content.decode()
    other = client_for(kpb_b_user).get(url).content.decode()
    lzpd = client_for(lzpd_user).get(url).content.decode()

    assert "Antwort-Dortmund" in own and "Grund Antwort-Dortmund" in own
    assert "Antwort-ohne-Konferenz" not in own
    assert "Antwort-Dortmund" not in other
    assert "Keine nicht zugeordneten Kalenderantworten." in other
    assert "Antwort-Dortmund" in lzpd and "Antwort-ohne-Konferenz" in lzpd
    assert client_for(lka_user).get(url).status_code == 403


def test_unmatched_list_needs_the_same_queries_for_more_replies(invitation, kpb_a_user):
    _unmatched("erste", invitation.conference)
    url = reverse("conferences:calendar_replies_unmatched")

    def grow() -> None:
        for number in range(5):
            _unmatched("weitere", invitation.conference, number)

    assert_constant_queries(client_for(kpb_a_user), url, grow)


def test_the_answers_panel_links_the_unmatched_list_for_the_organisers(
    invitation, kpb_a_user, lka_user
):
    panel = reverse("conferences:answers_panel", kwargs={"pk": invitation.conference_id})
    target = reverse("conferences:calendar_replies_unmatched")

    assert target in client_for(kpb_a_user).get(panel).content.decode()
    assert target not in client_for(lka_user).get(panel).content.decode()


def test_a_mail_without_calendar_reply_and_a_broken_calendar_are_unmatched(
    invitation, reply_mailbox
):
    reply_mailbox.append(
        b"From: Erika Beispiel <erika.beispiel@example.org>\r\n"
        b"Subject: Abwesenheitsnotiz\r\nMessage-ID: <ooo-1@example.org>\r\n\r\n"
        b"Ich bin bis Montag nicht im Haus.\r\n"
    )
    broken = outlook_reply(invitation_uid(invitation), message_id="<kaputt@example.org>")
    reply_mailbox.append(broken.replace(b"Content-Transfer-Encoding: base64", b""))

    _poll()

    reasons = set(CalendarReply.objects.values_list("outcome", "reason"))
    no_reply = "Die Nachricht enthält keine Kalenderantwort (METHOD:REPLY)."
    assert reasons == {(CalendarReplyOutcome.UNMATCHED, no_reply)}
    assert sorted(reply_mailbox.message_ids(UNMATCHED)) == [
        "<kaputt@example.org>",
        "<ooo-1@example.org>",
    ]
    assert _reload(invitation).state == InvitationState.SENT


def test_the_admin_lists_every_reply_read_only(invitation, admin_user):
    _unmatched("Antwort-im-Admin", invitation.conference)
    url = reverse("admin:conferences_calendarreply_changelist")

    response = client_for(admin_user).get(url)

    assert response.status_code == 200
    assert "Antwort-im-Admin" in response.content.decode()
    assert client_for(admin_user).get(url + "add/").status_code == 403
