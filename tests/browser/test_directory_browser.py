"""Journeys through the NRW directory in a real browser, with axe-core on every page visited."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import Browser, Page, expect

from authorities.enums import DECREE_CATEGORIES
from authorities.models import Authority, User
from tests.browser.conftest import assert_accessible, login, url

pytestmark = pytest.mark.browser


def test_kpb_user_sees_own_area_and_partners_grouped_by_decree_categories(
    page: Page, live_server, dortmund_user: User
) -> None:
    login(page, live_server, dortmund_user)
    expect(page).to_have_url(url(live_server, "reports:my_dashboard"))
    page.get_by_role("link", name="Behörde: Stammdaten und zuständige Partnerbehörden").click()

    expect(page).to_have_url(url(live_server, "authorities:authority_detail", "pp-dortmund"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Polizeipräsidium Dortmund")
    area = page.locator("dt", has_text="Polizeibezirk").locator("xpath=following-sibling::dd[1]")
    expect(area.get_by_role("listitem")).to_have_text(["Dortmund", "Kreis Unna (nur Stadt Lünen)"])
    with translation.override("de"):
        headings = [str(category.label) for category in DECREE_CATEGORIES]
    for heading in headings:
        expect(page.get_by_role("heading", level=3, name=heading)).to_be_visible()
    prosecutors = page.get_by_role("region", name=re.compile("^Staatsanwaltschaft"))
    expect(prosecutors.get_by_role("link", name="Staatsanwaltschaft Dortmund")).to_be_visible()
    assert_accessible(page)

    prosecutors.get_by_role("link", name="Staatsanwaltschaft Dortmund").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Staatsanwaltschaft Dortmund")
    expect(page.get_by_role("link", name="Polizeipräsidium Dortmund")).to_be_visible()
    assert_accessible(page)


def test_kpb_user_searches_partner_directory(page: Page, live_server, dortmund_user: User) -> None:
    login(page, live_server, dortmund_user)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Partnerverzeichnis"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partnerverzeichnis")
    assert_accessible(page)

    page.get_by_label("Suche").fill("Staatsanwaltschaft")
    page.get_by_role("button", name="Suchen").click()

    names = page.locator("tbody tr td:first-child a")
    expect(names.first).to_be_visible()
    assert all("Staatsanwaltschaft" in name for name in names.all_inner_texts())
    expect(page.get_by_role("link", name="Staatsanwaltschaft Dortmund")).to_be_visible()
    assert_accessible(page)


def test_lzpd_user_sees_all_47_authorities_and_filters_by_regierungsbezirk(
    page: Page, live_server, lzpd_browser_user: User
) -> None:
    login(page, live_server, lzpd_browser_user)
    expect(page).to_have_url(url(live_server, "reports:state"))  # the start page (issue 15)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Behörden"
    ).click()

    expect(page).to_have_url(url(live_server, "authorities:authority_list"))
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(47)
    assert_accessible(page)

    page.get_by_label("Regierungsbezirk").select_option("Arnsberg")
    page.get_by_role("button", name="Suchen").click()

    expect(rows).to_have_count(Authority.objects.filter(regierungsbezirk="Arnsberg").count())
    assert set(rows.locator("td:nth-child(4)").all_inner_texts()) == {"Arnsberg"}
    assert_accessible(page)

    page.get_by_role("link", name="Kreispolizeibehörde Unna").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Landrat als Kreispolizeibehörde Unna"
    )
    expect(page.get_by_text("Zuständigkeit unsicher").first).to_be_visible()
    assert_accessible(page)


def test_kpb_user_adds_partner_after_correcting_form_error(
    page: Page, live_server, dortmund_user: User
) -> None:
    login(page, live_server, dortmund_user)
    page.goto(url(live_server, "authorities:authority_detail", "pp-dortmund"))
    page.get_by_role("link", name="Partnerbehörde anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partnerbehörde anlegen")
    assert_accessible(page)

    page.get_by_label("Name").fill("Staatliches Schulamt für die Stadt Dortmund (Außenstelle)")
    page.get_by_label("Kategorie").select_option(label="Staatliches Schulamt")
    page.get_by_role("button", name="Speichern").click()

    routed_via = page.get_by_label("Einladung über")
    expect(routed_via).to_have_attribute("aria-invalid", "true")
    error = page.get_by_text("Ein Schulamt wird über seine Bezirksregierung eingeladen.")
    expect(error).to_be_visible()
    assert_accessible(page)

    routed_via.select_option(label="Bezirksregierung Arnsberg")
    page.get_by_role("button", name="Speichern").click()

    expect(page.get_by_role("status")).to_contain_text("angelegt")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Staatliches Schulamt für die Stadt Dortmund (Außenstelle)"
    )
    assert_accessible(page)


def test_directory_at_phone_size(phone_page: Page, live_server, dortmund_user: User) -> None:
    page = phone_page
    page.goto(url(live_server, "login"))
    assert_accessible(page)
    _assert_no_horizontal_scrolling(page)
    page.get_by_label("Benutzername").fill(dortmund_user.username)
    page.get_by_label("Passwort").fill("falsch")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_text("Benutzername oder Passwort ist falsch")).to_be_visible()
    assert_accessible(page)

    login(page, live_server, dortmund_user)
    page.goto(url(live_server, "authorities:authority_detail", "pp-dortmund"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Polizeipräsidium Dortmund")
    assert_accessible(page)
    _assert_no_horizontal_scrolling(page)

    page.get_by_role("link", name="Staatsanwaltschaft Dortmund").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Staatsanwaltschaft Dortmund")
    assert_accessible(page)
    _assert_no_horizontal_scrolling(page)

    menu_link = page.get_by_role("link", name="Partnerverzeichnis")
    expect(menu_link).to_be_hidden()
    page.get_by_role("button", name="Navigation umschalten").tap()
    expect(menu_link).to_be_visible()
    assert_accessible(page)
    menu_link.tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partnerverzeichnis")
    assert_accessible(page)
    _assert_no_horizontal_scrolling(page)


def test_skip_link_is_first_stop_and_moves_focus_to_main(
    page: Page, live_server, dortmund_user: User
) -> None:
    login(page, live_server, dortmund_user)

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Zum Inhalt springen")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()
    page.keyboard.press("Enter")

    expect(page.locator("main")).to_be_focused()


def _assert_no_horizontal_scrolling(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at phone size"


def test_assert_accessible_reports_violations_readably(browser: Browser) -> None:
    page = browser.new_page()
    page.set_content(
        '<!doctype html><html lang="de"><head><title>Probe</title></head><body><main>'
        '<h1>Probe</h1><p style="color:#bbb">blasser Text</p><img src="karte.png">'
        "</main></body></html>"
    )

    with pytest.raises(pytest.fail.Exception) as failure:
        assert_accessible(page)

    assert "color-contrast" in str(failure.value)
    assert "image-alt" in str(failure.value)
    page.close()
