"""The printable invitation letter and the calendar subscription feeds."""

import io
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from pypdf import PdfReader

from authorities.models import Authority, Contact, PartnerAgency
from conferences import services
from conferences.documents import feeds
from conferences.documents.letters import render_invitation_letter
from conferences.links import answer_url, overview_token
from conferences.models import CalendarFeed, Conference, Invitation
from siko.pdf import StaticFilesFetcher, html_to_pdf
from tests.conftest import client_for
from tests.factories.conferences import make_conference
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _squeezed(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def conference(organiser):
    start = datetime(timezone.now().year + 1, 7, 1, 10, 0, tzinfo=BERLIN)
    return make_conference(
        organiser,
        start=start,
        end=start + timedelta(hours=3),
        place="Polizeipräsidium Dortmund, Saal 1",
    )


@pytest.fixture
def sta_invitation(conference, organiser):
    """The prosecutors' contact has no e-mail address: they get a letter."""
    sta = PartnerAgency.objects.get(slug="sta-dortmund")
    Contact.objects.create(agency=sta, name="Erika Beispiel", function="LOStA")
    services.add_invitations(conference, agencies=[sta], by=organiser)
    return conference.invitations.get(agency=sta)


# --- letter -------------------------------------------------------------------------------


def test_letter_is_a_pdf_with_agency_date_place_and_answer_link(sta_invitation):
    pdf = render_invitation_letter(sta_invitation)
    text = _pdf_text(pdf)

    assert pdf.startswith(b"%PDF")
    assert "Staatsanwaltschaft Dortmund" in text
    assert "z. Hd. Erika Beispiel, LOStA" in text
    assert f"1. Juli {timezone.now().year + 1}" in text
    assert "10:00 bis 13:00 Uhr" in text
    assert "Polizeipräsidium Dortmund, Saal 1" in text
    assert "Sicherheitslage" in text
    assert _squeezed(answer_url(sta_invitation)) in _squeezed(text)


def test_schulamt_letter_goes_to_the_bezirksregierung_for_forwarding(conference, organiser):
    schulamt = PartnerAgency.objects.filter(
        category="schulamt", coverages__authority__slug="pp-dortmund"
    ).first()
    services.add_invitations(conference, agencies=[schulamt], by=organiser)

    text = _pdf_text(render_invitation_letter(conference.invitations.get()))

    assert schulamt.routed_via.name in text
    assert f"zur Weiterleitung an: {schulamt.name}" in " ".join(text.split())


def test_organiser_downloads_the_letter(sta_invitation, organiser):
    url = reverse(
        "conferences:invitation_letter",
        kwargs={"pk": sta_invitation.conference_id, "invitation_pk": sta_invitation.pk},
    )

    response = client_for(organiser).get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="einladung-sta-dortmund.pdf"'
    assert response.content.startswith(b"%PDF")


def test_send_page_offers_the_letter_for_a_contact_without_email(sta_invitation, organiser):
    letter_url = reverse(
        "conferences:invitation_letter",
        kwargs={"pk": sta_invitation.conference_id, "invitation_pk": sta_invitation.pk},
    )

    html = (
        client_for(organiser)
        .get(reverse("conferences:send", kwargs={"pk": sta_invitation.conference_id}))
        .content.decode()
    )

    assert "Ohne E-Mail-Adresse – bitte per Brief einladen" in html
    assert f'href="{letter_url}"' in html


def test_letter_of_a_cancelled_conference_is_refused_with_a_message(sta_invitation, organiser):
    services.cancel_conference(sta_invitation.conference, reason="Unwetter", by=organiser)
    url = reverse(
        "conferences:invitation_letter",
        kwargs={"pk": sta_invitation.conference_id, "invitation_pk": sta_invitation.pk},
    )

    response = client_for(organiser).get(url, follow=True)

    assert "gibt es kein Einladungsschreiben mehr" in response.content.decode()


def test_letter_of_another_conference_invitation_is_404(sta_invitation, organiser):
    other = make_conference(organiser)
    url = reverse(
        "conferences:invitation_letter", kwargs={"pk": other.pk, "invitation_pk": sta_invitation.pk}
    )

    assert client_for(organiser).get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.org/logo.png",
        "https://example.org/style.css",
        "ftp://example.org/x",
        Path(settings.STATICFILES_DIRS[0]).as_uri() + "/../siko/settings.py",
        "file://otherhost" + str(Path(settings.STATICFILES_DIRS[0]) / "css" / "siko.css"),
    ],
)
def test_url_fetcher_refuses_everything_outside_static(url):
    with pytest.raises(ValueError, match="Refused"):
        StaticFilesFetcher()(url)


def test_url_fetcher_serves_our_static_files():
    css = Path(settings.STATICFILES_DIRS[0]) / "css" / "siko.css"

    response = StaticFilesFetcher()(css.as_uri())

    assert response.read() == css.read_bytes()


def test_pdf_rendering_never_loads_foreign_resources():
    fetcher = StaticFilesFetcher()
    html = (
        '<link rel="stylesheet" href="http://127.0.0.1:9/evil.css">'
        '<img src="file:///etc/passwd" alt=""><p>Text</p>'
    )

    pdf = html_to_pdf(html, fetcher=fetcher)

    assert pdf.startswith(b"%PDF")
    assert fetcher.refused == ["http://127.0.0.1:9/evil.css", "file:///etc/passwd"]


# --- calendar feeds -----------------------------------------------------------------------


def _events(response) -> dict[str, object]:
    calendar = Calendar.from_ical(response.content)
    assert calendar["METHOD"] == "PUBLISH"
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_kpb_creates_its_feed_and_the_feed_lists_its_conferences(organiser, conference, kpb_b_user):
    dortmund = Authority.objects.get(slug="pp-dortmund")
    co_hosted = services.create_conference(
        host=kpb_b_user.authority,
        co_hosts=[dortmund],
        by=kpb_b_user,
        data={
            "title": "Gemeinsame SiKo",
            "kind": "siko",
            "place": "Borken",
            "start": conference.start + timedelta(days=2),
            "end": conference.start + timedelta(days=2, hours=2),
        },
    )
    foreign = make_conference(kpb_b_user, title="Nur Borken")
    client = client_for(organiser)

    client.post(reverse("conferences:calendar_feeds"), {"action": "create_authority"})
    feed = CalendarFeed.objects.get(authority=dortmund)
    response = client_for(None).get(feeds.feed_url(feed))

    assert len(feed.token) >= 43
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = _events(response)
    assert set(events) == {conference.ical_uid, co_hosted.ical_uid}
    assert foreign.ical_uid not in events
    assert str(events[conference.ical_uid]["STATUS"]) == "TENTATIVE"  # still a draft


def test_feed_page_shows_the_subscription_url(organiser):
    feed = feeds.create_feed(authority=organiser.authority, by=organiser)

    html = client_for(organiser).get(reverse("conferences:calendar_feeds")).content.decode()

    assert feeds.feed_url(feed) in html
    assert "webcal://" in html


def test_revoked_feed_is_404_with_german_text(organiser):
    feed = feeds.create_feed(authority=organiser.authority, by=organiser)
    client_for(organiser).post(
        reverse("conferences:calendar_feeds"), {"action": "revoke", "feed": feed.pk}
    )

    response = client_for(None).get(feeds.feed_url(feed))

    assert response.status_code == 404
    assert (
        "Dieses Kalender-Abo gibt es nicht oder es wurde widerrufen." in response.content.decode()
    )


def test_unknown_token_is_404():
    response = client_for(None).get(
        reverse("conferences:calendar_feed", kwargs={"token": "x" * 43})
    )

    assert response.status_code == 404


def test_a_second_url_leaves_the_first_working(organiser):
    first = feeds.create_feed(authority=organiser.authority, by=organiser)

    client_for(organiser).post(
        reverse("conferences:calendar_feeds"), {"action": "create_authority"}
    )

    second = CalendarFeed.objects.exclude(pk=first.pk).get(authority=organiser.authority)
    assert client_for(None).get(feeds.feed_url(first)).status_code == 200
    assert client_for(None).get(feeds.feed_url(second)).status_code == 200
    html = client_for(organiser).get(reverse("conferences:calendar_feeds")).content.decode()
    assert feeds.feed_url(first) in html
    assert feeds.feed_url(second) in html


def test_other_kpb_cannot_revoke_the_feed(organiser, kpb_b_user):
    feed = feeds.create_feed(authority=organiser.authority, by=organiser)

    response = client_for(kpb_b_user).post(
        reverse("conferences:calendar_feeds"), {"action": "revoke", "feed": feed.pk}
    )

    assert response.status_code == 404
    assert CalendarFeed.objects.get(pk=feed.pk).revoked_at is None


def _overview(agency: PartnerAgency) -> str:
    return reverse("conferences:partner_overview", kwargs={"token": overview_token(agency)})


def test_agency_feed_lists_its_invitations_with_its_own_answer_links_only(organiser):
    sta = PartnerAgency.objects.get(slug="sta-dortmund")
    Contact.objects.create(agency=sta, name="E", function="L", email="e@example.org")
    city = PartnerAgency.objects.get(slug="bpoli-dortmund")
    Contact.objects.create(agency=city, name="S", function="L", email="s@example.org")
    scheduled = make_conference(organiser, title="Geplant")
    draft = make_conference(organiser, title="Entwurf", days_ahead=40)
    cancelled = make_conference(organiser, title="Abgesagt", days_ahead=50)
    unsent = make_conference(organiser, title="Noch nicht versendet", days_ahead=55)
    for conference in (scheduled, draft, cancelled):
        services.add_invitations(conference, agencies=[sta, city], by=organiser)
    for conference in (scheduled, cancelled):
        services.send_invitations(conference, by=organiser)
    services.cancel_conference(cancelled, reason="Unwetter", by=organiser)
    services.add_invitations(unsent, agencies=[city], by=organiser)
    services.send_invitations(unsent, by=organiser)
    services.add_invitations(unsent, agencies=[sta], by=organiser)  # planned, not yet sent
    not_invited = make_conference(organiser, title="Ohne StA")
    services.add_invitations(not_invited, agencies=[city], by=organiser)
    services.send_invitations(not_invited, by=organiser)
    client_for(None).post(_overview(sta), {"action": "create_feed"})
    feed = CalendarFeed.objects.get(agency=sta)

    body = client_for(None).get(feeds.feed_url(feed)).content.decode()
    events = _events(client_for(None).get(feeds.feed_url(feed)))

    assert set(events) == {scheduled.ical_uid, cancelled.ical_uid}
    assert str(events[cancelled.ical_uid]["STATUS"]) == "CANCELLED"
    own = Invitation.objects.get(conference=scheduled, agency=sta)
    assert str(events[scheduled.ical_uid]["URL"]) == answer_url(own)
    city_links = [answer_url(i) for i in Invitation.objects.filter(agency=city)]
    assert [link for link in city_links if link in body.replace("\r\n ", "")] == []
    assert body.replace("\r\n ", "").count("/antwort/") == 2  # URL and description of one event


def test_kpb_cannot_create_a_feed_for_an_agency_outside_its_area(kpb_b_user):
    sta = PartnerAgency.objects.get(slug="sta-dortmund")

    response = client_for(kpb_b_user).post(
        reverse("conferences:calendar_feeds"), {"action": "create_agency", "agency": sta.pk}
    )

    assert response.status_code == 403
    assert not CalendarFeed.objects.filter(agency=sta).exists()


def test_partner_account_creates_its_own_agency_feed(partner_user):
    client = client_for(partner_user)

    client.post(
        reverse("conferences:calendar_feeds"),
        {"action": "create_agency", "agency": partner_user.partner_agency_id},
    )
    html = client.get(reverse("conferences:calendar_feeds")).content.decode()

    feed = CalendarFeed.objects.get(agency_id=partner_user.partner_agency_id)
    assert feeds.feed_url(feed) in html


def test_bad_agency_choice_gets_a_german_message(lzpd_user):
    response = client_for(lzpd_user).post(
        reverse("conferences:calendar_feeds"),
        {"action": "create_agency", "agency": "abc"},
        follow=True,
    )

    assert "Bitte wählen Sie eine Partnerbehörde." in response.content.decode()


def test_feed_needs_constant_queries(organiser):
    feed = feeds.create_feed(authority=organiser.authority, by=organiser)
    make_conference(organiser)

    def grow() -> None:
        for days in (40, 50, 60):
            make_conference(organiser, days_ahead=days)

    assert_constant_queries(client_for(None), feeds.feed_url(feed), grow)


def test_feed_page_needs_constant_queries(organiser):
    feeds.create_feed(authority=organiser.authority, by=organiser)

    def grow() -> None:
        for _ in range(3):
            feeds.create_feed(authority=organiser.authority, by=organiser)

    assert_constant_queries(client_for(organiser), reverse("conferences:calendar_feeds"), grow)


def test_feed_page_of_lzpd_needs_constant_queries(lzpd_user):
    agencies = iter(PartnerAgency.objects.filter(coverages__authority__slug="pp-dortmund"))
    feeds.create_feed(agency=next(agencies), by=lzpd_user)

    def grow() -> None:
        for _ in range(3):
            feeds.create_feed(agency=next(agencies), by=lzpd_user)

    assert_constant_queries(client_for(lzpd_user), reverse("conferences:calendar_feeds"), grow)


def test_organiser_downloads_one_conference_as_ics(organiser, conference):
    response = client_for(organiser).get(
        reverse("conferences:conference_ics", kwargs={"pk": conference.pk})
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert list(_events(response)) == [conference.ical_uid]


# --- who may create an agency's feed (issue 10) ---------------------------------------------


@pytest.fixture
def bundespolizei(organiser, kpb_b_user):
    """The Bundespolizeidirektion covers all KPBs; Borken invited it to one of its conferences
    and the agency subscribed to its own feed."""
    agency = PartnerAgency.objects.get(slug="bpold-sankt-augustin")
    Contact.objects.create(agency=agency, name="B", function="L", email="bpol@example.org")
    borken = make_conference(kpb_b_user, title="SiKo Borken")
    services.add_invitations(borken, agencies=[agency], by=kpb_b_user)
    services.send_invitations(borken, by=kpb_b_user)
    return agency


def test_kpb_cannot_create_the_feed_of_a_partner_agency_covering_its_area(organiser, bundespolizei):
    partners_own = feeds.create_feed(agency=bundespolizei, by=None)

    response = client_for(organiser).post(
        reverse("conferences:calendar_feeds"),
        {"action": "create_agency", "agency": bundespolizei.pk},
    )

    assert response.status_code in (403, 404)
    assert list(CalendarFeed.objects.filter(agency=bundespolizei)) == [partners_own]
    assert client_for(None).get(feeds.feed_url(partners_own)).status_code == 200


def test_kpb_cannot_create_an_agency_feed_through_the_service(organiser, bundespolizei):
    with pytest.raises(feeds.FeedError, match="Dieses Kalender-Abo dürfen Sie nicht anlegen."):
        feeds.create_feed(agency=bundespolizei, by=organiser)

    assert not CalendarFeed.objects.filter(agency=bundespolizei).exists()


def test_kpb_cannot_revoke_or_see_an_agency_feed_of_its_area(organiser, bundespolizei):
    feed = feeds.create_feed(agency=bundespolizei, by=None)
    client = client_for(organiser)

    response = client.post(
        reverse("conferences:calendar_feeds"), {"action": "revoke", "feed": feed.pk}
    )
    html = client.get(reverse("conferences:calendar_feeds")).content.decode()

    assert response.status_code == 404
    assert CalendarFeed.objects.get(pk=feed.pk).revoked_at is None
    assert feed.token not in html
    assert 'value="create_agency"' not in html
    assert "Abos für Partnerbehörden" not in html


def test_partner_creates_its_feed_through_its_overview_link(bundespolizei, kpb_b_user):
    overview = _overview(bundespolizei)
    before = client_for(None).get(overview).content.decode()

    response = client_for(None).post(overview, {"action": "create_feed"}, follow=True)

    assert "Abo-Adresse erzeugen" in before
    assert response.redirect_chain == [(overview, 302)]
    feed = CalendarFeed.objects.get(agency=bundespolizei)
    html = response.content.decode()
    assert feeds.feed_url(feed) in html
    assert "webcal://" + feeds.feed_url(feed).split("://", 1)[1] in html
    events = _events(client_for(None).get(feeds.feed_url(feed)))
    invitation = Invitation.objects.get(agency=bundespolizei)
    assert list(events) == [invitation.conference.ical_uid]
    assert str(events[invitation.conference.ical_uid]["URL"]) == answer_url(invitation)


def test_showing_the_overview_creates_no_feed(bundespolizei):
    client_for(None).get(_overview(bundespolizei))

    assert not CalendarFeed.objects.exists()


def test_a_second_agency_feed_leaves_the_first_working(bundespolizei):
    overview = _overview(bundespolizei)
    client_for(None).post(overview, {"action": "create_feed"})
    first = CalendarFeed.objects.get(agency=bundespolizei)

    html = client_for(None).post(overview, {"action": "create_feed"}, follow=True)
    html = html.content.decode()

    second = CalendarFeed.objects.exclude(pk=first.pk).get(agency=bundespolizei)
    assert client_for(None).get(feeds.feed_url(first)).status_code == 200
    assert client_for(None).get(feeds.feed_url(second)).status_code == 200
    assert feeds.feed_url(first) in html
    assert feeds.feed_url(second) in html


def test_partner_revokes_its_feed_through_its_overview_link(bundespolizei):
    keep = feeds.create_feed(agency=bundespolizei, by=None)
    revoke = feeds.create_feed(agency=bundespolizei, by=None)

    response = client_for(None).post(
        _overview(bundespolizei), {"action": "revoke_feed", "feed": revoke.pk}, follow=True
    )

    assert "Das Kalender-Abo ist widerrufen" in response.content.decode()
    assert client_for(None).get(feeds.feed_url(revoke)).status_code == 404
    assert client_for(None).get(feeds.feed_url(keep)).status_code == 200


@pytest.mark.parametrize("feed_value", ["own authority", "other agency", "abc", "99999999999"])
def test_overview_link_revokes_no_feed_of_another_owner(organiser, bundespolizei, feed_value):
    sta = PartnerAgency.objects.get(slug="sta-dortmund")
    others = [
        feeds.create_feed(authority=organiser.authority, by=organiser),
        feeds.create_feed(agency=sta, by=None),
    ]
    value = {"own authority": others[0].pk, "other agency": others[1].pk}.get(
        feed_value, feed_value
    )

    response = client_for(None).post(
        _overview(bundespolizei), {"action": "revoke_feed", "feed": value}
    )

    assert response.status_code == 404
    assert CalendarFeed.objects.filter(revoked_at__isnull=False).count() == 0


def test_bad_overview_link_creates_no_feed(bundespolizei):
    token = overview_token(bundespolizei)[:-2] + "xx"

    response = client_for(None).post(
        reverse("conferences:partner_overview", kwargs={"token": token}), {"action": "create_feed"}
    )

    assert response.status_code == 404
    assert not CalendarFeed.objects.exists()


def test_lzpd_creates_and_revokes_an_agency_feed(lzpd_user, bundespolizei):
    client = client_for(lzpd_user)

    client.post(
        reverse("conferences:calendar_feeds"),
        {"action": "create_agency", "agency": bundespolizei.pk},
    )
    feed = CalendarFeed.objects.get(agency=bundespolizei)
    assert client_for(None).get(feeds.feed_url(feed)).status_code == 200
    client.post(reverse("conferences:calendar_feeds"), {"action": "revoke", "feed": feed.pk})

    assert client_for(None).get(feeds.feed_url(feed)).status_code == 404


def test_partner_account_cannot_revoke_another_agencys_feed(partner_user, bundespolizei):
    feed = feeds.create_feed(agency=bundespolizei, by=None)

    response = client_for(partner_user).post(
        reverse("conferences:calendar_feeds"), {"action": "revoke", "feed": feed.pk}
    )

    assert response.status_code == 404
    assert CalendarFeed.objects.get(pk=feed.pk).revoked_at is None


def test_authority_feed_carries_no_answer_links(organiser, bundespolizei):
    sta = PartnerAgency.objects.get(slug="sta-dortmund")
    Contact.objects.create(agency=sta, name="E", function="L", email="e@example.org")
    conference = make_conference(organiser, title="Mit Einladungen")
    services.add_invitations(conference, agencies=[sta, bundespolizei], by=organiser)
    services.send_invitations(conference, by=organiser)
    feed = feeds.create_feed(authority=organiser.authority, by=organiser)

    response = client_for(None).get(feeds.feed_url(feed))
    body = response.content.decode().replace("\r\n ", "")

    assert list(_events(response)) == [conference.ical_uid]
    assert "/antwort/" not in body
    assert "ATTENDEE" not in body
    assert settings.SITE_URL + conference.get_absolute_url() in body


def test_agency_feed_drops_the_answer_link_once_it_expired(organiser, bundespolizei):
    past = make_conference(organiser, title="Lange vorbei")
    services.add_invitations(past, agencies=[bundespolizei], by=organiser)
    services.send_invitations(past, by=organiser)
    ended = timezone.now() - timedelta(days=settings.SIKO_ANSWER_LINK_DAYS_AFTER_END + 1)
    Conference.objects.filter(pk=past.pk).update(start=ended - timedelta(hours=3), end=ended)
    feed = feeds.create_feed(agency=bundespolizei, by=None)

    events = _events(client_for(None).get(feeds.feed_url(feed)))

    assert "URL" not in events[past.ical_uid]
    assert "/antwort/" not in str(events[past.ical_uid]["DESCRIPTION"])
    assert "URL" in events[Invitation.objects.exclude(conference=past).get().conference.ical_uid]
