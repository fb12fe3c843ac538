"""Browser tests: Debian's chromium driven by Playwright, axe-core on every page (DESIGN §7).

One browser per session; each test gets a fresh context (cookies, viewport). The live server is
transactional, so tests load the directory with the `seeded` fixture and create their users on top.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect, sync_playwright

from authorities.models import User
from siko.organisations import OrganisationKind
from tests.conftest import PASSWORD, make_user

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
TIMEOUT_MS = 10_000

_axe = Axe()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} fehlt: Browser-Tests brauchen Debians chromium "
            "(apt-get install chromium).",
            pytrace=False,
        )
    # Playwright's sync API keeps an event loop in this thread; Django would refuse the ORM calls
    # of test code (users, assertions) and the live server's shared SQLite connection otherwise.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()


def new_page(browser: Browser, **context_options) -> Iterator[Page]:
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin", **context_options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


_new_page = new_page  # the name before it was shared (tests written meanwhile import it)


@pytest.fixture
def page(browser: Browser, live_server) -> Iterator[Page]:
    """A desktop browser tab (1280×800) with German as the browser language."""
    yield from new_page(browser, viewport=DESKTOP)


@pytest.fixture
def phone_page(browser: Browser, live_server) -> Iterator[Page]:
    """A phone-sized tab (390×844, touch) with German as the browser language."""
    yield from new_page(browser, viewport=PHONE, is_mobile=True, has_touch=True)


def url(live_server, name: str, *args: object) -> str:
    return live_server.url + reverse(name, args=args)


def login(page: Page, live_server, user: User, password: str = PASSWORD) -> None:
    """Sign in through the real login form, as a person would, and wait for the start page."""
    page.goto(url(live_server, "login"))
    page.get_by_label("Benutzername").fill(user.username)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
    expect(page).not_to_have_url(url(live_server, "login"))
    page.wait_for_load_state()


def assert_accessible(page: Page) -> None:
    """axe-core on the current page at its size and again at phone size (issue 15): no violation
    of WCAG 2.1 level A or AA, and at 390 px the page does not scroll sideways."""
    _assert_axe_clean(page)
    assert_fits_phone(page)


def assert_fits_phone(page: Page, address: str | None = None) -> None:
    """The page at 390×844: `document.documentElement.scrollWidth` ≤ 390 and axe clean.

    With `address` the page is loaded at phone size; without, the current page is resized in
    place (no reload: a page shown after a POST keeps its content and its messages). The tab gets
    its own size back afterwards.
    """
    own_size = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        if address is not None:
            page.goto(address)
            page.wait_for_load_state()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (
            f"{page.url} is {width}px wide at phone size ({PHONE['width']}px): it scrolls sideways"
            f"\n{_widest_elements(page)}"
        )
        _assert_axe_clean(page, size="390×844")
    finally:
        if own_size is not None and own_size != PHONE:
            page.set_viewport_size(own_size)


def _widest_elements(page: Page) -> str:
    """The elements that reach past the viewport, for the failure message."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .sort((a, b) => b.getBoundingClientRect().right - a.getBoundingClientRect().right)
            .slice(0, 6)
            .map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} `
                + `→ ${Math.round(e.getBoundingClientRect().right)}px`)
            .join('\\n')"""
    )


def _assert_axe_clean(page: Page, size: str = "") -> None:
    results = _axe.run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]},
    )
    if results.violations_count:
        rules = ", ".join(violation["id"] for violation in results.response["violations"])
        pytest.fail(
            f"axe: WCAG 2.1 A/AA violated on {page.url} {size}: {rules}\n"
            f"{results.generate_report()}",
            pytrace=False,
        )


@pytest.fixture
def dortmund_user(seeded: None) -> User:
    return make_user("kpb-dortmund", OrganisationKind.KPB, authority="pp-dortmund")


@pytest.fixture
def lzpd_browser_user(seeded: None) -> User:
    return make_user("lzpd", OrganisationKind.LZPD)


@pytest.fixture
def tasks_run_eagerly() -> Iterator[None]:
    """Celery tasks run in the calling thread (the live server's), also where REDIS_URL is set
    (CI), and raise their errors there."""
    from siko.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = saved
