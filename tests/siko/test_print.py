"""Every page prints as a document (issue 15, Print): the print stylesheet is linked on every
page, and the conference page, the agenda and the minutes carry the host's letterhead."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import client_for
from tests.factories.conferences import make_conference, make_recorded_conference

pytestmark = pytest.mark.django_db

PRINT_LINK = 'href="/static/css/print.css" media="print"'


def test_print_stylesheet_hides_buttons_forms_and_navigation() -> None:
    css = (Path(settings.BASE_DIR) / "static" / "css" / "print.css").read_text()
    for selector in ("nav,", "form,", ".btn,", "header,", "footer,"):
        assert selector in css
    assert "size: A4 landscape" in css
    assert "display: table-header-group" in css


def test_every_page_links_the_print_stylesheet(kpb_a_user, lzpd_user) -> None:
    conference = make_conference(kpb_a_user)
    pages = [
        (Client(), reverse("login")),
        (client_for(kpb_a_user), reverse("conferences:conference_list")),
        (client_for(kpb_a_user), conference.get_absolute_url()),
        (client_for(lzpd_user), reverse("reports:state")),
    ]
    for client, url in pages:
        assert PRINT_LINK in client.get(url).content.decode(), url


def test_the_lagebild_prints_across(lzpd_user) -> None:
    html = client_for(lzpd_user).get(reverse("reports:state")).content.decode()
    assert '<body class="print-landscape">' in html


def test_conference_page_agenda_and_minutes_carry_the_hosts_letterhead(kpb_a_user) -> None:
    conference = make_conference(kpb_a_user)
    client = client_for(kpb_a_user)
    for url in (
        conference.get_absolute_url(),
        reverse("conferences:agenda", kwargs={"pk": conference.pk}),
    ):
        html = client.get(url).content.decode()
        assert 'class="print-letterhead d-none d-print-block"' in html, url
        assert '<div class="authority">Polizeipräsidium Dortmund</div>' in html, url


def test_language_switch_names_each_language_in_itself(kpb_a_user) -> None:
    for language in ("de", "en"):
        client = client_for(kpb_a_user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        html = client.get(reverse("conferences:conference_list")).content.decode()
        assert '<option value="de" lang="de"' in html
        assert ">Deutsch</option>" in html
        assert ">English</option>" in html
        assert "Englisch" not in html


def test_minutes_page_carries_the_hosts_letterhead(kpb_a_user) -> None:
    held = make_recorded_conference(
        "pp-dortmund", timezone.now() - timedelta(days=10), organiser=kpb_a_user
    )
    url = reverse("conferences:minutes", kwargs={"pk": held.pk})
    html = client_for(kpb_a_user).get(url).content.decode()
    assert 'class="print-letterhead d-none d-print-block"' in html
    assert '<div class="authority">Polizeipräsidium Dortmund</div>' in html
