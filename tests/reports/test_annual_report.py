"""The yearly LZPD report: figures from compute_compliance, rendered to PDF without fetching."""

import io
import re
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from authorities.models import Authority, PartnerAgency
from reports.annual_report import collect_report_data, render_annual_report
from reports.compliance import compute_compliance
from siko.pdf import StaticFilesFetcher
from tests.factories.conferences import make_recorded_conference

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
AS_OF = date(2026, 3, 1)
HOSTILE = '<img src="file:///etc/passwd"><link rel="stylesheet" href="http://example.org/x.css">'


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "".join(page.extract_text() for page in reader.pages)


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def scenario(organiser):
    make_recorded_conference(
        "pp-hagen",
        datetime(2025, 5, 6, 10, tzinfo=BERLIN),
        organiser=organiser,
        categories=["kommune", "bundespolizei", "zoll", "schulamt"],
        topics=["sicherheitslage", "brennpunkte"],
    )
    make_recorded_conference(
        "lr-borken", datetime(2025, 9, 17, 10, tzinfo=BERLIN), organiser=organiser
    )


def test_annual_report_pdf_lists_every_authority_with_compliance_figures(kpb_a_user):
    scenario(kpb_a_user)
    started = time.perf_counter()
    pdf = render_annual_report(collect_report_data(2026, as_of=AS_OF))
    elapsed = time.perf_counter() - started
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    flat = compact(text)
    for authority in Authority.objects.all():
        assert compact(authority.short_name) in flat
    records = compute_compliance([2025], as_of=date(2026, 1, 1))
    held = sum(r.siko_held for r in records)
    assert held == 2
    assert compact(f"{held} von {len(records)}") in flat
    assert "06.05.2025" in text and "17.09.2025" in text
    assert "ENTWURF" in text
    assert "Seite 1 von" in text
    breach = next(r for r in records if r.status == "breach")
    breach_section = flat.split(compact("ohne Sicherheitskonferenz 2025"))[-1]
    assert compact(breach.authority_name) in breach_section
    assert compact(Authority.objects.get(slug="pp-hagen").short_name) not in (
        breach_section.split("Methodik")[0]
    )
    assert elapsed < 30


def test_annual_report_changes_with_the_scenario(kpb_a_user):
    scenario(kpb_a_user)
    before = pdf_text(render_annual_report(collect_report_data(2026, as_of=AS_OF)))
    make_recorded_conference(
        "pp-dortmund", datetime(2025, 11, 3, 10, tzinfo=BERLIN), organiser=kpb_a_user
    )
    after = pdf_text(render_annual_report(collect_report_data(2026, as_of=AS_OF)))
    assert compact("2 von 47") in compact(before)
    assert compact("3 von 47") in compact(after)
    assert "03.11.2025" in after and "03.11.2025" not in before


def test_final_report_has_no_draft_mark(kpb_a_user):
    pdf = render_annual_report(collect_report_data(2026, as_of=AS_OF), draft=False)
    assert "ENTWURF" not in pdf_text(pdf)


def test_annual_report_hostile_input_fetches_nothing(kpb_a_user):
    conference = make_recorded_conference(
        "pp-hagen", datetime(2025, 5, 6, 10, tzinfo=BERLIN), organiser=kpb_a_user
    )
    conference.title = HOSTILE
    conference.save(update_fields=["title"])
    PartnerAgency.objects.filter(pk=PartnerAgency.objects.first().pk).update(name=HOSTILE)
    data = collect_report_data(2026, as_of=AS_OF)
    data["rows"][0]["name"] = HOSTILE
    data["rows"][0]["topics_covered"] = [HOSTILE]
    fetcher = StaticFilesFetcher()
    pdf = render_annual_report(data, fetcher=fetcher)
    assert fetcher.refused == []
    text = pdf_text(pdf)
    assert "root:" not in text
    assert compact('src="file:///etc/passwd"') in compact(text)  # shown as text, not loaded


def test_annual_report_queries_do_not_grow_with_conferences(kpb_a_user):
    scenario(kpb_a_user)
    with CaptureQueriesContext(connection) as few:
        collect_report_data(2026, as_of=AS_OF)
    for slug in ("pp-dortmund", "lr-unna", "pp-essen"):
        make_recorded_conference(
            slug, datetime(2025, 4, 2, 10, tzinfo=BERLIN), organiser=kpb_a_user,
            categories=["kommune"], topics=["brennpunkte"],
        )
    with CaptureQueriesContext(connection) as more:
        collect_report_data(2026, as_of=AS_OF)
    assert len(more) == len(few)


def test_annual_report_command_writes_pdf(tmp_path, capsys):
    target = tmp_path / "bericht.pdf"
    call_command("annual_report", "--year", "2026", "--output", str(target))
    assert target.read_bytes().startswith(b"%PDF")
    assert "bericht.pdf" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("year", "output", "message"),
    [
        ("abc", "bericht.pdf", "Ungültiges Jahr"),
        ("1990", "bericht.pdf", "außerhalb"),
        ("2026", "missing/dir/bericht.pdf", "nicht beschreibbar"),
        ("2026", ".", "nicht beschreibbar"),
    ],
)
def test_annual_report_command_rejects_bad_input_with_exit_code_2(
    tmp_path, monkeypatch, year, output, message
):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommandError) as error:
        call_command("annual_report", "--year", year, "--output", output)
    assert error.value.returncode == 2
    assert message in str(error.value)
    assert not (tmp_path / "bericht.pdf").exists()
