"""Issue 15, phone: the pages no journey walks through, at 390×844 — none scrolls sideways,
every one is axe clean, and wide tables can be reached and scrolled with the keyboard.

The journeys check each page they visit at phone size through `assert_accessible`; this tour adds
the lists and forms around them (exercises, Hospitationen, mail log, calendar subscriptions, the
import, reminders, comparison groups) for a KPB and for the LZPD.
"""

from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from authorities.models import User
from conferences.models import Conference
from tests.browser.conftest import PHONE, assert_fits_phone, login, url
from tests.factories.conferences import invite_all_proposed, make_conference
from tests.factories.reports import add_borken_hospitation, add_dortmund_exercise

pytestmark = pytest.mark.browser


@pytest.fixture
def planned(dortmund_user: User) -> Conference:
    """A Dortmund conference with every proposed partner on its invitation list, an exercise and
    a Hospitation: the tables are filled, so their widths count."""
    conference = make_conference(dortmund_user, title="Sicherheitskonferenz Dortmund Frühjahr")
    invite_all_proposed(conference, dortmund_user)
    add_dortmund_exercise(
        "Stabsrahmenübung Hochwasser an der Emscher und am Dortmund-Ems-Kanal", date(2025, 5, 6)
    )
    add_borken_hospitation()
    return conference


def _pages(role: str, conference: Conference) -> list[str]:
    """The pages of a role that no journey visits, or visits only empty."""
    pk = conference.pk
    if role == "kpb":
        return [
            reverse("reports:my_dashboard"),
            *(reverse(f"conferences:{name}") for name in CONFERENCE_LISTS),
            *(reverse(f"conferences:{name}", args=[pk]) for name in CONFERENCE_PAGES),
            reverse("authorities:authority_detail", args=["pp-dortmund"]),
            reverse("authorities:partner_detail", args=["sta-dortmund"]),
            *(reverse(f"authorities:{name}") for name in DIRECTORY_PAGES),
            reverse("password_change"),
        ]
    return [
        *(reverse(f"reports:{name}") for name in STATE_PAGES),
        reverse("reports:authority_dashboard", args=["pp-dortmund"]),
        *(reverse(f"authorities:{name}") for name in ("authority_list", "partner_import")),
        *(reverse(f"authorities:{name}") for name in DIRECTORY_PAGES),
        reverse("conferences:conference_list"),
        reverse("conferences:conference_detail", args=[pk]),
        reverse("conferences:action_list"),
    ]


CONFERENCE_LISTS = ("conference_list", "conference_record", "action_list", "calendar_feeds")
CONFERENCE_PAGES = (
    "conference_detail",
    "invitations",
    "agenda",
    "send",
    "mail_log",
    "conference_actions",
    "conference_update",
    "conference_cancel",
)
DIRECTORY_PAGES = ("partner_list", "exercise_list", "hospitation_list")
STATE_PAGES = ("state", "reminder_log", "group_list", "group_create", "annual_report_list")


@pytest.mark.parametrize("role", ["kpb", "lzpd"])
def test_pages_fit_the_phone(
    phone_page: Page,
    live_server,
    dortmund_user: User,
    lzpd_browser_user: User,
    planned: Conference,
    role: str,
) -> None:
    login(phone_page, live_server, dortmund_user if role == "kpb" else lzpd_browser_user)

    for path in _pages(role, planned):
        assert_fits_phone(phone_page, live_server.url + path)


def test_a_wide_table_scrolls_by_keyboard_inside_its_region(
    phone_page: Page, live_server, dortmund_user: User, planned: Conference
) -> None:
    page = phone_page
    login(page, live_server, dortmund_user)
    page.goto(url(live_server, "conferences:conference_detail", planned.pk))
    region = page.get_by_role("region", name="Einladungen", exact=True)
    assert region.evaluate("box => box.scrollWidth > box.clientWidth"), (
        "the invitation table should be wider than the phone and scroll inside its region"
    )

    region.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")

    expect(region).to_be_focused()
    # Chromium animates keyboard scrolling: wait for the box to have moved.
    page.wait_for_function("box => box.scrollLeft > 0", arg=region.element_handle())
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
