"""The annual report's layout: outline order and omission, intro texts, cover, bookmarks,
repeated table headers, the server-drawn chart, and the archival, tagged PDF."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from reports.annual.report import collect_report_data, render_annual_report, render_authority_part
from reports.outline import SECTIONS, OutlineError
from tests.factories.conferences import make_recorded_conference
from tests.helpers import compact

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


@pytest.fixture
def data(kpb_a_user):
    make_recorded_conference(
        "pp-hagen",
        datetime(2025, 5, 6, 10, tzinfo=BERLIN),
        organiser=kpb_a_user,
        categories=["kommune"],
    )
    return collect_report_data(2026, as_of=AS_OF)


def test_sections_follow_the_outline_with_their_intro_texts(data):
    outline = [
        {"key": "methods", "intro": "Vorweg zur Methodik.\n\nZweiter Absatz der Methodik."},
        {"key": "summary", "intro": "Das Jahr im Überblick."},
    ]
    pdf = render_annual_report(data, outline=outline)
    text = "".join(page_texts(pdf))
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
    assert bookmarks(pdf)[1:] == ["Methodik", "Zusammenfassung"]


def test_every_section_has_a_bookmark_in_the_default_order(data):
    pdf = render_annual_report(data)
    assert bookmarks(pdf) == [data["title"], *(str(title) for title in SECTIONS.values())]


def test_an_unknown_section_is_refused(data):
    with pytest.raises(OutlineError):
        render_annual_report(data, outline=[{"key": "appendix", "intro": ""}])


def test_cover_names_period_version_and_state(data):
    draft = page_texts(render_annual_report(data, version=2, status_label="Entwurf"))[0]
    assert "Ausgewertetes Jahr" in draft and "1. Januar 2025 bis 31. Dezember 2025" in draft
    assert "vorzulegen bis 31. August 2026" in draft
    assert "Fassung 2" in draft and "Entwurf" in draft and "ENTWURF" in draft
    final = render_annual_report(data, draft=False, version=3, status_label="Endfassung")
    cover = page_texts(final)[0]
    assert "Fassung 3" in cover and "Endfassung" in cover
    assert "ENTWURF" not in "".join(page_texts(final))


def test_table_headers_repeat_and_pages_are_counted(data):
    pages = page_texts(render_annual_report(data, outline=[{"key": "authorities", "intro": ""}]))
    assert len(pages) >= 3  # cover and a table over at least two pages
    header = compact("Kategorien eingeladen")
    assert all(header in compact(page) for page in pages[1:])
    assert all(f"Seite {n} von {len(pages)}" in page for n, page in enumerate(pages, start=1))


def test_chart_is_drawn_in_the_pdf(data):
    text = "".join(page_texts(render_annual_report(data, outline=[{"key": "chart", "intro": ""}])))
    flat = compact(text)
    assert all(compact(f"{tick}\u202f%") in flat for tick in (25, 50, 75))  # the axis
    assert compact("2025 1 47 2,1 %") in flat  # the table beside it: German number notation


def test_report_is_pdf_a_and_tagged(data):
    for pdf in (render_annual_report(data), render_authority_part(data, "pp-hagen")):
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
