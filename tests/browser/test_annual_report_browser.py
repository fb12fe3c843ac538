"""The annual report's workflow in a real browser: LZPD drafts and proposes the outline, the
ministry agrees it (at phone size), the LKA agrees the draft, LZPD finalises, the ministry
downloads; axe-core on every page at desktop and phone size."""

import hashlib
from datetime import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from reports.models import AnnualReport, ReportStatus
from siko.organisations import OrganisationKind
from tests.browser.conftest import DESKTOP, PHONE, _new_page, assert_accessible, login, url
from tests.conftest import make_user
from tests.factories.conferences import make_recorded_conference
from tests.helpers import pdf_text

pytestmark = pytest.mark.browser


def download(page: Page, link_name: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).first.click()
    with open(info.value.path(), "rb") as handle:
        return handle.read()


def as_user(browser: Browser, live_server, user, viewport=DESKTOP, **options):
    pages = _new_page(browser, viewport=viewport, accept_downloads=True, **options)
    page = next(pages)
    # Embedded mode renders the PDF inside the click's request: seconds, more on a loaded machine.
    page.set_default_timeout(60_000)
    login(page, live_server, user)
    return page, pages


@pytest.fixture
def last_year(seeded):
    from conferences.topics import ensure_decree_topics

    # The live server's database is flushed between tests: the decree's topics come back here.
    ensure_decree_topics()
    organiser = make_user("kpb-dortmund", OrganisationKind.KPB, authority="pp-dortmund")
    year = timezone.localdate().year - 1
    make_recorded_conference(
        "pp-dortmund",
        datetime(year, 4, 14, 10, tzinfo=timezone.get_default_timezone()),
        organiser=organiser,
        categories=["kommune", "zoll"],
        topics=["sicherheitslage"],
    )
    return year + 1


def test_lzpd_draft_lka_agreement_lzpd_final_im_download(
    browser: Browser, live_server, last_year: int
) -> None:
    report_year = last_year
    lzpd = make_user("lzpd", OrganisationKind.LZPD)
    lka = make_user("lka", OrganisationKind.LKA)
    im = make_user("im", OrganisationKind.IM)

    # LZPD starts the report with an introduction to the summary.
    page, lzpd_pages = as_user(browser, live_server, lzpd)
    page.get_by_role("link", name="Jahresberichte").first.click()
    assert_accessible(page)
    page.get_by_role("link", name="Bericht anlegen").click()
    assert_accessible(page)
    expect(page.get_by_label("Berichtsjahr", exact=False).first).to_have_value(str(report_year))
    page.locator("#id_summary_intro").fill("Zusammenfassung der Lage im Land.")
    page.get_by_role("button", name="Speichern und Entwurf erzeugen").click()
    # No draft goes to the LKA before the ministry agrees the outline (R8): LZPD proposes it.
    expect(page.locator("#outline-state")).to_contain_text("noch nicht vorgelegt")
    assert_accessible(page)
    page.get_by_role("button", name="Gliederung dem Ministerium vorlegen").click()
    expect(page.locator("#outline-state")).to_contain_text("dem Ministerium vorgelegt")
    assert_accessible(page)
    detail_url = page.url

    # The ministry agrees the outline (on a phone).
    im_page, im_pages = as_user(
        browser, live_server, im, viewport=PHONE, is_mobile=True, has_touch=True
    )
    im_page.goto(url(live_server, "reports:annual_report_list"))
    im_page.get_by_role("link", name="Gliederungen zur Abstimmung").click()
    assert_accessible(im_page)
    im_page.get_by_role("link", name=f"Über die Gliederung {report_year} entscheiden").click()
    assert_accessible(im_page)
    im_page.get_by_label("Änderungen erbitten").check()
    im_page.get_by_role("button", name="Absenden").click()
    expect(im_page.get_by_text("welche Änderungen Sie an der Gliederung erbitten")).to_be_visible()
    assert_accessible(im_page)
    im_page.get_by_label("Der Gliederung zustimmen").check()
    im_page.get_by_role("button", name="Absenden").click()
    expect(im_page.get_by_text("Ihre Zustimmung zur Gliederung ist vermerkt.")).to_be_visible()
    assert_accessible(im_page)

    # Now the draft is generated and goes to the LKA.
    page.goto(detail_url)
    expect(page.locator("#outline-state")).to_contain_text("abgestimmt")
    page.get_by_role("button", name="Entwurf neu erzeugen").click()
    expect(page.get_by_role("link", name="PDF herunterladen (Fassung 1)")).to_be_visible()
    expect(page.locator("#report-status")).to_contain_text("Entwurf")
    assert_accessible(page)
    draft = download(page, "PDF herunterladen (Fassung 1)")
    assert "ENTWURF" in pdf_text(draft)
    assert "Zusammenfassung der Lage im Land." in pdf_text(draft)
    assert "zugestimmt hat das Ministerium des Innern am" in " ".join(pdf_text(draft).split())

    # The LKA reads the draft and agrees.
    lka_page, lka_pages = as_user(browser, live_server, lka)
    lka_page.goto(detail_url)
    lka_page.get_by_role("link", name="Entwurf prüfen (LKA)").click()
    assert_accessible(lka_page)
    assert download(lka_page, "Entwurf herunterladen (PDF)") == draft
    lka_page.get_by_label("Einvernehmen erteilt").check()
    lka_page.get_by_role("button", name="Absenden").click()
    expect(lka_page.locator("#report-status")).to_contain_text("mit dem LKA abgestimmt")
    assert_accessible(lka_page)

    # LZPD finalises.
    page.reload()
    page.get_by_role("button", name="Endfassung erstellen").click()
    expect(page.locator("#report-status")).to_contain_text("Endfassung")
    expect(page.get_by_role("link", name="Korrekturfassung anlegen")).to_be_visible()
    assert_accessible(page)
    report = AnnualReport.objects.get(year=report_year)
    assert report.status == ReportStatus.FINAL and report.finalised_by == lzpd

    # The ministry downloads the final version on a phone.
    im_page.goto(url(live_server, "reports:annual_report_list"))
    assert_accessible(im_page)
    final = download(im_page, f"PDF {report_year}, Fassung 1")
    assert hashlib.sha256(final).hexdigest() == report.sha256
    text = pdf_text(final)
    assert "ENTWURF" not in text and "Endfassung" in text
    for pages in (lzpd_pages, lka_pages, im_pages):
        next(pages, None)  # closes the browser context


def test_the_report_page_follows_a_running_generation_without_reloading(
    page: Page, live_server, last_year: int
) -> None:
    """htmx polls the progress fragment (growing delays) and swaps in the result when the
    worker is done; the page itself is never reloaded."""
    from django.utils import timezone as tz

    from reports.annual import generation as report_generation
    from reports.annual import workflow as report_workflow
    from reports.models import GenerationState

    lzpd = make_user("lzpd", OrganisationKind.LZPD)
    report = report_workflow.start_report(
        year=last_year, by=lzpd, outline=[{"key": "summary", "intro": ""}]
    )
    AnnualReport.objects.filter(pk=report.pk).update(
        generation=1,
        generation_state=GenerationState.RUNNING,
        progress=40,
        progress_step="PDF wird gesetzt",
        generation_requested_at=tz.now(),
    )
    login(page, live_server, lzpd)
    page.goto(url(live_server, "reports:annual_report", report.pk))
    expect(page.get_by_role("progressbar")).to_have_attribute("value", "40")
    assert_accessible(page)
    page.evaluate("window.__not_reloaded = true")
    assert report_generation.run_generation(report.pk, 1)  # the worker's part
    expect(page.get_by_role("link", name="PDF herunterladen (Fassung 1)")).to_be_visible(
        timeout=20_000
    )
    assert page.evaluate("window.__not_reloaded") is True
    expect(page.get_by_role("progressbar")).to_have_count(0)
    assert_accessible(page)
