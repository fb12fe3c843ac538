"""The partner's answer page served from siko.page_cache (issue 14): every write to what it shows
is on the next load, the link is checked before the cache is asked, the CSRF token is the
requester's, and the plain form template renders what crispy-forms rendered."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django.conf import settings
from django.db import connection
from django.template import engines
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from authorities.models import PartnerAgency
from conferences import services
from conferences.forms import AnswerForm
from conferences.links import answer_token
from conferences.models import AgendaItem, Invitation
from siko.page_cache import CSRF_PLACEHOLDER
from tests.conftest import client_for
from tests.factories.conferences import add_head, invite_new_agencies, make_conference

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(kpb_a_user) -> Invitation:
    conference = make_conference(kpb_a_user, title="SiKo Dortmund Herbst", place="Saal 3")
    agency = add_head(
        "sta-dortmund", "Erika Beispiel", function="Leitende OStA", email="erika@example.org"
    )
    zoll = PartnerAgency.objects.get(slug="hza-dortmund")
    services.add_invitations(conference, agencies=[agency, zoll], by=kpb_a_user)
    services.send_invitations(conference, by=kpb_a_user)
    return Invitation.objects.get(conference=conference, agency=agency)


def _url(invitation: Invitation) -> str:
    return reverse("conferences:answer", kwargs={"token": answer_token(invitation)})


def _page(client: Client, invitation: Invitation) -> str:
    response = client.get(_url(invitation))
    assert response.status_code == 200
    return response.content.decode()


def _form_token(html: str) -> str:
    marker = 'name="csrfmiddlewaretoken" value="'
    start = html.rindex(marker) + len(marker)  # the answer form's, after the language form's
    return html[start : html.index('"', start)]


def test_an_answer_shows_on_the_reload(invitation):
    client = Client()
    assert "noch keine Antwort" in _page(client, invitation)

    response = client.post(
        _url(invitation), {"state": "declined", "comment": "Terminkollision"}, follow=True
    )
    html = response.content.decode()

    assert "Ihre Antwort „Absage“ ist gespeichert" in html  # the message, outside the cache
    assert "noch keine Antwort" not in html
    assert "Terminkollision" in html
    reload = _page(client, invitation)
    assert "Ihre Antwort „Absage“ ist gespeichert" not in reload  # a message is shown once
    assert "<strong>Absage</strong>" in reload


def test_an_answer_recorded_by_the_organiser_shows_on_the_next_load(invitation, kpb_a_user):
    assert "noch keine Antwort" in _page(Client(), invitation)

    services.record_answer(invitation, state="accepted", via="phone", by=kpb_a_user)

    html = _page(Client(), invitation)
    assert "noch keine Antwort" not in html
    assert "<strong>Zusage</strong>" in html


def test_a_change_of_the_conference_shows_on_the_next_load(invitation):
    conference = invitation.conference
    assert "Saal 3" in _page(Client(), invitation)

    new_start = conference.start + timedelta(days=7)
    type(conference).objects.filter(pk=conference.pk).update(
        start=new_start, end=new_start + timedelta(hours=3), place="Saal 9"
    )
    AgendaItem.objects.create(conference=conference, order=1, title="Lage am Hauptbahnhof")

    html = _page(Client(), invitation)
    assert "Saal 9" in html
    assert timezone.localtime(new_start).strftime("%d.%m.%Y") in html
    assert "Lage am Hauptbahnhof" in html


def test_a_newly_invited_agency_and_a_renamed_host_show_on_the_next_load(invitation, kpb_a_user):
    _page(Client(), invitation)
    invite_new_agencies(invitation.conference, kpb_a_user, 1)
    host = invitation.conference.host
    type(host).objects.filter(pk=host.pk).update(official_name="Polizeipräsidium Neustadt")

    html = _page(Client(), invitation)
    names = invitation.conference.invitations.values_list("agency__name", flat=True)
    assert all(name in html for name in names)
    assert "Polizeipräsidium Neustadt" in html


def test_a_forged_link_is_404_also_once_the_genuine_page_is_cached(invitation):
    url = _url(invitation)
    _page(Client(), invitation)

    for forged in (url[:-2] + "xx/", url.replace(answer_token(invitation), "abc:def")):
        response = Client().get(forged)
        assert response.status_code == 404
        assert "SiKo Dortmund Herbst" not in response.content.decode()


def test_a_deleted_invitation_is_404_although_its_page_was_cached(invitation):
    url = _url(invitation)
    _page(Client(), invitation)

    Invitation.objects.filter(pk=invitation.pk).delete()

    assert Client().get(url).status_code == 404


def test_the_link_expires_and_the_answer_closes_while_the_page_is_cached(invitation, monkeypatch):
    conference = invitation.conference
    url = _url(invitation)
    assert 'name="state"' in _page(Client(), invitation)  # cached while open

    monkeypatch.setattr(timezone, "now", lambda: conference.start + timedelta(minutes=1))
    html = _page(Client(), invitation)
    assert "Die Konferenz hat bereits begonnen. Antworten sind nicht mehr möglich" in html
    assert 'name="state"' not in html

    after_expiry = invitation.answer_link_expires_at + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: after_expiry)
    response = Client().get(url)
    assert response.status_code == 410
    assert "SiKo Dortmund Herbst" not in response.content.decode()


def test_the_form_carries_the_requesters_csrf_token_and_its_post_works(invitation):
    url = _url(invitation)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first_html, second_html = _page(first, invitation), _page(second, invitation)  # 2nd: cached
    first_token, second_token = _form_token(first_html), _form_token(second_html)

    assert CSRF_PLACEHOLDER not in first_html + second_html
    # The other visitor's token does not pass with this visitor's cookie: each got their own.
    assert (
        second.post(url, {"state": "accepted", "csrfmiddlewaretoken": first_token}).status_code
        == 403
    )
    response = second.post(url, {"state": "accepted", "csrfmiddlewaretoken": second_token})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.state == "accepted"


@pytest.mark.parametrize("anonymous_first", [True, False])
def test_a_signed_in_viewers_frame_is_theirs_and_never_kept(
    invitation, kpb_b_user, anonymous_first
):
    kpb_b_user.first_name, kpb_b_user.last_name = "Bernd", "Beobachter"
    kpb_b_user.save()
    url = _url(invitation)
    signed_in = client_for(kpb_b_user)
    if anonymous_first:
        _page(Client(), invitation)

    html = signed_in.get(url).content.decode()
    with_query = Client().get(url + "?von=mail").content.decode()
    anonymous = _page(Client(), invitation)

    assert "Bernd Beobachter" in html and "Abmelden" in html
    assert "SiKo Dortmund Herbst" in html
    assert "?von=mail" in with_query  # the language form returns to the address asked
    assert "Bernd Beobachter" not in anonymous and "Abmelden" not in anonymous
    assert "?von=mail" not in anonymous


def test_a_cached_answer_page_reads_only_the_page_version(kpb_a_user):
    conference = make_conference(kpb_a_user)
    invite_new_agencies(conference, kpb_a_user, 5)
    invitation = conference.invitations.first()
    assert invitation is not None
    client = Client()

    def warm_queries() -> int:
        client.get(_url(invitation))  # renders and keeps the page
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_url(invitation)).status_code == 200
        return len(queries.captured_queries)

    before = warm_queries()
    invite_new_agencies(conference, kpb_a_user, 60)
    AgendaItem.objects.bulk_create(
        AgendaItem(conference=conference, order=n, title=f"Punkt {n}") for n in range(1, 21)
    )

    assert warm_queries() == before == 1
    assert "Punkt 20" in _page(client, invitation)


# The plain form template against crispy-forms' rendering of the same form.


class _Markup(HTMLParser):
    """Tags with their attributes and the text between, whitespace collapsed: what a browser
    and a screen reader get, regardless of the source's line breaks."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[object, ...]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: " ".join((value or "").split()) for name, value in attrs}
        if values.get("name") == "csrfmiddlewaretoken":
            values["value"] = "token"
        self.events.append(("start", tag, sorted(values.items())))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self.events.append(("end", tag))

    def handle_data(self, data: str) -> None:
        if text := " ".join(data.split()):
            self.events.append(("text", text))


def _markup(html: str) -> list[tuple[object, ...]]:
    parser = _Markup()
    parser.feed(html)
    return parser.events


def _forms() -> list[AnswerForm]:
    with_errors = AnswerForm({"state": "accepted"})
    with_errors.is_valid()
    with_errors.add_error(None, "Die Konferenz wurde <verschoben>.")
    return [
        AnswerForm(),
        AnswerForm(
            initial={
                "state": "delegated",
                "comment": 'Bitte "Saal 3" & Parkplatz',
                "delegate_name": "Dr. Kim <Vertretung>",
                "delegate_function": "Ständige Vertreterin",
            }
        ),
        AnswerForm({"state": "delegated", "comment": "ohne Namen"}),
        AnswerForm({"comment": "keine Wahl"}),
        AnswerForm({"state": "vielleicht"}),
        AnswerForm(
            {
                "state": "accepted",
                "comment": "x" * 2001,
                "delegate_name": "n" * 151,
                "delegate_function": "f" * 151,
            }
        ),
        with_errors,
    ]


@pytest.mark.parametrize("index", range(len(_forms())))
def test_the_plain_answer_form_renders_what_crispy_rendered(index):
    """Labels, ids, classes, aria attributes and error messages identical to crispy-forms'
    Bootstrap 5 pack, for the empty, the prefilled and the refused form."""
    form = _forms()[index]
    if form.is_bound:
        form.is_valid()
    request = RequestFactory().get("/")
    crispy = engines["django"].from_string("{% load crispy_forms_tags %}{% crispy form helper %}")
    helper = FormHelper()  # as the page had it: crispy's defaults and the submit button
    helper.add_input(Submit("submit", "Antwort senden"))

    expected = crispy.render({"form": form, "helper": helper}, request)
    plain = render_to_string("conferences/partner/_answer_form.html", {"form": form}, request)

    assert settings.CRISPY_TEMPLATE_PACK == "bootstrap5"
    assert _markup(plain) == _markup(expected)
