"""The tables of the annual report's HTML as a reader of its structure gets them: per section,
each table's column headers and its rows (the row header and the cells, with their text)."""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Cell:
    tag: str  # "th" or "td"
    scope: str | None
    colspan: int
    text: str = ""

    @property
    def lines(self) -> list[str]:
        """The cell's lines (line breaks in the text or <br>), whitespace collapsed."""
        return [" ".join(line.split()) for line in self.text.split("\n") if line.strip()]

    @property
    def flat(self) -> str:
        return " ".join(self.lines)


@dataclass
class Table:
    section: str | None
    head: list[list[Cell]] = field(default_factory=list)
    body: list[list[Cell]] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        return [cell.flat for cell in self.head[-1]] if self.head else []

    def row(self, header: str) -> list[Cell]:
        """The body row whose row header starts with `header`."""
        found = [r for r in self.body if r and r[0].lines and r[0].lines[0] == header]
        assert len(found) == 1, (header, [r[0].flat for r in self.body])
        return found[0]


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self.section: str | None = None
        self.part = "body"
        self.cell: Cell | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "section":
            self.section = (named.get("id") or "").removeprefix("abschnitt-")
        elif tag == "table":
            self.tables.append(Table(self.section))
        elif tag in ("thead", "tbody"):
            self.part = tag.removeprefix("t")
        elif tag == "tr":
            getattr(self.tables[-1], self.part).append([])
        elif tag in ("th", "td"):
            self.cell = Cell(tag, named.get("scope"), int(named.get("colspan") or 1))
            getattr(self.tables[-1], self.part)[-1].append(self.cell)
        elif tag == "br" and self.cell is not None:
            self.cell.text += "\n"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td"):
            self.cell = None
        elif tag in ("thead", "tbody"):
            self.part = "body"

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.text += data.replace("\xad", "")


def report_tables(html: str) -> list[Table]:
    parser = _Tables()
    parser.feed(html)
    parser.close()
    return parser.tables


def section_table(html: str, section: str) -> Table:
    """The (first) table of a section of the report, e.g. "participation"."""
    return next(t for t in report_tables(html) if t.section == section)
