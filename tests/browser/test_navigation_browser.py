"""Issue 15, navigation: where a person is, on one line at 1366 px, and the start pages by role."""

import pytest
from playwright.sync_api import Browser, Page, expect

from authorities.models import User
from siko.organisations import OrganisationKind
from tests.browser.conftest import assert_accessible, login, new_page, url
from tests.conftest import make_user

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture
def laptop_page(browser: Browser, live_server):
    """The office laptop of the review: 1366×768."""
    yield from new_page(browser, viewport=LAPTOP)


@pytest.mark.parametrize("kind", [OrganisationKind.LZPD, OrganisationKind.LKA, OrganisationKind.IM])
def test_state_bodies_start_on_the_lagebild(
    page: Page, live_server, seeded: None, kind: str
) -> None:
    user = make_user(f"user-{kind}", kind)

    login(page, live_server, user)

    expect(page).to_have_url(url(live_server, "reports:state"))
    navigation = page.get_by_role("navigation", name="Hauptnavigation")
    expect(navigation.get_by_role("link", name="Lagebild")).to_have_attribute(
        "aria-current", "page"
    )
    expect(navigation.locator("[aria-current]")).to_have_count(1)


def test_navigation_marks_the_active_page_and_stays_on_one_line_at_1366_px(
    laptop_page: Page, live_server, lzpd_browser_user: User
) -> None:
    page = laptop_page
    login(page, live_server, lzpd_browser_user)
    navigation = page.get_by_role("navigation", name="Hauptnavigation")

    for name, heading in [
        ("Konferenzen", "Konferenzen"),
        ("Maßnahmen", "Beschlusskontrolle"),
        ("Partnerverzeichnis", "Partnerverzeichnis"),
        ("Behörden", "Kreispolizeibehörden"),
        ("Jahresberichte", "Jahresberichte"),
        ("Lagebild", "Lagebild NRW"),
    ]:
        navigation.get_by_role("link", name=name, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        current = navigation.locator("[aria-current='page']")
        expect(current).to_have_count(1)
        expect(current).to_have_text(name)
        items = navigation.get_by_role("listitem")
        tops = {round(box["y"]) for box in (item.bounding_box() for item in items.all()) if box}
        assert len(tops) == 1, f"the navigation wraps into {len(tops)} lines at 1366 px"
        height = navigation.bounding_box()["height"]
        assert height < 70, f"the navigation bar is {height}px high at 1366 px"
    assert_accessible(page)


def test_kpb_navigation_names_master_data_and_start_page_apart(
    page: Page, live_server, dortmund_user: User
) -> None:
    login(page, live_server, dortmund_user)
    navigation = page.get_by_role("navigation", name="Hauptnavigation")

    expect(navigation.get_by_role("link", name="Lagebild")).to_have_attribute(
        "aria-current", "page"
    )
    expect(navigation.get_by_role("link", name="Meine Behörde")).to_have_count(0)
    navigation.get_by_role("link", name="Stammdaten").click()

    expect(page).to_have_url(url(live_server, "authorities:authority_detail", "pp-dortmund"))
    expect(navigation.get_by_role("link", name="Stammdaten")).to_have_attribute(
        "aria-current", "page"
    )
    assert_accessible(page)
