"""The navigation and the footer links are rendered once per combination of what they show
(siko_ui.site_chrome) and shared between requests: each viewer still gets exactly its own."""

import re

import pytest
from django.urls import reverse

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def navigation(html: str) -> str:
    return html[html.index('id="nav-main"') : html.index("</nav>")]


def footer(html: str) -> str:
    return html[html.index("<footer") :]


def test_each_role_gets_its_own_navigation_after_another_role_filled_the_cache(
    lzpd_user, kpb_a_user, kpb_b_user
):
    state = client_for(lzpd_user).get(reverse("conferences:conference_list")).content.decode()
    kpb_a = client_for(kpb_a_user).get(reverse("conferences:conference_list")).content.decode()
    kpb_b = client_for(kpb_b_user).get(reverse("conferences:conference_list")).content.decode()

    assert "Behörden" in navigation(state) and "Stammdaten" not in navigation(state)
    assert "Stammdaten" in navigation(kpb_a) and "Behörden" not in navigation(kpb_a)
    # A KPB's "Stammdaten" leads to its own authority, never to the one cached before.
    assert kpb_a_user.authority.get_absolute_url() in navigation(kpb_a)
    assert kpb_b_user.authority.get_absolute_url() in navigation(kpb_b)
    assert kpb_a_user.authority.get_absolute_url() not in navigation(kpb_b)
    # Information and erasure of personal data is the LZPD's, not a KPB's.
    assert reverse("personal_data") in footer(state)
    assert reverse("personal_data") not in footer(kpb_a)


def test_the_active_entry_follows_the_page(kpb_a_user):
    client = client_for(kpb_a_user)
    for url, label in (
        (reverse("conferences:conference_list"), "Konferenzen"),
        (reverse("reports:my_dashboard"), "Lagebild"),
        (reverse("conferences:conference_list"), "Konferenzen"),
    ):
        html = navigation(client.get(url).content.decode())
        current = re.findall(r'aria-current="page">([^<]+)<', html)
        assert current == [label], url


def test_the_navigation_follows_the_language(kpb_a_user):
    client = client_for(kpb_a_user)
    german = navigation(client.get(reverse("conferences:conference_list")).content.decode())
    german_page = client.get(reverse("conferences:conference_list")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english_page = client.get(reverse("conferences:conference_list")).content.decode()
    english = navigation(english_page)

    assert "Maßnahmen" in german and "Maßnahmen" not in english
    assert "Konferenzen" in german and "Konferenzen" not in english
    # The language choice marks the language in use, also when taken from the cache.
    assert '<option value="de" lang="de" selected>' in german_page
    assert '<option value="en" lang="en" selected>' in english_page
    assert '<option value="de" lang="de" selected>' not in english_page


def test_signed_out_pages_show_no_navigation_entries(kpb_a_user):
    client_for(kpb_a_user).get(reverse("conferences:conference_list"))  # fills the cache
    html = client_for(None).get(reverse("privacy")).content.decode()

    assert "Konferenzen" not in navigation(html)
    assert reverse("audit_log") not in footer(html)
