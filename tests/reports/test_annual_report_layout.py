"""The annual report's layout: outline order and omission, intro texts, cover and the
server-drawn chart in its HTML; bookmarks, page numbers, repeated table headers and the archival,
tagged PDF in the two tests that set it with WeasyPrint."""

import gc
import io
import re
import time
from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from reports.annual import report as annual
from reports.outline import SECTIONS, OutlineError
from siko.pdf import StaticFilesFetcher, html_to_pdf
from tests.factories.conferences import make_recorded_conference
from tests.helpers import compact, html_text

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
AS_OF = date(2026, 3, 1)


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def bookmarks(pdf: bytes) -> list[str]:
    def walk(items) -> list[str]:
        titles = []
        for item in items:
            titles.extend(walk(item) if isinstance(item, list) else [item.title])
        return titles

    return walk(PdfReader(io.BytesIO(pdf)).outline)


def structure_counts(pdf: bytes) -> Counter[str]:
    """How often each structure type (/Table, /TH, /TD, …) occurs in a tagged PDF's tree."""
    counts: Counter[str] = Counter()

    def walk(node) -> None:
        node = node.get_object()
        if isinstance(node, list):
            for kid in node:
                walk(kid)
            return
        if not hasattr(node, "get"):
            return  # a marked-content id
        if "/S" in node:
            counts[str(node["/S"])] += 1
        if "/K" in node:
            walk(node["/K"])

    walk(PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/StructTreeRoot"]["/K"])
    return counts


def headings(html: str) -> list[str]:
    """The headings that become the PDF's bookmarks (h1–h3, see _style.html), in order."""
    return [html_text(h).strip() for h in re.findall(r"<h[123][^>]*>.*?</h[123]>", html, re.S)]


def cover(html: str) -> str:
    """The text of the cover (the first page of the PDF)."""
    return html_text(re.search(r'<div class="cover">.*?</div>', html, re.S).group())


@pytest.fixture
def data(kpb_a_user):
    make_recorded_conference(
        "pp-hagen",
        datetime(2025, 5, 6, 10, tzinfo=BERLIN),
        organiser=kpb_a_user,
        categories=["kommune"],
    )
    return annual.collect_report_data(2026, as_of=AS_OF)


def test_sections_follow_the_outline_with_their_intro_texts(data):
    outline = [
        {"key": "methods", "intro": "Vorweg zur Methodik.\n\nZweiter Absatz der Methodik."},
        {"key": "summary", "intro": "Das Jahr im Überblick."},
    ]
    html = annual.annual_report_html(data, outline=outline)
    text = html_text(html)
    methods, summary = text.index("Methodik"), text.index("Zusammenfassung")
    assert methods < summary
    assert text.index("Vorweg zur Methodik.") < text.index("Zweiter Absatz der Methodik.") < summary
    assert summary < text.index("Das Jahr im Überblick.")
    for left_out in (
        "Anteil 2024",
        "Entwicklung im Zeitverlauf",
        "Anteil erledigt",
        "Beteiligung der Partner",
        "Status 2025",
    ):
        assert left_out not in text
    assert headings(html)[1:] == ["Methodik", "Zusammenfassung"]


def test_the_pdf_is_pdf_a_tagged_with_bookmarks_and_page_numbers(data):
    """The default report and an authority's part, set by WeasyPrint: bookmarks in the default
    order, every page numbered, archival (PDF/A-2a) and tagged."""
    started = time.perf_counter()
    report = annual.render_annual_report(data)
    elapsed = time.perf_counter() - started
    part = annual.render_authority_part(data, "pp-hagen")
    assert report.startswith(b"%PDF") and part.startswith(b"%PDF")
    assert elapsed < 30
    titles = [data["title"], *(str(title) for title in SECTIONS.values())]
    assert bookmarks(report) == titles == headings(annual.annual_report_html(data))
    pages = page_texts(report)
    assert all(f"Seite {n} von {len(pages)}" in page for n, page in enumerate(pages, start=1))
    assert "Seite 1 von" in page_texts(part)[0]
    for pdf in (report, part):
        reader = PdfReader(io.BytesIO(pdf))
        root = reader.trailer["/Root"]
        xmp = root["/Metadata"].get_object().get_data().decode()
        assert 'pdfaid:part="2"' in xmp and 'pdfaid:conformance="A"' in xmp
        assert "Bericht zur Durchführung der Sicherheitskonferenzen" in xmp  # dc:title
        assert bool(root["/MarkInfo"]["/Marked"])
        assert "/StructTreeRoot" in root
        assert root["/Lang"] == "de"
        assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
        assert "/OutputIntents" in root
        assert reader.metadata.title.startswith("Bericht zur Durchführung")
        assert reader.pdf_header == "%PDF-1.7"


def test_an_unknown_section_is_refused(data):
    with pytest.raises(OutlineError):
        annual.annual_report_html(data, outline=[{"key": "appendix", "intro": ""}])
    with pytest.raises(OutlineError):
        annual.render_annual_report(data, outline=[{"key": "appendix", "intro": ""}])


def test_cover_names_period_version_and_state(data):
    draft = cover(annual.annual_report_html(data, version=2, status_label="Entwurf"))
    assert "Ausgewertetes Jahr" in draft and "1. Januar 2025 bis 31. Dezember 2025" in draft
    assert "vorzulegen bis 31. August 2026" in draft
    assert "Fassung 2" in draft and "Entwurf" in draft and "ENTWURF" in draft
    final = annual.annual_report_html(data, draft=False, version=3, status_label="Endfassung")
    assert "Fassung 3" in cover(final) and "Endfassung" in cover(final)
    assert "ENTWURF" not in html_text(final)


def test_table_headers_repeat_and_pages_are_counted(data):
    pages = page_texts(
        annual.render_annual_report(data, outline=[{"key": "authorities", "intro": ""}])
    )
    assert len(pages) >= 3  # cover and a table over at least two pages
    header = compact("Kategorien eingeladen")
    assert all(header in compact(page) for page in pages[1:])
    assert all(f"Seite {n} von {len(pages)}" in page for n, page in enumerate(pages, start=1))


def test_participation_table_is_tagged_with_headers_on_every_page(data):
    """One cell per category ("eingeladen / geantwortet / anwesend"): in the tagged PDF a table
    with a header row on each of its pages and a row header per authority, 6 data cells each."""
    pdf = annual.render_annual_report(data, outline=[{"key": "participation", "intro": ""}])
    pages = page_texts(pdf)
    assert len(pages) >= 3  # cover and a table over at least two pages
    header = compact("Staatliches Schulamt eingeladen / geantwortet / anwesend")
    assert all(header in compact(page) for page in pages[1:])
    counts = structure_counts(pdf)
    rows = len(data["rows"]) + 1  # and "NRW insgesamt"
    fragments = counts["/THead"]  # the table's part on each page, each with its header row
    assert fragments == len(pages) - 1
    assert counts["/Table"] == fragments + 1  # the cover's facts (row headers only)
    cover = 6  # its facts: a row header and a cell each
    assert counts["/TD"] == rows * len(data["categories"]) + cover
    assert counts["/TH"] == rows + fragments * (1 + len(data["categories"])) + cover


def test_chart_is_drawn_in_the_report(data):
    text = html_text(annual.annual_report_html(data, outline=[{"key": "chart", "intro": ""}]))
    flat = compact(text)
    assert all(compact(f"{tick}\u202f%") in flat for tick in (25, 50, 75))  # the axis
    assert compact("2025 1 47 2,1 %") in flat  # the table beside it: German number notation


class CollectorWatchingFetcher(StaticFilesFetcher):
    """Notes whether Python's garbage collector runs while WeasyPrint fetches a resource."""

    def __init__(self) -> None:
        super().__init__()
        self.collector_running: list[bool] = []

    def fetch(self, url: str, headers: dict | None = None):
        self.collector_running.append(gc.isenabled())
        return super().fetch(url, headers)


@pytest.mark.parametrize("enabled_before", [True, False])
def test_the_collector_pauses_while_rendering_and_is_restored(enabled_before):
    """siko.pdf pauses the cyclic garbage collector for the rendering (about a quarter of the
    report's time otherwise) and restores the caller's setting afterwards."""
    fetcher = CollectorWatchingFetcher()
    html = '<p>Text</p><img alt="" src="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22/%3E">'
    if not enabled_before:
        gc.disable()
    try:
        assert html_to_pdf(html, fetcher=fetcher).startswith(b"%PDF")
        assert gc.isenabled() is enabled_before
    finally:
        gc.enable()
    assert fetcher.collector_running == [False]
