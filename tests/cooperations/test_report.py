"""Cooperation structures in the annual report (issue 16, part 3): per authority the active
ones and those begun in the judged year, and the state total; the compliance JSON unchanged."""

import json
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.annual.report import annual_report_html, authority_part_html, collect_report_data
from tests.factories.cooperations import make_cooperation
from tests.helpers import compact, html_text

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 3, 1)


def dortmund_and_borken(kpb_a_user, kpb_b_user) -> None:
    make_cooperation(kpb_a_user, name="OP Innenstadt", since=date(2018, 4, 1))
    make_cooperation(kpb_a_user, name="Präventionsrat Nord", since=date(2025, 9, 1))
    make_cooperation(kpb_a_user, name="SP Hafen", since=date(2025, 2, 1), status="beendet")
    make_cooperation(kpb_a_user, name="OP neu 2026", since=date(2026, 1, 15))
    make_cooperation(kpb_b_user, name="OP Bocholt", since=date(2024, 5, 1), partners=())


def test_report_counts_active_and_new_cooperations_per_authority(kpb_a_user, kpb_b_user):
    dortmund_and_borken(kpb_a_user, kpb_b_user)

    data = collect_report_data(2026, as_of=AS_OF)

    rows = {row["slug"]: row for row in data["rows"]}
    assert (
        rows["pp-dortmund"]["cooperations_active"],
        rows["pp-dortmund"]["cooperations_new"],
    ) == (
        2,
        2,
    )
    assert (rows["lr-borken"]["cooperations_active"], rows["lr-borken"]["cooperations_new"]) == (
        1,
        0,
    )
    assert (rows["pp-essen"]["cooperations_active"], rows["pp-essen"]["cooperations_new"]) == (0, 0)
    assert (data["summary"]["cooperations_active"], data["summary"]["cooperations_new"]) == (3, 2)
    # 2024: the Innenstadt and Bocholt partnerships existed; Bocholt began then.
    assert (data["comparison"]["cooperations_active"], data["comparison"]["cooperations_new"]) == (
        2,
        1,
    )


def test_report_html_shows_the_cooperation_figures(kpb_a_user, kpb_b_user):
    dortmund_and_borken(kpb_a_user, kpb_b_user)

    text = compact(html_text(annual_report_html(collect_report_data(2026, as_of=AS_OF))))

    assert (
        compact(
            "Aktive Kooperationsstrukturen (Ordnungspartnerschaften, "
            "Sicherheitspartnerschaften, Präventionsräte u. a.) 3 2"
        )
        in text
    )
    assert compact("im Jahr neu eingerichtete Kooperationsstrukturen 2 1") in text
    assert compact("rationen aktiv / neu") in text.replace("\u00ad", "")


def test_a_stored_report_without_cooperation_figures_still_renders(kpb_a_user):
    data = json.loads(json.dumps(collect_report_data(2026, as_of=AS_OF), default=str))
    for key in ("cooperations_active", "cooperations_new"):
        del data["summary"][key], data["comparison"][key]
        for row in data["rows"]:
            del row[key]

    text = html_text(annual_report_html(data))

    assert "Aktive Kooperationsstrukturen" not in text


def test_report_queries_do_not_grow_with_cooperations(kpb_a_user, kpb_b_user):
    make_cooperation(kpb_a_user, name="Sicherheitspartnerschaft Messe")
    with CaptureQueriesContext(connection) as few:
        collect_report_data(2026, as_of=AS_OF)
    dortmund_and_borken(kpb_a_user, kpb_b_user)
    with CaptureQueriesContext(connection) as more:
        collect_report_data(2026, as_of=AS_OF)
    assert len(more) == len(few)


def test_compliance_json_is_unchanged_by_cooperations(kpb_a_user, kpb_b_user, capsys):
    call_command("compliance", "--year", "2025", "--json")
    before = capsys.readouterr().out
    dortmund_and_borken(kpb_a_user, kpb_b_user)

    call_command("compliance", "--year", "2025", "--json")

    assert capsys.readouterr().out == before
    assert "cooperation" not in before


def test_authority_part_names_its_cooperation_figures(kpb_a_user, kpb_b_user):
    dortmund_and_borken(kpb_a_user, kpb_b_user)
    data = collect_report_data(2026, as_of=AS_OF)

    text = compact(html_text(authority_part_html(data, "pp-dortmund")))

    assert compact("Aktive Kooperationsstrukturen / davon 2025 neu eingerichtet 2 / 2") in text
