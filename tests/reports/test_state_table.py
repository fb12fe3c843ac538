"""The state matrix as the LZPD uses it (issue 15): narrowed to "ohne SiKo im Jahr …", sorted
by any column, exported as shown – CSV and XLSX with German column names and the formula guard."""

import csv
import io
from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from authorities.models import Authority
from tests.conftest import client_for
from tests.factories.conferences import make_recorded_conference
from tests.reports.test_dashboards import matrix_rows

pytestmark = pytest.mark.django_db

STATE_URL = reverse("reports:state")
WITHOUT_LAST_YEAR = {"status": "ohne", "statusjahr": ""}


def last_year() -> int:
    return timezone.localdate().year - 1


def held(slug: str, year: int, organiser) -> None:
    start = datetime(year, 4, 14, 10, 0, tzinfo=timezone.get_default_timezone())
    make_recorded_conference(slug, start, organiser=organiser, status="held")


def names(html: str) -> list[str]:
    return [row.split("</a>", 1)[0].rsplit(">", 1)[1] for row in matrix_rows(html)]


def csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


@pytest.fixture
def two_held_last_year(kpb_a_user) -> int:
    """Dortmund and Münster held a SiKo last year; the other 45 did not."""
    held("pp-dortmund", last_year(), kpb_a_user)
    held("pp-muenster", last_year(), kpb_a_user)
    return last_year()


def test_without_siko_last_year_is_the_default_year_of_the_status_filter(
    lzpd_user, two_held_last_year
):
    html = client_for(lzpd_user).get(STATE_URL, WITHOUT_LAST_YEAR).content.decode()

    shown = names(html)
    assert len(shown) == 45
    assert "Polizeipräsidium Dortmund" not in shown
    assert "Kreispolizeibehörde Borken" in shown
    assert f"Behörden mit „ohne durchgeführte SiKo“ im Jahr {two_held_last_year}" in html
    assert "45 Behörden" in html


def test_the_quick_filter_is_one_link_on_the_state_view(lzpd_user, two_held_last_year):
    html = client_for(lzpd_user).get(STATE_URL).content.decode()

    link = f'href="{STATE_URL}?status=ohne&amp;statusjahr={two_held_last_year}"'
    assert link in html
    assert f"Ohne SiKo im Jahr {two_held_last_year}</a>" in html


def test_status_filter_combines_with_the_regierungsbezirk(lzpd_user, two_held_last_year):
    html = (
        client_for(lzpd_user)
        .get(STATE_URL, {**WITHOUT_LAST_YEAR, "regierungsbezirk": "Münster"})
        .content.decode()
    )

    expected = Authority.objects.filter(regierungsbezirk="Münster").exclude(slug="pp-muenster")
    assert sorted(names(html)) == sorted(a.short_name for a in expected)


def test_sorting_by_a_year_puts_the_gaps_first_when_descending(lzpd_user, two_held_last_year):
    client = client_for(lzpd_user)
    year = str(two_held_last_year)

    ascending = names(client.get(STATE_URL, {"sortierung": year}).content.decode())
    descending = names(client.get(STATE_URL, {"sortierung": f"-{year}"}).content.decode())

    assert ascending[:2] == ["Polizeipräsidium Dortmund", "Polizeipräsidium Münster"]
    assert descending[-2:] == ["Polizeipräsidium Dortmund", "Polizeipräsidium Münster"]
    assert descending[0] == "Kreispolizeibehörde Borken"  # gaps first, names in order


def test_sorting_by_name_descending_and_the_header_says_how_it_is_sorted(lzpd_user):
    client = client_for(lzpd_user)
    by_name = names(client.get(STATE_URL).content.decode())

    html = client.get(STATE_URL, {"sortierung": "-behoerde"}).content.decode()

    assert names(html) == by_name[::-1]
    assert 'aria-sort="descending"><a href="?sortierung=behoerde">Behörde' in html


@pytest.mark.parametrize("bad", ["-", "1999", "name; drop", "-behoerde-"])
def test_an_unknown_sort_value_sorts_by_name(lzpd_user, bad):
    client = client_for(lzpd_user)
    by_name = names(client.get(STATE_URL).content.decode())

    response = client.get(STATE_URL, {"sortierung": bad})

    assert response.status_code == 200
    assert names(response.content.decode()) == by_name


def test_csv_export_holds_what_the_page_shows_with_german_headers(lzpd_user, two_held_last_year):
    response = client_for(lzpd_user).get(reverse("reports:state_csv"), WITHOUT_LAST_YEAR)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        f'filename="lagebild-ohne-siko-{two_held_last_year}.csv"'
        in (response["Content-Disposition"])
    )
    header, *rows = csv_rows(response)
    assert header[:4] == ["Behörde", "Art", "Regierungsbezirk", f"Jahrespflicht {last_year() + 1}"]
    assert len(rows) == 45
    borken = next(row for row in rows if row[0] == "Landrat als Kreispolizeibehörde Borken")
    assert borken[header.index(f"Jahrespflicht {two_held_last_year}")] == "nicht erfüllt"
    assert not any(row[0] == "Polizeipräsidium Dortmund" for row in rows)


def test_xlsx_export_keeps_the_order_and_guards_formulas(lzpd_user, kpb_a_user):
    Authority.objects.filter(slug="pp-dortmund").update(official_name="=HYPERLINK(1)")

    response = client_for(lzpd_user).get(reverse("reports:state_xlsx"), {"sortierung": "-behoerde"})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [row for row in sheet.iter_rows(values_only=True)]
    assert values[0][:3] == ("Behörde", "Art", "Regierungsbezirk")
    assert len(values) == 48
    dortmund = next(cell for cell in sheet["A"] if cell.value == "=HYPERLINK(1)")
    assert dortmund.data_type == "s"  # text, never a formula


def test_state_exports_are_for_state_bodies_only(kpb_a_user):
    for name in ("reports:state_csv", "reports:state_xlsx"):
        assert client_for(kpb_a_user).get(reverse(name)).status_code == 403
