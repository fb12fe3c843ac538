"""Failed mails without a conference, for LZPD and administrators: the page and the admin show
them and send them again through the outbox ("erneut senden"); records are read-only in the
admin."""

import pytest
from django.urls import reverse

from notifications.enums import MailKind, MailState
from notifications.models import OutgoingMail
from tests.conftest import client_for
from tests.factories.conferences import make_conference

pytestmark = pytest.mark.django_db

PAGE = reverse("reports:failed_mails")


def _mail(key: str, state: str = MailState.FAILED, conference=None) -> OutgoingMail:
    return OutgoingMail.objects.create(
        kind=MailKind.REMINDER,
        dedup_key=key,
        to=f"{key}@polizei.nrw.example",
        subject=f"Betreff {key}",
        body_text="Guten Tag",
        state=state,
        attempts=6,
        last_error="Nach 6 Versuchen aufgegeben: 451 Bitte später",
        conference=conference,
    )


@pytest.fixture
def mails(kpb_a_user) -> dict[str, OutgoingMail]:
    return {
        "lost": _mail("jahresregel"),
        "conference": _mail("einladung", conference=make_conference(kpb_a_user)),
        "sent": _mail("versandt", state=MailState.SENT),
    }


def test_the_lzpd_sees_failed_mails_without_a_conference(lzpd_user, mails) -> None:
    html = client_for(lzpd_user).get(PAGE).content.decode()

    assert "jahresregel@polizei.nrw.example" in html
    assert "Nach 6 Versuchen aufgegeben" in html
    assert "einladung@" not in html  # in its conference's mail log
    assert "versandt@" not in html
    assert "erneut senden" in html


def test_erneut_senden_delivers_the_mail(
    lzpd_user, mails, smtp_server, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(lzpd_user).post(PAGE, {"mail": mails["lost"].pk}, follow=True)

    mails["lost"].refresh_from_db()
    assert mails["lost"].state == MailState.SENT
    assert [m.recipients for m in smtp_server.wait_for(1)] == [["jahresregel@polizei.nrw.example"]]
    assert "werden erneut gesendet" in response.content.decode()
    assert "jahresregel@" not in response.content.decode()  # no longer failed


@pytest.mark.parametrize("given", ["", "abc", "-1", "sent", "conference"])
def test_nothing_else_is_sent_again(lzpd_user, mails, given: str) -> None:
    value = str(mails[given].pk) if given in mails else given

    response = client_for(lzpd_user).post(PAGE, {"mail": value}, follow=True)

    assert response.status_code == 200
    assert "nichts erneut gesendet" in response.content.decode()
    assert {m.dedup_key: m.state for m in OutgoingMail.objects.all()} == {
        "jahresregel": MailState.FAILED,
        "einladung": MailState.FAILED,
        "versandt": MailState.SENT,
    }


def test_alle_erneut_senden_takes_only_those_without_a_conference(lzpd_user, mails) -> None:
    client_for(lzpd_user).post(PAGE, {"mail": "alle"})

    states = {m.dedup_key: m.state for m in OutgoingMail.objects.all()}
    assert states["jahresregel"] != MailState.FAILED
    assert states["einladung"] == MailState.FAILED


ADMIN_PAGES = [
    "admin:conferences_conference_changelist",
    "admin:notifications_outgoingmail_changelist",
    "admin:notifications_reminder_changelist",
    "admin:reports_annualreport_changelist",
    "admin:reports_reportreview_changelist",
    "admin:siko_auditentry_changelist",
    "admin:siko_localmail_changelist",
]


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_the_admin_reads_the_records_without_changing_them(admin_user, mails, name) -> None:
    client = client_for(admin_user)

    listing = client.get(reverse(name))
    adding = client.get(reverse(name.replace("_changelist", "_add")))

    assert listing.status_code == 200
    assert adding.status_code == 403


def test_the_admin_shows_a_conference_and_its_mails(admin_user, mails) -> None:
    conference = mails["conference"].conference
    client = client_for(admin_user)

    detail = client.get(reverse("admin:conferences_conference_change", args=[conference.pk]))
    failed = client.get(
        reverse("admin:notifications_outgoingmail_changelist") + "?state__exact=failed"
    )

    assert detail.status_code == 200 and conference.title in detail.content.decode()
    assert 'name="_save"' not in detail.content.decode()
    assert "jahresregel@polizei.nrw.example" in failed.content.decode()


def test_the_admin_action_sends_failed_mails_again(
    admin_user, mails, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post(
            reverse("admin:notifications_outgoingmail_changelist"),
            {
                "action": "send_again",
                "_selected_action": [m.pk for m in mails.values()],
            },
            follow=True,
        )

    states = {m.dedup_key: m.state for m in OutgoingMail.objects.all()}
    assert "2 fehlgeschlagene Mails werden erneut gesendet" in response.content.decode()
    assert states == {
        "jahresregel": MailState.SENT,  # the local mailbox of the test settings
        "einladung": MailState.SENT,
        "versandt": MailState.SENT,
    }


def test_the_lagebild_links_the_page_for_lzpd_only(lzpd_user, lka_user) -> None:
    state = reverse("reports:state")

    assert PAGE in client_for(lzpd_user).get(state).content.decode()
    assert PAGE not in client_for(lka_user).get(state).content.decode()
