"""The one guard against spreadsheet formulas in our exports (CSV injection).

A text cell that starts with "=", "+", "-", "@", a tab or a carriage return is read as a formula by
Excel and LibreOffice; users and partners type titles, names and notes. Every CSV export writes
through `csv_writer`, which guards every text cell of every row; every XLSX export writes text
through `xlsx_text`, which stores it as a text cell, never as a formula. Numbers stay numbers.

In CSV the guard is an apostrophe in front, which the spreadsheet takes as "this is text". The
partner import reads its own export back through `unguard_cell`; `guard_cell` also marks a value
that itself starts with an apostrophe before a trigger, so that the round trip is exact.
"""

import csv
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # openpyxl is imported by the XLSX exports only, not by every CSV export
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

#: The Content-Type of each export format.
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"


def starts_formula(value: str) -> bool:
    return value.startswith(FORMULA_TRIGGERS)


def guard_cell(value: Any) -> Any:
    """A text a spreadsheet would evaluate gets an apostrophe in front; other values pass."""
    if isinstance(value, str) and starts_formula(value.lstrip(GUARD)):
        return GUARD + value
    return value


def unguard_cell(value: str) -> str:
    """The inverse of `guard_cell` for a cell read back from one of our CSV files."""
    if value.startswith(GUARD) and starts_formula(value.lstrip(GUARD)):
        return value[1:]
    return value


def guard_row(row: Iterable[Any]) -> list[Any]:
    return [guard_cell(value) for value in row]


class GuardedWriter:
    """`csv.writer` whose rows are guarded cell by cell; an exporter cannot forget a column."""

    def __init__(self, stream: IO[str], **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(guard_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(
    stream: IO[str], *, delimiter: str = ";", lineterminator: str = "\r\n", **options: Any
) -> GuardedWriter:
    """The project's CSV dialect (semicolon, CRLF, as Excel in a German locale expects)."""
    return GuardedWriter(stream, delimiter=delimiter, lineterminator=lineterminator, **options)


def xlsx_text(sheet: "Worksheet", row: int, column: int, value: str) -> "Cell":
    """A text cell that stays text: openpyxl stores a str starting with "=" as a formula."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = sheet.cell(row=row, column=column, value=value)
    cell.data_type = "s"
    if starts_formula(value):
        cell.quotePrefix = True  # Excel keeps it text when the cell is edited
    return cell


def xlsx_value(sheet: "Worksheet", row: int, column: int, value: Any) -> "Cell | None":
    """Any value of an export: text through `xlsx_text`, numbers as numbers, "" as no cell."""
    if value == "" or value is None:
        return None  # an empty cell, not an empty string
    if isinstance(value, str):
        return xlsx_text(sheet, row, column, value)
    return sheet.cell(row=row, column=column, value=value)
