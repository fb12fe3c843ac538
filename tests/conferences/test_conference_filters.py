"""The conference list filters by year, status, kind, authority and Regierungsbezirk, keeps the
filters in the URL across pages, and tells a bad value in German (issue 15)."""

import re
from datetime import datetime

import pytest
from django.urls import reverse

from tests.conftest import client_for
from tests.factories.conferences import make_recorded_conference

pytestmark = pytest.mark.django_db

LIST_URL = reverse("conferences:conference_list")


def titles(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<a href="/konferenzen/\d+/">([^<]+)</a>', body)


def on(day: str) -> datetime:
    from django.utils import timezone

    return datetime.fromisoformat(f"{day}T10:00").replace(tzinfo=timezone.get_default_timezone())


@pytest.fixture
def conferences(kpb_a_user):
    """Dortmund (Arnsberg): held 2024, cancelled 2025, Siko-AP held 2025; Münster held 2025."""
    make_recorded_conference("pp-dortmund", on("2024-03-05"), organiser=kpb_a_user)
    make_recorded_conference(
        "pp-dortmund", on("2025-03-05"), organiser=kpb_a_user, status="cancelled"
    )
    make_recorded_conference("pp-dortmund", on("2025-06-05"), organiser=kpb_a_user, kind="siko_ap")
    make_recorded_conference("pp-muenster", on("2025-09-05"), organiser=kpb_a_user)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            {},
            [
                "pp-muenster 2025-09-05",
                "pp-dortmund 2025-06-05",
                "pp-dortmund 2025-03-05",
                "pp-dortmund 2024-03-05",
            ],
        ),
        ({"jahr": "2024"}, ["pp-dortmund 2024-03-05"]),
        ({"status": "cancelled"}, ["pp-dortmund 2025-03-05"]),
        ({"art": "siko_ap"}, ["pp-dortmund 2025-06-05"]),
        ({"behoerde": "pp-muenster"}, ["pp-muenster 2025-09-05"]),
        (
            {"regierungsbezirk": "Arnsberg", "jahr": "2025", "status": "held"},
            ["pp-dortmund 2025-06-05"],
        ),
    ],
)
def test_state_bodies_filter_the_conference_list(lzpd_user, conferences, query, expected):
    html = client_for(lzpd_user).get(LIST_URL, query).content.decode()

    assert titles(html) == [f"SiKo {name}" for name in expected]


def test_a_kpb_filters_its_own_conferences_without_choosing_other_authorities(
    kpb_a_user, conferences
):
    html = client_for(kpb_a_user).get(LIST_URL, {"jahr": "2025"}).content.decode()

    assert titles(html) == ["SiKo pp-dortmund 2025-06-05", "SiKo pp-dortmund 2025-03-05"]
    assert 'name="behoerde"' not in html
    assert 'name="regierungsbezirk"' not in html
    assert "2 Konferenzen (gefiltert)" in html


def test_a_bad_filter_value_gets_a_german_message_and_filters_nothing(lzpd_user, conferences):
    response = client_for(lzpd_user).get(LIST_URL, {"status": "vielleicht", "jahr": "1850"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Bitte eine gültige Auswahl treffen. vielleicht ist keine gültige Auswahl." in html
    assert "1850 ist keine gültige Auswahl." in html
    assert len(titles(html)) == 4


def test_filters_stay_in_the_url_of_the_next_page(lzpd_user, kpb_a_user):
    for day in range(1, 53):
        make_recorded_conference(
            "pp-dortmund",
            on("2025-01-01").replace(day=1 + day % 28, hour=day % 12 + 8),
            organiser=kpb_a_user,
        )

    html = client_for(lzpd_user).get(LIST_URL, {"jahr": "2025", "art": "siko"}).content.decode()

    assert "Seite 1 von 2" in html
    assert 'href="?jahr=2025&amp;art=siko&amp;page=2"' in html
    page_2 = client_for(lzpd_user).get(LIST_URL, {"jahr": "2025", "art": "siko", "page": "2"})
    assert len(titles(page_2.content.decode())) == 2
