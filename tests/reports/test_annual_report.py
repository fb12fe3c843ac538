"""The yearly LZPD report: figures from compute_compliance, in its HTML; as PDF without fetching."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from authorities.models import Authority, ComparisonGroup, PartnerAgency
from conferences.models import AgendaItem, MandatedTopic
from followup.models import Action, Minutes
from reports.annual.report import (
    annual_report_html,
    collect_report_data,
    render_annual_report,
    render_authority_part,
)
from reports.compliance import compute_compliance
from reports.outline import SECTIONS
from siko.pdf import StaticFilesFetcher
from tests.factories.conferences import make_recorded_conference
from tests.helpers import compact, html_text, pdf_text

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
AS_OF = date(2026, 3, 1)
HOSTILE = '<img src="file:///etc/passwd"><link rel="stylesheet" href="http://example.org/x.css">'
HOSTILE_CSS = (
    "<style>@import url(http://example.org/x.css); body { background: url(file:///etc/passwd) }"
    '</style><div style="background: url(file:///etc/hostname)">x</div>'
    '<object data="file:///etc/passwd"></object><iframe src="http://example.org/"></iframe>'
)
HOSTILE_SVG = '<svg><image href="file:///etc/passwd"/></svg><img src="file:///etc/passwd">'
HOSTILE_GROUP = '<img src="file:///etc/passwd"> url(file:///etc/passwd)'


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


def test_annual_report_lists_every_authority_with_compliance_figures(kpb_a_user):
    scenario(kpb_a_user)
    text = html_text(annual_report_html(collect_report_data(2026, as_of=AS_OF)))
    flat = compact(text)
    for authority in Authority.objects.all():
        assert compact(authority.short_name) in flat
    records = compute_compliance([2025], as_of=date(2026, 1, 1))
    held = sum(r.siko_held for r in records)
    assert held == 2
    assert compact(f"{held} von {len(records)}") in flat
    assert "06.05.2025" in text and "17.09.2025" in text
    assert "ENTWURF" in text
    # The PDF of it (valid, in time, page numbers): test_annual_report_layout.py.
    breach = next(r for r in records if r.status == "breach")
    # The section of the authorities in breach: from its heading to the next section's.
    breach_section = flat.split(compact("Kreispolizeibehörden ohne Sicherheitskonferenz"))[-1]
    breach_section = breach_section.split("Vergleichsgruppen")[0]
    assert compact(breach.authority_name) in breach_section
    assert compact(Authority.objects.get(slug="pp-hagen").short_name) not in breach_section


def test_annual_report_changes_with_the_scenario(kpb_a_user):
    scenario(kpb_a_user)
    before = html_text(annual_report_html(collect_report_data(2026, as_of=AS_OF)))
    make_recorded_conference(
        "pp-dortmund", datetime(2025, 11, 3, 10, tzinfo=BERLIN), organiser=kpb_a_user
    )
    after = html_text(annual_report_html(collect_report_data(2026, as_of=AS_OF)))
    assert compact("2 von 47") in compact(before)
    assert compact("3 von 47") in compact(after)
    assert "03.11.2025" in after and "03.11.2025" not in before


def test_final_report_has_no_draft_mark(kpb_a_user):
    html = annual_report_html(collect_report_data(2026, as_of=AS_OF), draft=False)
    assert "ENTWURF" not in html_text(html)


class RecordingFetcher(StaticFilesFetcher):
    """The project's fetcher, also noting every URL WeasyPrint asks for (served or not)."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def fetch(self, url, headers=None):
        self.asked.append(url)
        return super().fetch(url, headers)


def test_annual_report_hostile_input_fetches_nothing(kpb_a_user):
    """Markup, CSS and SVG in every text a user can enter reach the PDF as text only: the
    renderer neither reads a local file nor calls a host for them."""
    conference = make_recorded_conference(
        "pp-hagen",
        datetime(2025, 5, 6, 10, tzinfo=BERLIN),
        organiser=kpb_a_user,
        categories=["kommune"],
        topics=["brennpunkte"],
    )
    conference.title = HOSTILE
    conference.save(update_fields=["title"])
    AgendaItem.objects.filter(conference=conference).update(
        title=HOSTILE_CSS[:200], notes=HOSTILE_CSS
    )
    Minutes.objects.create(conference=conference, notes=HOSTILE_CSS)
    agency = PartnerAgency.objects.filter(category="kommune").first()
    PartnerAgency.objects.filter(pk=agency.pk).update(name=HOSTILE)
    Action.objects.create(
        conference=conference, text=HOSTILE_CSS, owner_agency=agency, due_date=date(2025, 9, 1)
    )
    MandatedTopic.objects.filter(key="brennpunkte").update(title=HOSTILE_SVG)
    group = ComparisonGroup.objects.create(name=HOSTILE_GROUP)
    Authority.objects.filter(slug__in=["pp-hagen", "lr-borken"]).update(comparison_group=group)
    Authority.objects.filter(slug="lr-borken").update(short_name=HOSTILE[:120])
    data = collect_report_data(2026, as_of=AS_OF)
    outline = [
        {"key": key, "intro": f"Einleitung {key}\n\n{HOSTILE}\n{HOSTILE_CSS}"} for key in SECTIONS
    ]

    for render in (
        lambda fetcher: render_annual_report(data, outline=outline, fetcher=fetcher),
        lambda fetcher: render_authority_part(data, "pp-hagen", fetcher=fetcher),
    ):
        fetcher = RecordingFetcher()
        pdf = render(fetcher)
        assert fetcher.asked == []
        assert fetcher.refused == []
        text = pdf_text(pdf)
        assert "root:" not in text
        assert compact('src="file:///etc/passwd"') in compact(text)  # shown, not loaded
        assert compact("url(file:///etc/passwd)") in compact(text)


def test_annual_report_queries_do_not_grow_with_conferences(kpb_a_user):
    scenario(kpb_a_user)
    with CaptureQueriesContext(connection) as few:
        collect_report_data(2026, as_of=AS_OF)
    for slug in ("pp-dortmund", "lr-unna", "pp-essen"):
        make_recorded_conference(
            slug,
            datetime(2025, 4, 2, 10, tzinfo=BERLIN),
            organiser=kpb_a_user,
            categories=["kommune"],
            topics=["brennpunkte"],
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
