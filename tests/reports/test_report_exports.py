"""CSV and XLSX of the annual report: the PDF's figures, one row per authority, safe to open."""

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from authorities.enums import DECREE_CATEGORIES
from authorities.models import Authority, ComparisonGroup
from conferences.models import Invitation
from reports.annual.exports import report_csv, report_table, report_xlsx
from reports.annual.report import collect_report_data
from reports.compliance import STATUS_LABELS, compute_compliance
from tests.factories.conferences import make_recorded_conference
from tests.factories.reports import add_borken_hospitation, add_dortmund_exercise, add_hagen_actions

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
AS_OF = date(2026, 3, 1)
HOSTILE_NAME = '=HYPERLINK("http://example.org/x","Klick")'
HOSTILE_GROUP = "@SUMME(1+1)"


def scenario(organiser):
    """2025: Hagen twice (one with attendance and actions), Borken jointly with Dortmund;
    exercises and Hospitationen; 2026: one SiKo of Hagen so far."""
    first = make_recorded_conference(
        "pp-hagen",
        datetime(2025, 5, 6, 10, tzinfo=BERLIN),
        organiser=organiser,
        categories=["kommune", "bundespolizei", "zoll", "schulamt"],
        topics=["sicherheitslage", "brennpunkte"],
    )
    Invitation.objects.filter(conference=first, agency__category="kommune").update(attended=True)
    Invitation.objects.filter(conference=first, agency__category="zoll").update(attended=False)
    add_hagen_actions(first)
    make_recorded_conference(
        "pp-hagen",
        datetime(2025, 11, 3, 10, tzinfo=BERLIN),
        organiser=organiser,
        categories=["staatsanwaltschaft", "kommune"],
        topics=["grossveranstaltungen"],
    )
    make_recorded_conference(
        "lr-borken",
        datetime(2025, 9, 17, 10, tzinfo=BERLIN),
        organiser=organiser,
        co_hosts=["pp-dortmund"],
        categories=["gericht"],
    )
    make_recorded_conference(
        "pp-hagen", datetime(2026, 2, 10, 10, tzinfo=BERLIN), organiser=organiser
    )
    add_dortmund_exercise("Hochwasser", date(2025, 3, 4))
    add_dortmund_exercise("Stromausfall", date(2025, 10, 4))
    add_borken_hospitation()
    Authority.objects.filter(slug="lr-borken").update(short_name=HOSTILE_NAME)
    group = ComparisonGroup.objects.create(name=HOSTILE_GROUP)
    Authority.objects.filter(slug="pp-hagen").update(comparison_group=group)


@pytest.fixture
def data(kpb_a_user):
    scenario(kpb_a_user)
    return collect_report_data(2026, as_of=AS_OF)


def read_csv(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    reader = csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";")
    header, *rows = list(reader)
    return [dict(zip(header, row, strict=True)) for row in rows]


def read_xlsx(content: bytes):
    workbook = load_workbook(io.BytesIO(content))
    return workbook, workbook.worksheets[0]


def category_label(category: str) -> str:
    return str(next(c for c in DECREE_CATEGORIES if c.value == category).label)


def expected_figures(data) -> dict[str, dict[str, object]]:
    """What the export must say per authority: compute_compliance (2025 complete, 2026 as of
    AS_OF) and the report's own participation and actions."""
    records = {r.authority: r for r in compute_compliance([2025], as_of=date(2026, 1, 1))}
    current = {r.authority: r for r in compute_compliance([2026], as_of=AS_OF)}
    authorities = {a.slug: a for a in Authority.objects.select_related("comparison_group")}
    figures = {}
    for row in data["rows"]:
        record, authority = records[row["slug"]], authorities[row["slug"]]
        expected = {
            "Behörde": record.authority_name,
            "Regierungsbezirk": authority.regierungsbezirk,
            "Vergleichsgruppe": authority.comparison_group.name
            if authority.comparison_group
            else "",
            "SiKo 2025 (Anzahl)": len(record.siko_dates),
            "SiKo-Termine 2025": "; ".join(
                dict.fromkeys(f"{d[8:10]}.{d[5:7]}.{d[:4]}" for d in record.siko_dates)
            ),
            "Pflichtthemen behandelt (Anzahl)": len(record.topics_covered),
            "Krisenstabsübungen": record.exercise_participation,
            "Hospitationen": record.hospitations,
            "Status 2025": STATUS_LABELS[record.status],
            "Stand 2026": STATUS_LABELS[current[row["slug"]].status],
            "Maßnahmen vereinbart": row["actions_agreed"],
            "Maßnahmen erledigt": row["actions_done"],
        }
        for entry in row["participation"]:
            label = category_label(entry["category"])
            expected[f"{label}: eingeladen"] = entry["invited"]
            expected[f"{label}: geantwortet"] = entry["answered"]
            expected[f"{label}: anwesend"] = entry["present"]
        figures[row["slug"]] = expected
    return figures


def test_report_table_has_one_row_per_authority_with_numbers_as_numbers(data):
    headers, rows = report_table(data)

    assert len(rows) == Authority.objects.count() == 47
    assert len({row[0] for row in rows}) == 47
    hagen = dict(zip(headers, next(r for r in rows if r[0] == "pp-hagen"), strict=True))
    assert hagen["SiKo 2025 (Anzahl)"] == 2
    assert hagen["SiKo-Termine 2025"] == "06.05.2025; 03.11.2025"
    assert hagen["Pflichtthemen behandelt (Anzahl)"] == 3
    assert hagen[f"{category_label('kommune')}: eingeladen"] == 2
    assert hagen[f"{category_label('kommune')}: anwesend"] == 1
    assert hagen[f"{category_label('zoll')}: anwesend"] == 0
    assert hagen["Maßnahmen vereinbart"] == 2
    assert hagen["Maßnahmen erledigt"] == 1
    assert hagen["Stand 2026"] == "erfüllt"
    assert hagen["SiKo-Termine 2026"] == "10.02.2026"


def test_report_csv_matches_the_compliance_figures_for_every_authority(data):
    rows = read_csv(report_csv(data))
    figures = expected_figures(data)

    assert sorted(row["Kürzel"] for row in rows) == sorted(figures)
    for row in rows:
        expected = figures[row["Kürzel"]]
        if row["Kürzel"] == "lr-borken":
            expected["Behörde"] = "'" + HOSTILE_NAME
        if row["Kürzel"] == "pp-hagen":
            expected["Vergleichsgruppe"] = "'" + HOSTILE_GROUP
        assert {key: row[key] for key in expected} == {
            key: str(value) for key, value in expected.items()
        }, row["Kürzel"]
    borken = next(row for row in rows if row["Kürzel"] == "lr-borken")
    dortmund = next(row for row in rows if row["Kürzel"] == "pp-dortmund")
    assert borken["SiKo 2025 (Anzahl)"] == dortmund["SiKo 2025 (Anzahl)"] == "1"
    assert dortmund["Krisenstabsübungen"] == "2"
    assert borken["Hospitationen"] == "1"


def test_report_csv_neutralises_spreadsheet_formulas(data):
    content = report_csv(data).decode("utf-8-sig")

    for line in content.splitlines()[1:]:
        for cell in next(csv.reader([line], delimiter=";")):
            assert not cell.startswith(("=", "+", "-", "@")), cell


def test_report_xlsx_matches_the_compliance_figures_and_keeps_numbers_numeric(data):
    workbook, sheet = read_xlsx(report_xlsx(data))
    figures = expected_figures(data)

    headers = [cell.value for cell in sheet[1]]
    assert headers == report_table(data)[0]
    assert sheet.max_row == 48
    for cells in sheet.iter_rows(min_row=2):
        row = dict(zip(headers, cells, strict=True))
        expected = figures[row["Kürzel"].value]
        # An empty text is an empty cell.
        assert {key: row[key].value for key in expected} == {
            key: None if value == "" else value for key, value in expected.items()
        }, row["Kürzel"].value
        for key, value in expected.items():
            if value != "":
                assert row[key].data_type == ("n" if isinstance(value, int) else "s"), key


def test_report_xlsx_stores_hostile_names_as_text(data):
    workbook, sheet = read_xlsx(report_xlsx(data))

    headers = [cell.value for cell in sheet[1]]
    rows = {
        cells[0].value: dict(zip(headers, cells, strict=True))
        for cells in sheet.iter_rows(min_row=2)
    }
    name = rows["lr-borken"]["Behörde"]
    assert (name.value, name.data_type, name.quotePrefix) == (HOSTILE_NAME, "s", True)
    group = rows["pp-hagen"]["Vergleichsgruppe"]
    assert (group.value, group.data_type) == (HOSTILE_GROUP, "s")
    assert not any(
        cell.data_type == "f"
        for ws in workbook.worksheets
        for row in ws.iter_rows()
        for cell in row
    )


def test_report_xlsx_layout_and_explanations(data):
    workbook, sheet = read_xlsx(report_xlsx(data))

    assert workbook.sheetnames == ["SiKo 2025", "Erläuterungen"]
    assert sheet.freeze_panes == "C2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}48"
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.column_dimensions["B"].width >= 25
    notes = workbook["Erläuterungen"]
    explained = {row[0].value: row[1].value for row in notes.iter_rows() if row[0].value}
    assert "2025" in explained["Ausgewertetes Kalenderjahr"]
    assert explained["Stand des laufenden Jahres"] == data["as_of"]
    for header in report_table(data)[0]:
        assert explained.get(header), header
