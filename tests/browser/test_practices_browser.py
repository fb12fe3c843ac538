"""Good practice in a real browser (issue 16, part 2): KPB Dortmund enters and submits a
practice, the LZPD publishes it at phone size, KPB Borken finds it by searching and is offered
it when planning an agenda item of its topic; axe-core on
every page at desktop and phone size."""

import pytest
from playwright.sync_api import Browser, expect

from siko.organisations import OrganisationKind
from tests.browser.conftest import DESKTOP, PHONE, _new_page, assert_accessible, login, url
from tests.conftest import make_user
from tests.factories.conferences import make_conference

pytestmark = pytest.mark.browser


def as_user(browser: Browser, live_server, user, viewport=DESKTOP, **options):
    pages = _new_page(browser, viewport=viewport, **options)
    page = next(pages)
    login(page, live_server, user)
    return page, pages


@pytest.fixture
def topics(seeded):
    from conferences.topics import ensure_decree_topics

    ensure_decree_topics()  # the live server's database is flushed between tests


def test_kpb_submits_lzpd_publishes_other_kpb_finds_it(browser: Browser, live_server, topics):
    dortmund = make_user("kpb-dortmund", OrganisationKind.KPB, authority="pp-dortmund")
    borken = make_user("kpb-borken", OrganisationKind.KPB, authority="lr-borken")
    lzpd = make_user("lzpd", OrganisationKind.LZPD)

    # KPB Dortmund enters a draft and submits it to the LZPD.
    page, dortmund_pages = as_user(browser, live_server, dortmund)
    page.goto(url(live_server, "practices:list"))
    assert_accessible(page)
    page.get_by_role("link", name="Gute Praxis anlegen").click()
    assert_accessible(page)
    page.locator("#id_kind").select_option("strategy")
    page.locator("#id_title").fill("Gemeinsame Kontrollen im Bahnhofsviertel")
    page.locator("#id_summary").fill("Polizei und Ordnungsamt kontrollieren freitags gemeinsam.")
    page.locator("#id_topic").select_option(label="Räumliche Brennpunkte")
    page.get_by_label("Kreis-, Stadt- oder Gemeindeverwaltung").check()
    page.locator("#id_result").fill("Weniger Taschendiebstähle im Bahnhofsumfeld.")
    page.locator("#id_contact_function").fill("Leitungsstab, Sachgebiet Einsatz")
    page.get_by_role("button", name="Entwurf anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Gemeinsame Kontrollen im Bahnhofsviertel"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Beim LZPD einreichen").click()
    expect(page.get_by_text("liegt dem LZPD zur Prüfung vor")).to_be_visible()
    assert_accessible(page)
    next(dortmund_pages, None)

    # The LZPD, on a phone, publishes it.
    page, lzpd_pages = as_user(browser, live_server, lzpd, viewport=PHONE, is_mobile=True)
    page.goto(url(live_server, "practices:list"))
    assert_accessible(page)
    page.get_by_role("link", name="Gemeinsame Kontrollen im Bahnhofsviertel").click()
    assert_accessible(page)
    page.get_by_label("Veröffentlichen").check()
    page.get_by_role("button", name="Entscheidung speichern").click()
    expect(page.get_by_text("landesweit veröffentlicht")).to_be_visible()
    assert_accessible(page)
    next(lzpd_pages, None)

    # KPB Borken finds it by a word of its summary and by the partner category.
    page, borken_pages = as_user(browser, live_server, borken)
    page.goto(url(live_server, "practices:list"))
    page.get_by_label("Suchbegriff").fill("Ordnungsamt")
    page.locator("#id_kategorie").select_option("kommune")
    page.get_by_role("button", name="Suchen").click()
    expect(page.get_by_text("1 Treffer")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Gemeinsame Kontrollen im Bahnhofsviertel").click()
    expect(page.get_by_text("Leitungsstab, Sachgebiet Einsatz")).to_be_visible()
    assert_accessible(page)

    # Planning its own agenda, Borken is offered the practice for the topic it chooses.
    conference = make_conference(borken)
    page.goto(url(live_server, "conferences:agenda", conference.pk))
    page.locator("#id_topic").select_option(label="Räumliche Brennpunkte")
    proposals = page.locator("#practice-proposals")
    expect(proposals).to_contain_text("Gemeinsame Kontrollen im Bahnhofsviertel")
    assert_accessible(page)
    next(borken_pages, None)


def test_kpb_sees_its_comparison_group_side_by_side(browser: Browser, live_server, topics):
    from datetime import datetime

    from django.utils import timezone

    from authorities.models import Authority, ComparisonGroup
    from tests.factories.conferences import make_recorded_conference

    dortmund = make_user("kpb-dortmund", OrganisationKind.KPB, authority="pp-dortmund")
    group = ComparisonGroup.objects.create(name="Großstädte Ruhr")
    Authority.objects.filter(slug__in=["pp-dortmund", "pp-bochum", "pp-essen"]).update(
        comparison_group=group
    )
    year = timezone.localdate().year - 1
    make_recorded_conference(
        "pp-dortmund",
        datetime(year, 4, 14, 10, tzinfo=timezone.get_default_timezone()),
        organiser=dortmund,
        categories=["kommune", "zoll"],
        topics=["sicherheitslage", "brennpunkte"],
    )

    page, pages = as_user(browser, live_server, dortmund)
    page.goto(url(live_server, "practices:list"))
    page.get_by_role("link", name="Vergleichsgruppenarbeit").click()
    expect(page.get_by_role("heading", name="Großstädte Ruhr")).to_be_visible()
    expect(page.get_by_role("row", name="Polizeipräsidium Dortmund")).to_contain_text(
        "Zollverwaltung"
    )
    assert_accessible(page)
    next(pages, None)
