"""Issue 16, part 4 in a real browser: the organiser uploads a PDF to a conference, an invited
agency downloads it through its answer link; axe-core and the phone width on every page."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from authorities.models import Contact, PartnerAgency, User
from conferences import links, services
from conferences.models import ConferenceDocument
from tests.browser.conftest import assert_accessible, login
from tests.factories.conferences import make_conference
from tests.factories.documents import pdf_bytes

pytestmark = pytest.mark.browser

TITLE = "Lagebild Innenstadt 2026"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_organiser_uploads_a_pdf_and_the_partner_downloads_it(
    page: Page,
    phone_page: Page,
    live_server,
    dortmund_user: User,
    media,
    tmp_path: Path,
) -> None:
    agency = PartnerAgency.objects.get(slug="sta-dortmund")
    Contact.objects.create(
        agency=agency, name="Dr. Klaus Hartmann", function="LOStA", email="sta@example.org"
    )
    conference = make_conference(dortmund_user, title="Sicherheitskonferenz Dortmund 2026")
    services.add_invitations(conference, agencies=[agency], by=dortmund_user)
    services.send_invitations(conference, by=dortmund_user)
    content = pdf_bytes(pages=2)
    file = tmp_path / "lagebild.pdf"
    file.write_bytes(content)

    # The organiser uploads the slides on the conference page.
    login(page, live_server, dortmund_user)
    page.goto(live_server.url + conference.get_absolute_url())
    page.get_by_role("link", name="Unterlagen hochladen und verwalten").click()
    assert_accessible(page)
    page.get_by_label(re.compile(r"^\s*Datei\*?\s*$")).set_input_files(str(file))
    page.get_by_label(re.compile(r"^\s*Titel\s*$")).fill(TITLE)
    page.get_by_role("button", name="Hochladen").click()
    expect(page.get_by_text(f"Die Unterlage „{TITLE}“ ist gespeichert.")).to_be_visible()
    expect(page.get_by_role("table").get_by_role("link", name=TITLE)).to_be_visible()
    assert_accessible(page)
    assert ConferenceDocument.objects.get().size == len(content)
    page.get_by_role("link", name="Zurück zur Konferenz").click()
    expect(
        page.get_by_role("region", name="Unterlagen").get_by_role("link", name=TITLE)
    ).to_be_visible()
    assert_accessible(page)

    # The invited agency opens its answer link (on a phone) and downloads the slides.
    invitation = conference.invitations.get()
    phone_page.goto(live_server.url + links.answer_path(invitation))
    documents = phone_page.get_by_role("region", name="Unterlagen")
    expect(documents.get_by_role("link", name=TITLE)).to_be_visible()
    assert_accessible(phone_page)
    with phone_page.expect_download() as info:
        documents.get_by_role("link", name=TITLE).click()
    download = info.value
    assert download.suggested_filename == "lagebild.pdf"
    assert Path(download.path()).read_bytes() == content
