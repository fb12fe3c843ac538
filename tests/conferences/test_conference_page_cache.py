"""The conference page from the cache (conferences.views.planning.ConferenceDetailView): its body,
the whole page around it and the conference row as the viewer's scope finds it.

A cached page is the same page: any write to what it shows appears on the next request, another
KPB never gets it, each viewer sees the buttons of their own permissions and posts with their own
CSRF token. Runs on SQLite and PostgreSQL.
"""

import re
from collections import Counter
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from authorities.models import Authority, PartnerAgency
from conferences import services
from conferences.enums import AnswerChannel, InvitationState
from conferences.models import AgendaItem, Conference, ConferenceDocument, Invitation
from followup import actions
from notifications.enums import MailState
from notifications.models import OutgoingMail
from siko.page_version import tracked_tables
from tests.conftest import client_for, make_user
from tests.factories.conferences import (
    add_head,
    invite_new_agencies,
    make_conference,
    make_recorded_conference,
)

pytestmark = pytest.mark.django_db
BERLIN = timezone.get_default_timezone()


@pytest.fixture
def conference(kpb_a_user) -> Conference:
    """A scheduled conference of PP Dortmund; the Staatsanwaltschaft has not answered yet."""
    conference = make_conference(kpb_a_user, title="SiKo Dortmund Herbst")
    agencies = [
        add_head("sta-dortmund", "Erika Beispiel", email="erika@sta.example"),
        add_head("hza-dortmund", "Max Muster", email="max@zoll.example"),
    ]
    services.add_invitations(conference, agencies=agencies, by=kpb_a_user)
    services.send_invitations(conference, by=kpb_a_user)
    return conference


def page(client: Client, conference: Conference) -> str:
    response = client.get(conference.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def queries(client: Client, conference: Conference) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        page(client, conference)
    return [query["sql"] for query in captured.captured_queries]


def badge_of(html: str, agency_name: str) -> str:
    row = html.split(f"<tr><td>{agency_name}", 1)[1].split("</tr>", 1)[0]
    return re.search(r'class="badge state state-invitation-(\w+)"', row).group(1)  # type: ignore[union-attr]


def test_a_recorded_answer_shows_on_the_next_request(conference, kpb_a_user):
    client = client_for(kpb_a_user)
    assert badge_of(page(client, conference), "Staatsanwaltschaft Dortmund") == "sent"
    assert len(queries(client, conference)) < 10  # from the cache

    services.record_answer(
        conference.invitations.get(agency__slug="sta-dortmund"),
        state=InvitationState.ACCEPTED,
        via=AnswerChannel.PHONE,
        by=kpb_a_user,
    )

    assert badge_of(page(client, conference), "Staatsanwaltschaft Dortmund") == "accepted"


def test_an_added_invitation_and_a_renamed_agenda_item_show_on_the_next_request(
    conference, kpb_a_user
):
    client = client_for(kpb_a_user)
    before = page(client, conference)
    assert "Extra" not in before
    item = conference.agenda_items.first()
    assert item.title in before

    invite_new_agencies(conference, kpb_a_user, 1)
    AgendaItem.objects.filter(pk=item.pk).update(title="Lagebild Innenstadt")  # no signal
    after = page(client, conference)

    assert re.search(r"<tr><td>Extra \d+", after)
    assert "Lagebild Innenstadt" in after


def test_a_failed_mail_and_a_new_document_show_on_the_next_request(conference, kpb_a_user):
    client = client_for(kpb_a_user)
    before = page(client, conference)
    assert "konnte nicht zugestellt werden" not in before

    OutgoingMail.objects.filter(pk=conference.mails.first().pk).update(state=MailState.FAILED)
    ConferenceDocument.objects.create(
        conference=conference,
        title="Lagebild 2026",
        original_name="lagebild.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
        file="documents/lagebild.pdf",
    )
    after = page(client, conference)

    assert "1 Mail konnte nicht zugestellt werden." in after
    assert "Lagebild 2026" in after


def test_a_renamed_partner_shows_on_the_next_request(conference, kpb_a_user):
    client = client_for(kpb_a_user)
    assert "Hauptzollamt Dortmund" in page(client, conference)

    PartnerAgency.objects.filter(slug="hza-dortmund").update(name="Hauptzollamt Dortmund-Mitte")

    assert "Hauptzollamt Dortmund-Mitte" in page(client, conference)


def test_the_page_changes_when_the_conference_starts_without_any_write(conference, kpb_a_user):
    now = timezone.now()
    Conference.objects.filter(pk=conference.pk).update(
        start=now + timedelta(minutes=10), end=now + timedelta(hours=3)
    )
    client = client_for(kpb_a_user)
    before = page(client, conference)
    assert "Erinnerung jetzt senden" in before
    assert "Anwesenheit und Protokoll werden ab Beginn" in before

    later = now + timedelta(minutes=15)  # the session is still fresh
    with mock.patch("django.utils.timezone.now", return_value=later):
        after = page(client, conference)

    assert "Erinnerung jetzt senden" not in after
    assert "Anwesenheit erfassen" in after


def test_a_page_cached_for_its_kpb_is_404_for_another(conference, kpb_a_user, kpb_b_user):
    page(client_for(kpb_a_user), conference)

    response = client_for(kpb_b_user).get(conference.get_absolute_url())

    assert response.status_code == 404


@pytest.mark.parametrize("first", ["organiser", "lzpd"])
def test_each_viewer_sees_the_buttons_of_their_own_permissions(
    conference, kpb_a_user, lzpd_user, first
):
    clients = {"organiser": client_for(kpb_a_user), "lzpd": client_for(lzpd_user)}
    second = "lzpd" if first == "organiser" else "organiser"
    pages = {first: page(clients[first], conference)}
    pages[second] = page(clients[second], conference)

    for marker in ("Daten bearbeiten", "Erinnerung jetzt senden", "Antwort erfassen"):
        assert marker in pages["organiser"]
        assert marker not in pages["lzpd"]


def test_a_co_host_sees_the_leave_button_and_the_host_does_not(conference, kpb_a_user):
    conference.authorities.add(Authority.objects.get(slug="pp-essen"))
    co_host = make_user("kpb-essen", "kpb", authority="pp-essen")

    host_page = page(client_for(kpb_a_user), conference)
    co_host_page = page(client_for(co_host), conference)

    assert "Konferenz verlassen" not in host_page
    assert "Konferenz verlassen" in co_host_page
    assert "Daten bearbeiten" not in co_host_page


def test_a_co_host_that_left_gets_a_404_from_its_cached_page(conference, kpb_a_user):
    """The conference row is kept under the data version as the viewer's scope found it; leaving
    changes the version, so the next request finds the conference outside the scope."""
    conference.authorities.add(Authority.objects.get(slug="pp-essen"))
    co_host = make_user("kpb-essen", "kpb", authority="pp-essen")
    client = client_for(co_host)
    page(client, conference)
    page(client, conference)  # from the cache

    services.leave_conference(conference, by=co_host)

    assert client.get(conference.get_absolute_url()).status_code == 404
    assert "SiKo Dortmund Herbst" in page(client_for(kpb_a_user), conference)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_the_csrf_token_in_the_cached_page_is_the_requesters_own(conference, kpb_a_user):
    colleague = make_user("kpb-a2", "kpb", authority="pp-dortmund")
    first = Client(enforce_csrf_checks=True)
    first.force_login(kpb_a_user)
    second = Client(enforce_csrf_checks=True)
    second.force_login(colleague)
    page(first, conference)  # fills the cache

    html = page(second, conference)
    token = csrf_of(html)
    invitation = conference.invitations.get(agency__slug="sta-dortmund")
    response = second.post(
        reverse("conferences:remind_now", kwargs={"pk": conference.pk}),
        {"invitation": [invitation.pk], "csrfmiddlewaretoken": token},
    )

    assert token != csrf_of(page(first, conference))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.reminded_at is not None


def test_cached_page_needs_the_same_queries_for_60_as_for_10_invitations(kpb_a_user):
    conference = make_conference(kpb_a_user)
    invite_new_agencies(conference, kpb_a_user, 10)
    services.send_invitations(conference, by=kpb_a_user)
    client = client_for(kpb_a_user)
    page(client, conference)
    small = len(queries(client, conference))

    invite_new_agencies(conference, kpb_a_user, 50)
    page(client, conference)  # renders afresh after the write
    large = len(queries(client, conference))

    assert conference.invitations.count() == 60
    assert small == large


def _shape(sql: str) -> str:
    """A query without its literals (the session's timestamps differ from request to request)."""
    return re.sub(r"'[^']*'", "?", sql)


def _tables(sql: list[str]) -> set[str]:
    return {t for query in sql for t in re.findall(r'(?:FROM|JOIN)\s+"(\w+)"', query)}


def _held_conference(kpb_a_user) -> Conference:
    conference = make_recorded_conference(
        "pp-dortmund",
        datetime(2025, 3, 10, 10, tzinfo=BERLIN),
        organiser=kpb_a_user,
        categories=["kommune", "staatsanwaltschaft"],
        topics=["sicherheitslage"],
        co_hosts=["pp-essen"],
    )
    Invitation.objects.filter(conference=conference).update(attended=True)
    return conference


@pytest.mark.parametrize("kind", ["scheduled", "held"])
def test_every_table_the_cached_body_reads_is_in_the_page_version(
    conference, kpb_a_user, lzpd_user, kind
):
    """What only a render from scratch reads must change the token when written; what every
    request reads (session, user, the conference for the permission check) is read live."""
    if kind == "held":
        conference = _held_conference(kpb_a_user)
    else:
        conference.authorities.add(Authority.objects.get(slug="pp-essen"))
    client = client_for(kpb_a_user)
    page(client, conference)
    cached = queries(client, conference)
    AgendaItem.objects.filter(conference=conference).update(notes="neu")  # a new token
    fresh = queries(client, conference)

    only_fresh = list((Counter(map(_shape, fresh)) - Counter(map(_shape, cached))).elements())

    assert _tables(only_fresh)  # the render did read
    assert _tables(only_fresh) <= set(tracked_tables(apps))


def test_the_offer_of_open_actions_follows_the_clock(kpb_a_user):
    """An action on the agenda of a planned conference is not offered to another; once that
    conference has started it is, without any write in between."""
    from tests.followup.test_agenda_offer import AGENCIES, TEXT
    from tests.followup.test_attendance import attend, make_past_conference

    held = attend(make_past_conference(kpb_a_user), kpb_a_user)
    scheduled = make_conference(kpb_a_user, days_ahead=60, title="SiKo Dortmund Frühjahr")
    services.add_invitations(
        scheduled, agencies=PartnerAgency.objects.filter(slug__in=AGENCIES), by=kpb_a_user
    )
    services.send_invitations(scheduled, by=kpb_a_user)
    soon = make_conference(kpb_a_user, days_ahead=1, title="SiKo Sondersitzung")
    now = timezone.now()
    Conference.objects.filter(pk=soon.pk).update(
        start=now + timedelta(minutes=10), end=now + timedelta(hours=2)
    )
    action = actions.create_action(
        held,
        text=TEXT,
        due_date=timezone.localdate() + timedelta(days=30),
        owner_agency=None,
        by=kpb_a_user,
    )
    assert soon.agenda_items.filter(source_action=action).exists()  # carried onto the draft
    client = client_for(kpb_a_user)
    offer = "Eine offene Maßnahme früherer Konferenzen steht nicht auf der Tagesordnung."
    assert offer not in page(client, scheduled)

    with mock.patch("django.utils.timezone.now", return_value=now + timedelta(minutes=15)):
        later = page(client, scheduled)

    assert offer in later
