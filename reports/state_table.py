"""The state view's matrix as a person uses it: narrowed to a status in one year ("ohne SiKo im
Jahr 2025"), sorted by any column, and exported exactly as shown (issue 15).

Pure functions of the rows `selectors.state_overview` builds; the rule stays in
`compute_compliance`. Exports write through the project's one formula guard (siko.spreadsheet).
"""

import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.compliance import ComplianceStatus
from reports.selectors import STATUS_ORDER, MatrixRow
from siko.collation import german_key
from siko.spreadsheet import csv_writer, xlsx_text, xlsx_value

#: "ohne SiKo": no conference held in the year, whatever is still planned; a year before the
#: authority used SiKo is not judged and stays out.
WITHOUT_SIKO = "ohne"
WITHOUT_SIKO_STATUSES = frozenset(
    {ComplianceStatus.SCHEDULED, ComplianceStatus.OVERDUE, ComplianceStatus.BREACH}
)
STATUS_FILTER_CHOICES = [
    ("", gettext_lazy("alle")),
    (WITHOUT_SIKO, gettext_lazy("ohne durchgeführte SiKo")),
    (ComplianceStatus.COMPLIANT, gettext_lazy("erfüllt")),
    (ComplianceStatus.SCHEDULED, gettext_lazy("geplant")),
    (ComplianceStatus.OVERDUE, gettext_lazy("überfällig")),
    (ComplianceStatus.BREACH, gettext_lazy("nicht erfüllt")),
    (ComplianceStatus.NOT_RECORDED, gettext_lazy("nicht erfasst")),
]
BY_NAME = "behoerde"


def status_matches(status: str, wanted: str) -> bool:
    if wanted == WITHOUT_SIKO:
        return status in WITHOUT_SIKO_STATUSES
    return status == wanted


def filter_rows(rows: list[MatrixRow], *, status: str, year: int | None) -> list[MatrixRow]:
    """The rows whose cell of `year` has `status` (all rows without a status)."""
    if not status or year is None:
        return rows
    return [
        row
        for row in rows
        if any(cell.year == year and status_matches(cell.status, status) for cell in row.cells)
    ]


@dataclass(frozen=True)
class Sort:
    """A column and a direction. A year column sorts by status, from "erfüllt" to "nicht
    erfüllt" (descending: the gaps first); equal statuses keep the order of the names."""

    column: str = BY_NAME  # BY_NAME or a year as text
    descending: bool = False

    @classmethod
    def parse(cls, value: str, years: Iterable[int]) -> "Sort":
        """`behoerde`, `-behoerde`, `2025` or `-2025`; anything else sorts by name."""
        descending = value.startswith("-")
        column = value.removeprefix("-")
        if column == BY_NAME or column in {str(y) for y in years}:
            return cls(column, descending)
        return cls()

    @property
    def value(self) -> str:
        return f"{'-' if self.descending else ''}{self.column}"

    def toggled(self, column: str) -> str:
        """The query value of a click on `column`: the other direction if it is this column."""
        if column == self.column:
            return f"{'' if self.descending else '-'}{column}"
        return column

    def aria(self, column: str) -> str:
        if column != self.column:
            return ""
        return "descending" if self.descending else "ascending"


def sort_rows(rows: list[MatrixRow], sort: Sort) -> list[MatrixRow]:
    by_name = sorted(rows, key=lambda row: german_key(row.authority.short_name))
    if sort.column == BY_NAME:
        return by_name[::-1] if sort.descending else by_name
    year = int(sort.column)
    rank = {status: number for number, status in enumerate(STATUS_ORDER)}

    def status_rank(row: MatrixRow) -> int:
        cell = next(c for c in row.cells if c.year == year)
        return rank[cell.status]

    # Stable sorts: the names stay in order within one status, also when descending.
    return sorted(by_name, key=status_rank, reverse=sort.descending)


# Exports ---------------------------------------------------------------------------------------


def _table(rows: list[MatrixRow], years: list[int]) -> tuple[list[str], list[list[str]]]:
    """German headers and one row per authority, the years newest first as on the page."""
    shown_years = sorted(years, reverse=True)
    with_ap = any(cell.ap_status for row in rows for cell in row.cells)
    headers = [_("Behörde"), _("Art"), _("Regierungsbezirk")]
    for year in shown_years:
        headers.append(_("Jahrespflicht %(year)s") % {"year": year})
        if with_ap:
            headers.append(_("Siko-AP %(year)s") % {"year": year})
    table = []
    for row in rows:
        cells = {cell.year: cell for cell in row.cells}
        values = [
            row.authority.official_name,
            row.authority.get_kind_display(),
            row.authority.regierungsbezirk,
        ]
        for year in shown_years:
            values.append(cells[year].label)
            if with_ap:
                values.append(cells[year].ap_label)
        table.append(values)
    return headers, table


def state_csv(rows: list[MatrixRow], years: list[int]) -> bytes:
    """Semicolon CSV with a BOM, so that Excel in a German locale opens the umlauts right."""
    headers, table = _table(rows, years)
    stream = io.StringIO()
    writer = csv_writer(stream)
    writer.writerow(headers)
    writer.writerows(table)
    return ("\ufeff" + stream.getvalue()).encode("utf-8")


def state_xlsx(rows: list[MatrixRow], years: list[int]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    headers, table = _table(rows, years)
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)  # a new workbook starts with one worksheet, active
    sheet.title = _("Lagebild")
    for number, header in enumerate(headers, start=1):
        xlsx_text(sheet, 1, number, header).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(number)].width = 40 if number == 1 else 18
    for row_number, values in enumerate(table, start=2):
        for number, value in enumerate(values, start=1):
            xlsx_value(sheet, row_number, number, value)
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(table) + 1}"
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()
