"""The dashboards' rendered HTML, cached per data version (reports.page_cache).

A cached page is the same page: a write to the rule's data shows on the next request, what is not
in the data version (group names, actions, the next conference) is never stale, and a page cached
for one viewer never reaches a viewer of another authority, role or language.
"""

from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from authorities.models import Authority, ComparisonGroup
from followup.models import Action
from tests.conftest import client_for
from tests.factories.conferences import make_recorded_conference

pytestmark = pytest.mark.django_db

STATE_URL = reverse("reports:state")
MY_URL = reverse("reports:my_dashboard")
BERLIN = timezone.get_default_timezone()


def get(client, url: str, **headers: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, response.status_code
    return len(queries.captured_queries), response.content.decode()


def duty(html: str) -> str:
    """The KPB page's state of the year: the status word under 'Jahrespflicht'."""
    return html.split('id="duty-heading"', 1)[1].split("</span>", 1)[0].rsplit(">", 1)[1]


def held_last_year(slug: str, organiser) -> None:
    year = timezone.localdate().year - 1
    make_recorded_conference(slug, datetime(year, 3, 10, 10, tzinfo=BERLIN), organiser=organiser)


def test_state_view_serves_the_same_page_from_the_cache_with_fewer_queries(lzpd_user, kpb_a_user):
    held_last_year("pp-dortmund", kpb_a_user)
    client = client_for(lzpd_user)

    first, html = get(client, f"{STATE_URL}?jahre=2")
    again, cached = get(client, f"{STATE_URL}?jahre=2")

    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert cached.split("<main", 1)[1].split("</main>", 1)[0] == main
    assert "csrfmiddlewaretoken" not in main  # nothing of the viewer's session is cached
    assert again < first


def test_kpb_page_shows_a_new_conference_at_once(kpb_a_user):
    client = client_for(kpb_a_user)
    url = f"{MY_URL}?jahr={timezone.localdate().year - 1}"
    _n, before = get(client, url)
    get(client, url)  # from the cache

    held_last_year("pp-dortmund", kpb_a_user)
    _n, after = get(client, url)

    assert duty(before) == "nicht erfüllt"
    assert duty(after) == "erfüllt"


def test_state_view_shows_a_renamed_comparison_group_at_once(lzpd_user):
    group = ComparisonGroup.objects.create(name="Großstädte")
    Authority.objects.filter(slug="pp-dortmund").update(comparison_group=group)
    client = client_for(lzpd_user)
    _n, before = get(client, STATE_URL)

    ComparisonGroup.objects.filter(pk=group.pk).update(name="Metropolen")
    _n, after = get(client, STATE_URL)

    assert ">Großstädte</a>" in before
    assert ">Metropolen</a>" in after
    assert "Großstädte" not in after


def test_kpb_page_counts_a_new_action_and_the_next_conference_at_once(kpb_a_user):
    client = client_for(kpb_a_user)
    _n, before = get(client, MY_URL)

    soon = make_recorded_conference(
        "pp-dortmund",
        timezone.now() + timedelta(days=10),
        organiser=kpb_a_user,
        status="scheduled",
    )
    held = make_recorded_conference(
        "pp-dortmund", timezone.now() - timedelta(days=10), organiser=kpb_a_user
    )
    get(client, MY_URL)  # cached with the new conferences
    Action.objects.create(
        conference=held, text="Beleuchtung prüfen", owner_is_police=True, due_date=date(2099, 1, 1)
    )
    _n, after = get(client, MY_URL)

    assert "Keine offenen Maßnahmen." in before
    assert "1 offene Maßnahme" in after
    assert "Keine Konferenz geplant." in before
    assert f'href="{soon.get_absolute_url()}"' in after.split('id="next-heading"', 1)[1]


def test_a_kpb_page_cached_for_one_kpb_never_reaches_another(kpb_a_user, kpb_b_user):
    held_last_year("pp-dortmund", kpb_a_user)
    year = timezone.localdate().year - 1
    _n, page_a = get(client_for(kpb_a_user), f"{MY_URL}?jahr={year}")

    client_b = client_for(kpb_b_user)
    _n, page_b = get(client_b, f"{MY_URL}?jahr={year}")
    other = client_b.get(reverse("reports:authority_dashboard", args=["pp-dortmund"]))

    assert "Polizeipräsidium Dortmund" in page_a
    assert duty(page_a) == "erfüllt"
    assert "Dortmund" not in page_b
    assert duty(page_b) == "nicht erfüllt"
    assert other.status_code == 404


def test_a_kpb_page_cached_for_its_own_staff_differs_for_the_lzpd(kpb_a_user, lzpd_user):
    url = reverse("reports:authority_dashboard", args=["pp-dortmund"])
    _n, own = get(client_for(kpb_a_user), url)
    _n, lzpd = get(client_for(lzpd_user), url)

    # The LZPD's links name the authority and lead to the state view; the KPB's do neither.
    assert "?behoerde=pp-dortmund" not in own
    assert f'href="{STATE_URL}"' not in own.split("<main", 1)[1]
    assert "?behoerde=pp-dortmund" in lzpd
    assert "Lagebild NRW</a>" in lzpd


def test_a_cached_page_keeps_its_language(lzpd_user):
    client = client_for(lzpd_user)
    with translation.override("de"):  # the requests activate their language in this thread
        _n, german = get(client, STATE_URL)
        client.post(reverse("set_language"), {"language": "en", "next": STATE_URL})
        _n, english = get(client, STATE_URL)

    assert "Behörde" in german.split("<main", 1)[1]
    assert english.split("<main", 1)[1] != german.split("<main", 1)[1]
