"""The annual report's figures as a table: CSV and XLSX for the comparison-group work (R8).

Pure functions of the dict that `reports.annual.report.collect_report_data` returns – the same
figures as the PDF, one row per authority, never computed a second time. Text cells that a
spreadsheet would read as a formula are neutralised by the project's one guard (siko.spreadsheet):
in CSV with an apostrophe, in XLSX by storing them as text cells.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from authorities.enums import DECREE_CATEGORIES
from siko.spreadsheet import csv_writer, xlsx_text, xlsx_value

Cell = str | int
SEPARATOR = "; "


@dataclass(frozen=True)
class Column:
    header: str
    explanation: str
    value: Callable[[dict], Cell]
    width: int = 12


def _join(values: list[str]) -> str:
    return SEPARATOR.join(str(v) for v in values)


def _dates(row: dict, key: str) -> str:
    return _join(list(dict.fromkeys(entry["date"] for entry in row.get(key, []))))


def _siko_count(row: dict) -> int:
    if "siko_count" in row:
        return int(row["siko_count"])
    return sum(len(entry["titles"]) or 1 for entry in row["siko_dates"])


def _participation(row: dict, category: str, field: str) -> int:
    for entry in row.get("participation", []):
        if entry["category"] == category:
            return int(entry[field])
    return 0


def _category_columns() -> list[Column]:
    columns = []
    figures = (
        (
            "invited",
            _("eingeladen"),
            _(
                "Einladungen an Stellen der Kategorie „%(category)s“ zu den durchgeführten SiKo "
                "des Jahres (Anzahl)."
            ),
        ),
        (
            "answered",
            _("geantwortet"),
            _("Davon beantwortet (zugesagt, unter Vorbehalt, abgesagt oder vertreten)."),
        ),
        ("present", _("anwesend"), _("Davon laut Anwesenheitsliste anwesend.")),
    )
    for category in DECREE_CATEGORIES:
        label = str(category.label)
        for field, word, explanation in figures:
            columns.append(
                Column(
                    header=f"{label}: {word}",
                    explanation=explanation % {"category": label},
                    value=partial(_participation, category=category.value, field=field),
                    width=14,
                )
            )
    return columns


def report_columns(data: dict) -> list[Column]:
    """The columns of the export, in order, with the explanation the second sheet shows."""
    period = data["period_year"]
    current = data["year"]
    return [
        Column(
            _("Kürzel"),
            _("Kennung der Kreispolizeibehörde in SiKo NRW."),
            lambda row: row["slug"],
            18,
        ),
        Column(_("Behörde"), _("Kreispolizeibehörde."), lambda row: row["name"], 30),
        Column(
            _("Regierungsbezirk"),
            _("Regierungsbezirk der Behörde."),
            lambda row: row.get("regierungsbezirk", ""),
            14,
        ),
        Column(
            _("Vergleichsgruppe"),
            _("Vergleichsgruppe der Behörde (leer: keiner zugeordnet)."),
            lambda row: row.get("comparison_group", ""),
            18,
        ),
        Column(
            _("SiKo %(year)s (Anzahl)") % {"year": period},
            _(
                "Durchgeführte Sicherheitskonferenzen des Jahres %(year)s, auch gemeinsam mit "
                "anderen Behörden (zählen für jede beteiligte Behörde)."
            )
            % {"year": period},
            _siko_count,
            12,
        ),
        Column(
            _("SiKo-Termine %(year)s") % {"year": period},
            _("Tage der durchgeführten SiKo (TT.MM.JJJJ)."),
            lambda row: _dates(row, "siko_dates"),
            22,
        ),
        Column(
            _("Siko-AP"),
            _(
                "Sicherheitskonferenz Autobahnpolizei: Status, nur bei Behörden mit "
                "Autobahnpolizei erforderlich."
            ),
            lambda row: row["siko_ap"],
            16,
        ),
        Column(
            _("Siko-AP-Termine %(year)s") % {"year": period},
            _("Tage der durchgeführten Siko-AP (TT.MM.JJJJ)."),
            lambda row: _dates(row, "siko_ap_dates"),
            22,
        ),
        *_category_columns(),
        Column(
            _("Pflichtthemen behandelt (Anzahl)"),
            _(
                "Pflichtthemen nach dem Erlass, die auf der Tagesordnung einer durchgeführten "
                "SiKo des Jahres standen (von %(count)s)."
            )
            % {"count": data.get("topic_count", 0)},
            lambda row: len(row["topics_covered"]),
            14,
        ),
        Column(
            _("Pflichtthemen behandelt"),
            _("Die behandelten Pflichtthemen."),
            lambda row: _join(row["topics_covered"]),
            40,
        ),
        Column(
            _("Maßnahmen vereinbart"),
            _("Bei den durchgeführten SiKo des Jahres vereinbarte Maßnahmen (Beschlusskontrolle)."),
            lambda row: int(row.get("actions_agreed", 0)),
            12,
        ),
        Column(
            _("Maßnahmen erledigt"),
            _("Davon erledigt."),
            lambda row: int(row.get("actions_done", 0)),
            12,
        ),
        Column(
            _("Krisenstabsübungen"),
            _("Übungen der Krisenstäbe mit Teilnahme einer Verbindungsperson der Polizei."),
            lambda row: int(row["exercises"]),
            12,
        ),
        Column(
            _("Hospitationen"),
            _("Hospitationen der Behörde im Jahr."),
            lambda row: int(row["hospitations"]),
            12,
        ),
        Column(
            _("Status %(year)s") % {"year": period},
            _("Regel „mindestens eine SiKo je Kalenderjahr“: erfüllt oder nicht erfüllt."),
            lambda row: row["status_label"],
            14,
        ),
        Column(
            _("Stand %(year)s") % {"year": current},
            _("Stand des laufenden Jahres %(year)s am %(as_of)s: erfüllt, geplant oder überfällig.")
            % {"year": current, "as_of": data.get("as_of", "")},
            lambda row: row["current_status_label"],
            14,
        ),
        Column(
            _("SiKo-Termine %(year)s") % {"year": current},
            _("Tage der im laufenden Jahr bereits durchgeführten SiKo."),
            lambda row: _join(row.get("current_dates", [])),
            22,
        ),
    ]


def report_table(data: dict) -> tuple[list[str], list[list[Cell]]]:
    """Headers and one row per authority; numbers stay numbers."""
    columns = report_columns(data)
    headers = [column.header for column in columns]
    rows = [[column.value(row) for column in columns] for row in data["rows"]]
    return headers, rows


def report_csv(data: dict) -> bytes:
    """Semicolon-separated UTF-8 with a byte order mark, like the project's other CSV exports."""
    headers, rows = report_table(data)
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def report_xlsx(data: dict) -> bytes:
    """A workbook: the table (bold frozen header, autofilter) and the explanations."""
    columns = report_columns(data)
    headers, rows = report_table(data)
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)  # a new workbook starts with one worksheet, active
    sheet.title = _("SiKo %(year)s") % {"year": data["period_year"]}
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for number, header in enumerate(headers, start=1):
        xlsx_text(sheet, 1, number, header)
        sheet.cell(row=1, column=number).font = bold
        sheet.cell(row=1, column=number).alignment = wrap
    for row_number, row in enumerate(rows, start=2):
        for number, value in enumerate(row, start=1):
            xlsx_value(sheet, row_number, number, value)
    for number, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    sheet.freeze_panes = "C2"  # header row and the authority's slug and name stay in view
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"

    notes = workbook.create_sheet(_("Erläuterungen"))
    lines = [
        (data.get("title", ""), ""),
        (_("Berichtsjahr"), str(data["year"])),
        (
            _("Ausgewertetes Kalenderjahr"),
            _("%(year)s (vollständig, Stand 31.12.)") % {"year": data["period_year"]},
        ),
        (_("Vergleichsjahr"), str(data.get("comparison_year", ""))),
        (_("Stand des laufenden Jahres"), str(data.get("as_of", ""))),
        ("", ""),
        (_("Spalte"), _("Bedeutung")),
        *((column.header, column.explanation) for column in columns),
    ]
    for row_number, (label, text) in enumerate(lines, start=1):
        xlsx_text(notes, row_number, 1, label)
        xlsx_text(notes, row_number, 2, text)
        notes.cell(row=row_number, column=2).alignment = wrap
    notes.cell(row=1, column=1).font = bold
    header_row = lines.index((_("Spalte"), _("Bedeutung"))) + 1
    notes.cell(row=header_row, column=1).font = bold
    notes.cell(row=header_row, column=2).font = bold
    notes.column_dimensions["A"].width = 40
    notes.column_dimensions["B"].width = 90

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
