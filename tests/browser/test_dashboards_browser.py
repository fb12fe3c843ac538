"""The compliance dashboards in a real browser, with axe-core on every page visited."""

import csv
import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from authorities.models import Authority, ComparisonGroup, User
from tests.browser.conftest import assert_accessible, login, url

pytestmark = pytest.mark.browser


def _held_siko(slug: str, year: int, organiser: User) -> None:
    from conferences.models import Conference

    host = Authority.objects.get(slug=slug)
    start = datetime(year, 4, 14, 10, 0, tzinfo=timezone.get_default_timezone())
    conference = Conference.objects.create(
        host=host,
        organiser=organiser,
        kind="siko",
        status="held",
        start=start,
        end=start + timedelta(hours=3),
        place="Saal 1",
        title=f"Sicherheitskonferenz {year}",
    )
    conference.authorities.add(host)


@pytest.fixture
def some_years(dortmund_user: User) -> int:
    """Held SiKos of Dortmund and Münster last year; a comparison group of both."""
    from conferences.topics import ensure_decree_topics

    # The live server's database is flushed between tests: the decree's topics come back here.
    ensure_decree_topics()
    year = timezone.localdate().year - 1
    _held_siko("pp-dortmund", year, dortmund_user)
    _held_siko("pp-muenster", year, dortmund_user)
    group = ComparisonGroup.objects.create(name="Großstädte")
    Authority.objects.filter(slug__in=["pp-dortmund", "pp-muenster", "pp-koeln"]).update(
        comparison_group=group
    )
    return year


def test_lzpd_filters_the_matrix_and_opens_an_authority_from_a_cell(
    page: Page, live_server, lzpd_browser_user: User, some_years: int
) -> None:
    year = some_years
    login(page, live_server, lzpd_browser_user)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Lagebild"
    ).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Lagebild NRW")
    matrix = page.get_by_role("region", name="Jahrespflicht je Behörde und Jahr")
    expect(matrix.locator("tbody tr")).to_have_count(47)
    expect(
        page.get_by_role("img", name="Anteil der Behörden mit erfüllter Jahrespflicht je Jahr")
    ).to_be_visible()
    expect(
        page.get_by_role(
            "img", name=f"Vergleichsgruppen {year}: Anteil mit erfüllter Jahrespflicht"
        )
    ).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Regierungsbezirk").select_option("Arnsberg")
    page.get_by_role("button", name="Anzeigen").click()

    expect(matrix.locator("tbody tr")).to_have_count(
        Authority.objects.filter(regierungsbezirk="Arnsberg").count()
    )
    expect(matrix.get_by_role("link", name="Polizeipräsidium Münster")).to_have_count(0)
    assert_accessible(page)

    matrix.get_by_role("link", name=f"Polizeipräsidium Dortmund {year}: erfüllt").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Polizeipräsidium Dortmund")
    expect(page.get_by_text(f"Lagebild {year}", exact=True)).to_be_visible()
    conferences = page.get_by_role("table", name=f"Konferenzen {year}")
    expect(conferences.get_by_role("link", name=f"Sicherheitskonferenz {year}")).to_be_visible()
    assert_accessible(page)


def test_kpb_user_starts_on_own_dashboard(
    page: Page, live_server, dortmund_user: User, some_years: int
) -> None:
    login(page, live_server, dortmund_user)

    expect(page).to_have_url(url(live_server, "reports:my_dashboard"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Polizeipräsidium Dortmund")
    duty = page.get_by_role("region", name=f"Jahrespflicht {timezone.localdate().year}")
    expect(duty.get_by_text("überfällig", exact=True).first).to_be_visible()
    expect(duty.get_by_text("Siko-AP (Autobahnpolizei): überfällig")).to_be_visible()
    missing = page.get_by_role("region", name="Was noch fehlt")
    expect(missing.get_by_text("Zollverwaltung – vom Erlass gefordert")).to_be_visible()
    expect(missing.get_by_text("Räumliche Brennpunkte")).to_be_visible()
    past = page.get_by_role("region", name="Vergangene Jahre")
    expect(past.get_by_role("link", name=f"{some_years}: erfüllt")).to_be_visible()
    actions = page.get_by_role("region", name="Offene Maßnahmen")
    expect(actions.get_by_role("link", name="Zur Beschlusskontrolle")).to_be_visible()
    assert_accessible(page)

    past.get_by_role("link", name=f"{some_years}: erfüllt").click()

    expect(
        page.get_by_role("table", name=f"Konferenzen {some_years}").get_by_role(
            "link", name=f"Sicherheitskonferenz {some_years}"
        )
    ).to_be_visible()
    assert_accessible(page)

    # The start page leads to the figures of the authority's comparison group.
    page.goto(url(live_server, "reports:my_dashboard"))
    page.get_by_role("link", name="Zahlen der Vergleichsgruppe „Großstädte“ nebeneinander").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Vergleichsgruppenarbeit {some_years}"
    )
    expect(page.get_by_role("heading", level=2, name=re.compile("^Großstädte"))).to_be_visible()


def test_dashboards_at_phone_size(
    phone_page: Page, live_server, lzpd_browser_user: User, dortmund_user: User, some_years: int
) -> None:
    page = phone_page
    login(page, live_server, lzpd_browser_user)
    page.goto(url(live_server, "reports:state"))

    matrix = page.get_by_role("region", name="Jahrespflicht je Behörde und Jahr")
    expect(matrix).to_be_visible()
    assert_accessible(page)
    _assert_no_horizontal_page_scrolling(page)
    assert matrix.evaluate("region => region.scrollWidth > region.clientWidth"), (
        "the matrix should scroll inside its region on a phone"
    )
    running = timezone.localdate().year
    years = matrix.locator("thead th").all_inner_texts()[1:]
    assert [text.split()[0] for text in years[:2]] == [str(running), str(running - 1)]
    dortmund = matrix.get_by_role("rowheader", name=re.compile("^Polizeipräsidium Dortmund"))
    left_before = dortmund.bounding_box()["x"]
    matrix.evaluate("region => { region.scrollLeft = 200; region.scrollTop = 300; }")
    assert abs(dortmund.bounding_box()["x"] - left_before) <= 1, "the names stay in view"
    header = matrix.locator("thead th").first
    assert abs(header.bounding_box()["y"] - matrix.bounding_box()["y"]) <= 1, "the years stay"
    words = dortmund.get_by_role("link").evaluate(
        "link => { const r = document.createRange(); r.selectNodeContents(link);"
        " return [...r.getClientRects()].length; }"
    )
    assert words <= 2, "the name wraps between its two words at most, never inside a word"

    page.goto(url(live_server, "reports:authority_dashboard", "pp-dortmund"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Polizeipräsidium Dortmund")
    assert_accessible(page)
    _assert_no_horizontal_page_scrolling(page)

    page.context.clear_cookies()
    login(page, live_server, dortmund_user)
    expect(page).to_have_url(url(live_server, "reports:my_dashboard"))
    assert_accessible(page)
    _assert_no_horizontal_page_scrolling(page)


def _assert_no_horizontal_page_scrolling(page: Page) -> None:
    # Compared with the device width: a mobile browser widens window.innerWidth to the content.
    overflow = page.evaluate("document.documentElement.scrollWidth") - page.viewport_size["width"]
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at phone size"


def test_lzpd_finds_the_authorities_without_siko_last_year_in_two_clicks_and_downloads_them(
    page: Page, live_server, lzpd_browser_user: User, some_years: int
) -> None:
    """Issue 15: "Welche Behörden hatten im Vorjahr keine SiKo?" – from the login, one click
    answers it on the start page, a second downloads the list."""
    year = some_years
    login(page, live_server, lzpd_browser_user)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lagebild NRW")

    page.get_by_role("link", name=f"Ohne SiKo im Jahr {year}").click()  # click 1

    matrix = page.get_by_role("region", name="Jahrespflicht je Behörde und Jahr")
    expect(matrix.locator("tbody tr")).to_have_count(45)
    expect(matrix.get_by_role("link", name="Polizeipräsidium Dortmund")).to_have_count(0)
    expect(
        matrix.get_by_role("link", name=f"Kreispolizeibehörde Borken {year}: nicht erfüllt")
    ).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(f"im Jahr {year}")
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Gezeigte Liste als CSV").click()  # click 2

    download = download_info.value
    assert download.suggested_filename == f"lagebild-ohne-siko-{year}.csv"
    with open(download.path(), encoding="utf-8-sig") as stream:
        header, *rows = list(csv.reader(stream, delimiter=";"))
    assert header[:3] == ["Behörde", "Art", "Regierungsbezirk"]
    assert len(rows) == 45
    shown = {row[0] for row in rows}
    assert "Polizeipräsidium Dortmund" not in shown
    assert "Polizeipräsidium Münster" not in shown
    column = header.index(f"Jahrespflicht {year}")
    assert {row[column] for row in rows} == {"nicht erfüllt"}
