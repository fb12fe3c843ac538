"""Journey (issue 16, part 3): a KPB records a cooperation structure, marks it discussed from the
agenda page of a conference that plans the mandated topic "Kooperationsstrukturen", and finds
it on its authority's page; axe clean at desktop and 390 px on every page."""

import re

import pytest
from playwright.sync_api import Page, expect

from authorities.models import PartnerAgency, User
from tests.browser.conftest import assert_accessible, login, url
from tests.factories.conferences import make_conference

pytestmark = pytest.mark.browser


def test_kpb_records_a_cooperation_and_marks_it_discussed_on_the_agenda(
    page: Page, live_server, dortmund_user: User
) -> None:
    partner = PartnerAgency.objects.get(slug="kommune-dortmund")
    # A new conference proposes every mandated topic, "Kooperationsstrukturen" too.
    conference = make_conference(dortmund_user, title="Sicherheitskonferenz Herbst")
    login(page, live_server, dortmund_user)

    page.goto(url(live_server, "authorities:authority_detail", "pp-dortmund"))
    section = page.get_by_role("region", name="Kooperationsstrukturen")
    expect(section).to_contain_text("Noch keine Kooperation erfasst.")
    assert_accessible(page)
    section.get_by_role("link", name="Kooperation erfassen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Kooperation erfassen")
    assert_accessible(page)
    page.get_by_label("Bezeichnung").fill("Ordnungspartnerschaft Hauptbahnhof")
    page.get_by_label("Art").select_option(label="Ordnungspartnerschaft")
    page.get_by_label("besteht seit").fill("2023-05-01")
    page.get_by_label(partner.name, exact=True).check()
    page.get_by_role("button", name="Speichern").click()

    expect(page).to_have_url(url(live_server, "cooperations:cooperation_list"))
    expect(page.get_by_text("Die Kooperation ist gespeichert.")).to_be_visible()
    expect(
        page.get_by_role("cell", name="Ordnungspartnerschaft Hauptbahnhof", exact=True)
    ).to_be_visible()
    assert_accessible(page)

    page.goto(url(live_server, "conferences:agenda", conference.pk))
    offer = page.get_by_role("region", name="Kooperationsstrukturen zum Pflichtthema")
    expect(offer).to_contain_text("Ordnungspartnerschaft Hauptbahnhof")
    assert_accessible(page)
    offer.get_by_role(
        "button",
        name=re.compile(r"in dieser Konferenz besprochen\s*: Ordnungspartnerschaft Hauptbahnhof"),
    ).click()

    expect(page).to_have_url(url(live_server, "conferences:agenda", conference.pk))
    expect(page.get_by_text("ist als in dieser Konferenz besprochen vermerkt")).to_be_visible()
    offer = page.get_by_role("region", name="Kooperationsstrukturen zum Pflichtthema")
    expect(offer.get_by_text("in dieser Konferenz besprochen", exact=True)).to_be_visible()
    expect(offer.get_by_role("button")).to_have_count(0)
    assert_accessible(page)

    page.goto(url(live_server, "authorities:authority_detail", "pp-dortmund"))
    section = page.get_by_role("region", name="Kooperationsstrukturen")
    expect(section).to_contain_text("Ordnungspartnerschaft Hauptbahnhof")
    expect(section).to_contain_text(partner.name)
    expect(section.get_by_role("link", name="Sicherheitskonferenz Herbst")).to_be_visible()
    assert_accessible(page)


def test_kpb_imports_cooperations_from_csv_after_fixing_a_bad_row(
    page: Page, live_server, dortmund_user: User, tmp_path
) -> None:
    bad = tmp_path / "kooperationen.csv"
    bad.write_text(
        "Bezeichnung;Art;seit;Status;Partner\n"
        "Präventionsrat Nord;Präventionsrat;15.06.2024;aktiv;kommune-dortmund\n"
        "Runder Tisch;Stammtisch;01.01.2020;;\n",
        encoding="utf-8",
    )
    good = tmp_path / "kooperationen-korrigiert.csv"
    good.write_text(
        "Bezeichnung;Art;seit;Status;Partner\n"
        "Präventionsrat Nord;Präventionsrat;15.06.2024;aktiv;kommune-dortmund\n"
        "Runder Tisch;Sonstige Kooperation;01.01.2020;;\n",
        encoding="utf-8",
    )
    login(page, live_server, dortmund_user)

    page.goto(url(live_server, "cooperations:cooperation_list"))
    assert_accessible(page)
    page.get_by_role("link", name="CSV importieren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kooperationen: CSV importieren")
    assert_accessible(page)
    page.locator("input[type=file]").set_input_files(bad)
    page.get_by_role("button", name="Vorschau anzeigen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Vorschau des CSV-Imports")
    expect(page.get_by_text("Unbekannte Art „Stammtisch“")).to_be_visible()
    expect(page.get_by_role("button", name="Import bestätigen")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("link", name="Andere Datei hochladen").click()
    page.locator("input[type=file]").set_input_files(good)
    page.get_by_role("button", name="Vorschau anzeigen").click()
    page.get_by_role("button", name="Import bestätigen").click()

    expect(page).to_have_url(url(live_server, "cooperations:cooperation_list"))
    expect(page.get_by_text("Import abgeschlossen: 2 neu angelegt")).to_be_visible()
    expect(page.get_by_role("cell", name="Präventionsrat Nord", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"bearbeiten\s*: Runder Tisch")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kooperation bearbeiten")
    assert_accessible(page)
