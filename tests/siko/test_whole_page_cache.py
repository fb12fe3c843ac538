"""Whole pages from the cache (siko.page_cache.cached_page): the state view and a KPB's start page.

A cached page is the same page the viewer would get rendered: their own name and navigation,
their own CSRF token, a message exactly once, the matrix of their query string, the figures of
the last write, and the same few queries however much data there is. Runs on SQLite and
PostgreSQL.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from authorities.models import Authority, User
from reports.data_version import current_token
from siko.organisations import OrganisationKind
from siko.page_cache import CSRF_PLACEHOLDER, cached_page
from tests.conftest import client_for, make_user
from tests.factories.conferences import make_recorded_conference

pytestmark = pytest.mark.django_db

STATE_URL = reverse("reports:state")
MY_URL = reverse("reports:my_dashboard")
DORTMUND_URL = reverse("reports:authority_dashboard", args=["pp-dortmund"])
BORKEN_URL = reverse("reports:authority_dashboard", args=["lr-borken"])
SET_LANGUAGE_URL = reverse("set_language")


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts without cached pages (a rolled-back test leaves the seeded token)."""
    cache.clear()


# Reading the page as a user does ----------------------------------------------------------------


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    html = response.content.decode()
    assert CSRF_PLACEHOLDER not in html
    return html


def page_and_queries(client: Client, url: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        html = page(client, url)
    return html, len(queries.captured_queries)


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def service_bar(html: str) -> str:
    """Who is signed in, as the bar above the navigation says it: "authority · name"."""
    return text(html.split('<p class="siko-org', 1)[1].split("</p>", 1)[0].split(">", 1)[1])


def navigation(html: str) -> list[str]:
    """The main navigation's entries."""
    nav = html.split('id="nav-main"', 1)[1].split("</ul>", 1)[0]
    return [text(label) for label in re.findall(r"<a [^>]*>(.*?)</a>", nav, re.S)]


def shown_messages(html: str) -> list[str]:
    return [
        text(m) for m in re.findall(r'<div class="alert [^"]*" role="status">(.*?)</div>', html)
    ]


def csrf_token(html: str) -> str:
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
    assert len(tokens) == 1, tokens  # the language form and the logout form carry the same
    return tokens.pop()


def year_columns(html: str) -> list[str]:
    """The years of the state matrix's columns."""
    return re.findall(r'sortierung=(\d{4})">\d{4}<span class="visually-hidden"> – nach', html)


def running_year_figure(html: str) -> str:
    """The state view's first figure card: the running year's share and counts."""
    card = html.split('class="card siko-figure"', 1)[1].split("</div></div>", 1)[0]
    return text(card.split(">", 1)[1])


def duty(html: str) -> str:
    """The KPB start page's card of the year's duty."""
    return text(html.split('id="duty-heading"', 1)[1].split("</section>", 1)[0])


# Arranging ---------------------------------------------------------------------------------------


def kpb_colleague(username: str, first_name: str, last_name: str) -> User:
    return make_user(
        username,
        OrganisationKind.KPB,
        authority="pp-dortmund",
        first_name=first_name,
        last_name=last_name,
    )


def held_this_year(slug: str, organiser: User):
    # A minute ago: in the running year except in the first minute of a year.
    return make_recorded_conference(
        slug, timezone.now() - timedelta(minutes=1), organiser=organiser
    )


def csrf_client(user: User) -> Client:
    """A browser session of its own that, like a browser, must send a valid CSRF token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def switch_language(client: Client, token: str, *, to: str = "en", next_url: str = MY_URL) -> int:
    response = client.post(
        SET_LANGUAGE_URL, {"language": to, "next": next_url, "csrfmiddlewaretoken": token}
    )
    return response.status_code


# A tiny page of the test's own, through the cache with a request of RequestFactory ---------------

FORM = engines["django"].from_string(
    "{% for message in messages %}<p>{{ message }}</p>{% endfor %}"
    '<form method="post">{% csrf_token %}</form>'
)
WPC_TOKEN = "wpc-test-token"  # a version token that stays: only `until` and the page decide


def form_page(
    request: HttpRequest, renders: list[str], *, placeholder: bool, message: str = ""
) -> HttpResponse:
    """A form page through cached_page; `placeholder` False puts the request's real CSRF token
    into the markup, as a template rendered without CSRF_PLACEHOLDER does."""

    def render() -> HttpResponse:
        renders.append(request.path)
        if message:
            messages.info(request, message)
        context = {"csrf_token": CSRF_PLACEHOLDER} if placeholder else {}
        return HttpResponse(FORM.render(context, request))

    return cached_page(request, "wpc-form", (placeholder,), render, token=WPC_TOKEN)


def fresh_request(path: str = "/wpc/") -> HttpRequest:
    request = RequestFactory().get(path)
    request.user = AnonymousUser()
    request._messages = CookieStorage(request)  # type: ignore[attr-defined]
    return request


# 1. Every viewer gets their own page -------------------------------------------------------------


def test_two_users_of_one_kpb_and_role_each_see_their_own_name():
    jana = client_for(kpb_colleague("jana", "Jana", "Beispiel"))
    tom = client_for(kpb_colleague("tom", "Tom", "Muster"))

    for _ in range(2):  # rendered, then from the cache
        for url in (MY_URL, DORTMUND_URL):
            assert service_bar(page(jana, url)) == "Polizeipräsidium Dortmund · Jana Beispiel"
            assert service_bar(page(tom, url)) == "Polizeipräsidium Dortmund · Tom Muster"


def test_a_state_body_user_and_a_kpb_user_each_get_their_own_navigation(kpb_a_user, lzpd_user):
    kpb, lzpd = client_for(kpb_a_user), client_for(lzpd_user)

    for _ in range(2):  # the same page of PP Dortmund, rendered and then from the cache
        kpb_page, lzpd_page = page(kpb, DORTMUND_URL), page(lzpd, DORTMUND_URL)

        assert "Stammdaten" in navigation(kpb_page)
        assert "Behörden" not in navigation(kpb_page)
        assert "Behörden" in navigation(lzpd_page)
        assert "Stammdaten" not in navigation(lzpd_page)
        assert service_bar(kpb_page) == "Polizeipräsidium Dortmund · kpb-a"
        assert service_bar(lzpd_page) == "LZPD NRW · lzpd"


# 2. A changed user shows at once, though no tracked data changed ------------------------------


def test_a_changed_name_shows_on_the_next_request():
    jana = kpb_colleague("jana", "Jana", "Beispiel")
    client = client_for(jana)
    page(client, MY_URL)
    assert service_bar(page(client, MY_URL)) == "Polizeipräsidium Dortmund · Jana Beispiel"

    User.objects.filter(pk=jana.pk).update(last_name="Beispiel-Muster")  # no model signal

    assert service_bar(page(client, MY_URL)) == "Polizeipräsidium Dortmund · Jana Beispiel-Muster"


def test_a_changed_role_shows_its_navigation_and_links_on_the_next_request(lzpd_user):
    client = client_for(lzpd_user)
    page(client, STATE_URL)
    as_lzpd = page(client, STATE_URL)  # from the cache

    User.objects.filter(pk=lzpd_user.pk).update(organisation_kind=OrganisationKind.LKA)
    as_lka = page(client, STATE_URL)

    assert service_bar(as_lzpd) == "LZPD NRW · lzpd"
    assert "Kalender-Abos" in navigation(as_lzpd)
    assert "Vergleichsgruppen bearbeiten" in as_lzpd
    assert service_bar(as_lka) == "LKA NRW · lzpd"
    assert "Kalender-Abos" not in navigation(as_lka)
    assert "Vergleichsgruppen ansehen" in as_lka
    assert "Vergleichsgruppen bearbeiten" not in as_lka


def test_a_kpb_user_moved_to_another_authority_gets_its_start_page_at_once(kpb_a_user):
    client = client_for(kpb_a_user)
    page(client, MY_URL)
    before = page(client, MY_URL)  # from the cache

    User.objects.filter(pk=kpb_a_user.pk).update(authority=Authority.objects.get(slug="lr-borken"))
    moved = page(client, MY_URL)

    assert service_bar(before) == "Polizeipräsidium Dortmund · kpb-a"
    assert service_bar(moved) == "Kreispolizeibehörde Borken · kpb-a"
    assert "Polizeipräsidium Dortmund" not in moved


# 3. Messages: shown once, never kept -------------------------------------------------------------


def test_the_warning_for_an_unknown_year_shows_on_every_load_of_that_address(kpb_a_user):
    client = client_for(kpb_a_user)
    warning = f"Das Jahr „abc“ gibt es hier nicht; gezeigt wird {timezone.localdate().year}."

    for _ in range(3):
        assert shown_messages(page(client, f"{MY_URL}?jahr=abc")) == [warning]
    assert shown_messages(page(client, MY_URL)) == []


def test_a_flash_message_shows_once_on_the_cached_page_and_never_again(lzpd_user):
    client = client_for(lzpd_user)
    page(client, STATE_URL)
    page(client, STATE_URL)  # kept, without a message
    token = current_token()

    # An erasure request for an address SiKo does not hold: a message, and no data changed.
    response = client.post(
        reverse("personal_data"),
        {"email": "niemand@example.org", "confirm_erase": "on", "erase": "1"},
    )
    assert response.status_code == 302
    assert current_token() == token  # the Lagebild without the message is still kept
    with_message = page(client, STATE_URL)
    after = page(client, STATE_URL)
    again = page(client, STATE_URL)

    assert shown_messages(with_message) == [
        "0 Datensätze zu der Adresse wurden gelöscht oder pseudonymisiert."
    ]
    assert "Lagebild NRW" in with_message
    assert shown_messages(after) == []
    assert shown_messages(again) == []


def test_a_pending_message_shows_although_the_page_is_kept_and_is_not_kept_with_it():
    renders: list[str] = []
    form_page(fresh_request(), renders, placeholder=True)  # kept
    pending = fresh_request()
    messages.success(pending, "Gespeichert.")

    with_message = form_page(pending, renders, placeholder=True).content.decode()
    later = form_page(fresh_request(), renders, placeholder=True).content.decode()

    assert "<p>Gespeichert.</p>" in with_message
    assert "Gespeichert." not in later
    assert len(renders) == 2  # the page with the message was rendered for it alone


def test_a_page_whose_view_adds_a_message_is_not_kept():
    renders: list[str] = []

    bodies = [
        form_page(fresh_request(), renders, placeholder=True, message="Bitte prüfen.")
        for _ in range(2)
    ]

    assert len(renders) == 2
    assert all("<p>Bitte prüfen.</p>" in body.content.decode() for body in bodies)


# 4. CSRF: every session posts with its own token ------------------------------------------------


def test_two_sessions_of_one_user_each_post_with_the_token_of_their_page(kpb_a_user):
    first, second = csrf_client(kpb_a_user), csrf_client(kpb_a_user)
    rendered, rendered_queries = page_and_queries(first, MY_URL)
    cached, cached_queries = page_and_queries(second, MY_URL)
    first_cached = page(first, MY_URL)
    assert cached_queries < rendered_queries  # the second session's page came from the cache

    # The other session's token is refused: no session ever gets another's token.
    assert switch_language(second, csrf_token(rendered), to="de") == 403
    assert switch_language(first, csrf_token(cached), to="de") == 403
    assert switch_language(first, csrf_token(first_cached), to="de") == 302
    assert switch_language(first, csrf_token(rendered)) == 302
    assert switch_language(second, csrf_token(cached)) == 302

    english = page(second, MY_URL)
    assert '<html lang="en">' in english
    assert switch_language(second, csrf_token(english), to="de") == 302


def test_a_session_without_a_csrf_cookie_gets_one_that_fits_the_cached_page(kpb_a_user):
    first, second = csrf_client(kpb_a_user), csrf_client(kpb_a_user)
    page(first, MY_URL)
    response = second.get(MY_URL)  # from the cache; the session has no CSRF cookie yet

    assert response.status_code == 200
    assert "csrftoken" in response.cookies
    assert switch_language(second, csrf_token(response.content.decode())) == 302


# 5. Never kept: a page with a real CSRF token of its own, a non-200, a cookie -----------------


def test_a_page_with_its_own_csrf_token_in_the_markup_is_rendered_every_time():
    renders: list[str] = []

    bodies = [form_page(fresh_request(), renders, placeholder=False).content for _ in range(3)]

    assert len(renders) == 3
    assert len(set(bodies)) == 3  # each request's own token


def test_a_page_with_the_placeholder_is_rendered_once_and_filled_per_request():
    renders: list[str] = []

    bodies = [form_page(fresh_request(), renders, placeholder=True).content for _ in range(3)]

    assert len(renders) == 1
    assert len(set(bodies)) == 3  # each request's own token
    assert all(CSRF_PLACEHOLDER.encode() not in body for body in bodies)


def not_found() -> HttpResponse:
    return HttpResponse("Nicht gefunden", status=404)


def with_cookie() -> HttpResponse:
    response = HttpResponse("Sprache gewählt")
    response.set_cookie("django_language", "en")
    return response


@pytest.mark.parametrize("response", [not_found, with_cookie], ids=["404", "cookie"])
def test_a_response_that_is_no_plain_200_is_rendered_every_time(response):
    renders: list[str] = []

    def render() -> HttpResponse:
        renders.append("render")
        return response()

    for _ in range(2):
        cached_page(fresh_request(), "wpc-other", (), render, token=WPC_TOKEN)

    assert len(renders) == 2


# 6. The query string is part of the key; the scope still applies ---------------------------------


def test_each_query_string_shows_its_own_matrix(lzpd_user):
    client = client_for(lzpd_user)
    year = timezone.localdate().year

    for _ in range(2):  # rendered, then from the cache
        three = year_columns(page(client, f"{STATE_URL}?jahre=3"))
        eight = year_columns(page(client, f"{STATE_URL}?jahre=8"))

        assert three == [str(y) for y in range(year, year - 3, -1)]
        assert eight == [str(y) for y in range(year, year - 8, -1)]


def test_another_kpbs_page_stays_404_for_a_cached_session(kpb_a_user, kpb_b_user):
    dortmund, borken = client_for(kpb_a_user), client_for(kpb_b_user)
    page(borken, BORKEN_URL)
    page(borken, BORKEN_URL)  # cached for KPB B
    page(dortmund, MY_URL)
    page(dortmund, DORTMUND_URL)  # cached for KPB A

    assert dortmund.get(BORKEN_URL).status_code == 404
    assert borken.get(DORTMUND_URL).status_code == 404
    assert dortmund.get(BORKEN_URL).status_code == 404


# 7. until: a page past its time is rendered afresh -----------------------------------------------


def test_a_page_past_its_until_is_rendered_afresh():
    renders: list[str] = []
    starts = datetime(2026, 5, 4, 10, tzinfo=UTC)

    def clock_page(now: datetime) -> HttpResponse:
        def render() -> HttpResponse:
            renders.append(now.isoformat())
            return HttpResponse("Nächste Konferenz")

        return cached_page(
            fresh_request(),
            "wpc-until",
            (),
            render,
            token=WPC_TOKEN,
            until=lambda: starts,
            now=lambda: now,
        )

    clock_page(starts - timedelta(hours=1))
    clock_page(starts - timedelta(minutes=1))
    clock_page(starts)
    assert len(renders) == 1  # held until the conference starts

    clock_page(starts + timedelta(minutes=1))
    clock_page(starts + timedelta(minutes=2))
    assert len(renders) == 3  # and afterwards rendered every time: its `until` has passed


# 8. A write shows on the next read ---------------------------------------------------------------


def test_a_held_conference_shows_on_the_cached_state_view_at_once(kpb_a_user, lzpd_user):
    client = client_for(lzpd_user)
    page(client, STATE_URL)
    before = page(client, STATE_URL)  # from the cache

    held_this_year("pp-dortmund", kpb_a_user)
    after = page(client, STATE_URL)

    assert running_year_figure(before).startswith(
        f"{timezone.localdate().year} (laufendes Jahr) 0 %"
    )
    assert "erfüllt 1" not in running_year_figure(before)
    assert running_year_figure(after).startswith(
        f"{timezone.localdate().year} (laufendes Jahr) 2 %"
    )
    assert "erfüllt 1" in running_year_figure(after)


def test_a_held_conference_shows_on_the_cached_kpb_page_at_once(kpb_a_user):
    client = client_for(kpb_a_user)
    page(client, MY_URL)
    before = page(client, MY_URL)  # from the cache

    held_this_year("pp-dortmund", kpb_a_user)
    after = page(client, MY_URL)

    assert "überfällig" in duty(before).split("Siko-AP")[0]
    assert "erfüllt" in duty(after).split("Siko-AP")[0]
    assert "überfällig" not in duty(after).split("Siko-AP")[0]


# 9. A cached page needs the same few queries however much data ------------------------------------


@pytest.mark.parametrize("url", [STATE_URL, MY_URL])
def test_a_cached_page_needs_the_same_queries_for_one_or_many_conferences(
    url, kpb_a_user, lzpd_user
):
    client = client_for(lzpd_user if url == STATE_URL else kpb_a_user)
    held_this_year("pp-dortmund", kpb_a_user)
    _html, rendered = page_and_queries(client, url)
    _html, one = page_and_queries(client, url)

    for days in (30, 400, 800):
        make_recorded_conference(
            "pp-dortmund",
            timezone.now() - timedelta(days=days),
            organiser=kpb_a_user,
            co_hosts=["lr-borken"],
        )
    page(client, url)
    _html, many = page_and_queries(client, url)

    assert one == many
    assert one < rendered


# htmx and the parts rendered on every request ----------------------------------------------------


def test_an_htmx_request_for_the_same_address_gets_its_own_answer():
    def part_page(request: HttpRequest) -> HttpResponse:
        def render() -> HttpResponse:
            fragment = request.headers.get("HX-Request") == "true"
            return HttpResponse("<tr>Zeile</tr>" if fragment else "<html>Ganze Seite</html>")

        return cached_page(request, "wpc-htmx", (), render, token=WPC_TOKEN)

    whole = part_page(fresh_request())
    htmx = fresh_request()
    htmx.META["HTTP_HX_REQUEST"] = "true"

    assert b"Ganze Seite" in whole.content
    assert part_page(htmx).content == b"<tr>Zeile</tr>"
    assert b"Ganze Seite" in part_page(fresh_request()).content


def test_a_live_part_is_rendered_into_the_kept_page_on_every_request():
    renders: list[str] = []
    marker = "siko-live-wpc-clock"

    def clock_page(shown: str) -> HttpResponse:
        def render() -> HttpResponse:
            renders.append(shown)
            return HttpResponse(f"<p>Seite</p><p>{marker}</p>")

        return cached_page(
            fresh_request(), "wpc-live", (), render, token=WPC_TOKEN, live={marker: lambda: shown}
        )

    first, second = clock_page("09:00 Uhr"), clock_page("09:05 Uhr")

    assert len(renders) == 1
    assert b"<p>09:00 Uhr</p>" in first.content
    assert b"<p>09:05 Uhr</p>" in second.content
    assert marker.encode() not in second.content
