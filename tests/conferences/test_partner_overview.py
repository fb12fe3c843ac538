"""A partner agency covering several KPBs sees all its invitations on one page (R3)."""

import itertools
import re
import time
from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from authorities.models import Authority, PartnerAgency
from conferences import services
from conferences.links import OVERVIEW_SALT, answer_path, overview_token
from notifications.enums import MailKind
from notifications.models import OutgoingMail
from siko.organisations import OrganisationKind
from tests.conftest import client_for, make_user
from tests.factories.conferences import add_head, make_conference
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db

SAME_TEXT = (
    "Wenn die Adresse bei einer Polizeibehörde als Ansprechperson einer Partnerbehörde "
    "hinterlegt ist, erhalten Sie in wenigen Minuten eine E-Mail"
)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
REQUEST_URL = reverse("conferences:partner_overview_request")

_serial = itertools.count()


@pytest.fixture
def staatsanwaltschaft() -> PartnerAgency:
    """Responsible for PP Dortmund, Kreis Unna, PP Hamm and PP Recklinghausen."""
    agency = add_head(
        "sta-dortmund",
        "Erika Beispiel",
        function="Leitende OStA",
        email="erika.beispiel@example.org",
    )
    return agency


def _invite(organiser, agency: PartnerAgency, title: str, *, send: bool = True, days: int = 30):
    conference = make_conference(organiser, title=title, days_ahead=days)
    services.add_invitations(conference, agencies=[agency], by=organiser)
    if send:
        services.send_invitations(conference, by=organiser)
    return conference


@pytest.fixture
def two_kpbs(kpb_a_user, staatsanwaltschaft):
    unna_user = make_user("kpb-unna", OrganisationKind.KPB, authority="lr-unna")
    return [
        _invite(kpb_a_user, staatsanwaltschaft, "SiKo Dortmund 2027"),
        _invite(unna_user, staatsanwaltschaft, "SiKo Kreis Unna 2027", days=45),
    ]


def _overview_url(agency: PartnerAgency) -> str:
    return reverse("conferences:partner_overview", kwargs={"token": overview_token(agency)})


def _overview_mails():
    return OutgoingMail.objects.filter(kind=MailKind.PARTNER_OVERVIEW)


def test_overview_request_page_asks_for_an_address():
    html = Client().get(REQUEST_URL).content.decode()

    assert 'type="email"' in html
    assert 'for="id_email"' in html


def test_overview_request_for_unknown_address_sends_nothing(staatsanwaltschaft):
    response = Client().post(REQUEST_URL, {"email": "niemand@example.org"}, follow=True)

    assert SAME_TEXT in response.content.decode()
    assert not _overview_mails().exists()


def test_overview_request_answer_is_the_same_for_known_and_unknown(staatsanwaltschaft):
    unknown = Client().post(REQUEST_URL, {"email": "niemand@example.org"})
    known = Client().post(REQUEST_URL, {"email": "erika.beispiel@example.org"})

    assert (unknown.status_code, unknown.url) == (known.status_code, known.url)
    texts = [
        CSRF.sub("", Client().post(REQUEST_URL, {"email": a}, follow=True).content.decode())
        for a in ("nochmal-niemand@example.org", "ERIKA.Beispiel@example.org")
    ]
    assert texts[0] == texts[1]


def test_overview_request_with_bad_address_gets_german_error():
    response = Client().post(REQUEST_URL, {"email": "kein-mail"})

    assert response.status_code == 400
    assert "gültige E-Mail-Adresse" in response.content.decode()
    assert not _overview_mails().exists()


def test_overview_known_address_gets_one_mail_whose_link_lists_both_kpbs(
    two_kpbs, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(REQUEST_URL, {"email": "Erika.Beispiel@example.org"})

    mail = _overview_mails().get()
    assert mail.to == "erika.beispiel@example.org"
    [delivered] = mailoutbox
    assert delivered.to == ["erika.beispiel@example.org"]
    assert delivered.subject == (
        "Ihre Einladungen zu Sicherheitskonferenzen – Staatsanwaltschaft Dortmund"
    )
    link = re.search(r"https?://\S+/partner/uebersicht/\S+/", delivered.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    html = Client().get("/" + path).content.decode()
    assert "Einladungen für Staatsanwaltschaft Dortmund" in html
    assert "SiKo Dortmund 2027" in html
    assert "Polizeipräsidium Dortmund" in html
    assert "SiKo Kreis Unna 2027" in html
    assert Authority.objects.get(slug="lr-unna").official_name in html


def test_overview_repeated_requests_send_one_mail(staatsanwaltschaft):
    client = Client()
    for _ in range(3):
        client.post(REQUEST_URL, {"email": "erika.beispiel@example.org"})

    assert _overview_mails().count() == 1


def test_overview_links_to_each_invitations_answer_page(two_kpbs, staatsanwaltschaft):
    html = Client().get(_overview_url(staatsanwaltschaft)).content.decode()
    answer_paths = re.findall(r'href="(/konferenzen/antwort/[^"]+)"', html)

    assert sorted(answer_paths) == sorted(answer_path(c.invitations.get()) for c in two_kpbs)
    assert all(Client().get(path).status_code == 200 for path in answer_paths)


def test_overview_hides_drafts_that_were_not_sent(kpb_a_user, staatsanwaltschaft):
    _invite(kpb_a_user, staatsanwaltschaft, "Entwurf ohne Versand", send=False)

    html = Client().get(_overview_url(staatsanwaltschaft)).content.decode()

    assert "Entwurf ohne Versand" not in html
    assert "Zurzeit keine anstehenden Einladungen." in html


def _expired_token(agency: PartnerAgency, monkeypatch) -> str:
    fifteen_days_ago = time.time() - timedelta(days=15).total_seconds()
    with monkeypatch.context() as clock:
        clock.setattr(signing.time, "time", lambda: fifteen_days_ago)
        return overview_token(agency)


@pytest.mark.parametrize("kind", ["expired", "altered", "answer salt", "random"])
def test_overview_bad_token_is_404_with_german_page(staatsanwaltschaft, monkeypatch, kind):
    token = {
        "expired": lambda: _expired_token(staatsanwaltschaft, monkeypatch),
        "altered": lambda: overview_token(staatsanwaltschaft)[:-2] + "xx",
        "answer salt": lambda: signing.TimestampSigner(salt="siko.invitation.answer").sign_object(
            {"a": "sta-dortmund"}
        ),
        "random": lambda: "eyJhIjoic3RhLWRvcnRtdW5kIn0:1abc:def",
    }[kind]()

    response = Client().get(reverse("conferences:partner_overview", kwargs={"token": token}))

    assert response.status_code == 404
    html = response.content.decode()
    assert "Dieser Link ist ungültig" in html
    assert "Link zur Übersicht anfordern" in html


def test_overview_token_carries_no_database_id(staatsanwaltschaft):
    payload = signing.TimestampSigner(salt=OVERVIEW_SALT).unsign_object(
        overview_token(staatsanwaltschaft)
    )

    assert payload == {"a": "sta-dortmund"}


def test_partner_account_home_leads_to_its_invitations(partner_user, two_kpbs):
    response = client_for(partner_user).get(reverse("home"), follow=True)
    html = response.content.decode()

    assert response.redirect_chain[-1][0] == reverse("conferences:partner_invitations")
    assert "SiKo Dortmund 2027" in html
    assert "SiKo Kreis Unna 2027" in html


def test_partner_account_sees_only_its_own_agency(partner_user, kpb_a_user, two_kpbs):
    zoll = PartnerAgency.objects.get(slug="hza-dortmund")
    _invite(kpb_a_user, zoll, "Nur für den Zoll")

    response = client_for(partner_user).get(reverse("conferences:partner_invitations"))
    html = response.content.decode()

    assert "Nur für den Zoll" not in html


def test_partner_overview_queries_do_not_grow(kpb_a_user, staatsanwaltschaft):
    _invite(kpb_a_user, staatsanwaltschaft, "SiKo 0")
    url = _overview_url(staatsanwaltschaft)

    def grow():
        for i in range(8):
            _invite(kpb_a_user, staatsanwaltschaft, f"SiKo {next(_serial) + 1}", days=40 + i)

    assert_constant_queries(Client(), url, grow)
