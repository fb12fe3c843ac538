"""The annual report's new figures (participation per R2 category, agreed actions, comparison
groups, the chart's years) from the single compliance computation, in the data and in the
report's HTML (the PDF itself is tested in test_annual_report_layout.py)."""

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext

from authorities.models import Authority, ComparisonGroup, PartnerAgency
from conferences.models import Invitation
from followup.minutes import attendance_summary
from followup.models import Action
from reports.annual.report import (
    UnknownAuthority,
    annual_report_html,
    authority_part_html,
    collect_report_data,
)
from reports.compliance import compute_compliance
from tests.factories.conferences import make_recorded_conference
from tests.factories.reports import (
    add_action,
    add_borken_hospitation,
    add_dortmund_exercise,
    add_hagen_actions,
)
from tests.helpers import compact, html_text
from tests.reports.report_tables import section_table

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
AS_OF = date(2026, 3, 1)


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 10, tzinfo=BERLIN)


def scenario(organiser) -> dict:
    """2025: Hagen twice (partners answering in every way, attendance, two actions), Borken
    jointly with Dortmund (court present, one dropped action), a Siko-AP of Köln, a cancelled
    SiKo of Essen that must not count; 2024: one SiKo of Essen; exercises, a Hospitation and
    a comparison group."""
    first = make_recorded_conference(
        "pp-hagen",
        at(2025, 5, 6),
        organiser=organiser,
        categories=["kommune", "bundespolizei", "zoll", "schulamt"],
        topics=["sicherheitslage", "brennpunkte"],
    )
    Invitation.objects.filter(conference=first, agency__category="kommune").update(attended=True)
    Invitation.objects.filter(conference=first, agency__category="zoll").update(
        state="declined", attended=False
    )
    Invitation.objects.filter(conference=first, agency__category="schulamt").update(state="sent")
    prosecutor = PartnerAgency.objects.filter(category="staatsanwaltschaft").first()
    Invitation.objects.create(conference=first, agency=prosecutor, state="pending")
    add_hagen_actions(first)
    second = make_recorded_conference(
        "pp-hagen",
        at(2025, 11, 3),
        organiser=organiser,
        categories=["staatsanwaltschaft", "kommune"],
        topics=["grossveranstaltungen"],
    )
    Invitation.objects.filter(conference=second, agency__category="kommune").update(attended=True)
    joint = make_recorded_conference(
        "lr-borken",
        at(2025, 9, 17),
        organiser=organiser,
        co_hosts=["pp-dortmund"],
        categories=["gericht"],
    )
    Invitation.objects.filter(conference=joint).update(attended=True)
    add_action(joint, "Schulwegsicherung", date(2025, 10, 1), "dropped")
    make_recorded_conference("pp-koeln", at(2025, 6, 2), organiser=organiser, kind="siko_ap")
    cancelled = make_recorded_conference(
        "pp-essen",
        at(2025, 4, 1),
        organiser=organiser,
        status="cancelled",
        categories=["kommune"],
    )
    add_action(cancelled, "zählt nicht", date(2025, 5, 1), "done")
    earlier = make_recorded_conference(
        "pp-essen", at(2024, 6, 4), organiser=organiser, categories=["kommune"]
    )
    add_action(earlier, "Vorjahr", date(2024, 9, 1), "done")
    add_dortmund_exercise("Hochwasser", date(2025, 3, 4))
    add_borken_hospitation()
    group = ComparisonGroup.objects.create(name="Großstädte")
    Authority.objects.filter(slug__in=["pp-hagen", "pp-dortmund"]).update(comparison_group=group)
    return {"first": first, "second": second, "joint": joint}


def by_slug(data: dict) -> dict[str, dict]:
    return {row["slug"]: row for row in data["rows"]}


def participation(row: dict) -> dict[str, tuple[int, int, int]]:
    return {
        p["category"]: (p["invited"], p["answered"], p["present"]) for p in row["participation"]
    }


def test_participation_and_actions_per_authority(kpb_a_user):
    conferences = scenario(kpb_a_user)
    rows = by_slug(collect_report_data(2026, as_of=AS_OF))

    hagen = rows["pp-hagen"]
    assert participation(hagen) == {
        "staatsanwaltschaft": (1, 1, 0),  # the pending invitation of the first SiKo: not sent
        "gericht": (0, 0, 0),
        "kommune": (2, 2, 2),
        "bundespolizei": (1, 1, 0),
        "zoll": (1, 1, 0),
        "schulamt": (1, 0, 0),  # sent, never answered
    }
    assert [p["label"] for p in hagen["participation"]][2] == (
        "Kreis-, Stadt- oder Gemeindeverwaltung"
    )
    assert (hagen["actions_agreed"], hagen["actions_done"], hagen["actions_open"]) == (2, 1, 1)
    # The joint SiKo counts for host and co-host alike; the cancelled one for nobody.
    for slug in ("lr-borken", "pp-dortmund"):
        assert participation(rows[slug])["gericht"] == (1, 1, 1)
        assert (rows[slug]["actions_agreed"], rows[slug]["actions_done"]) == (1, 0)
    assert participation(rows["pp-essen"]) == {c: (0, 0, 0) for c in participation(hagen)}
    assert rows["pp-essen"]["actions_agreed"] == 0
    assert rows["pp-koeln"]["siko_ap_dates"][0]["date"] == "02.06.2025"
    assert rows["pp-hagen"]["regierungsbezirk"] == "Arnsberg"
    assert rows["pp-hagen"]["comparison_group"] == "Großstädte"
    assert rows["pp-essen"]["comparison_group"] == ""

    # The same definition as the attendance summary of the minutes, for the same invitations.
    summary = attendance_summary(
        Invitation.objects.filter(conference__in=[conferences["first"], conferences["second"]])
    )
    for line in summary.rows:
        entry = next((p for p in hagen["participation"] if p["label"] == line.label), None)
        if entry is not None:
            assert (entry["invited"], entry["present"]) == (line.invited, line.present)


def test_rows_keep_the_compliance_figures(kpb_a_user):
    scenario(kpb_a_user)
    data = collect_report_data(2026, as_of=AS_OF)
    records = {r.authority: r for r in compute_compliance([2025], as_of=date(2026, 1, 1))}
    assert len(data["rows"]) == 47 == len(records)
    for row in data["rows"]:
        record = records[row["slug"]]
        assert row["name"] == record.authority_name
        assert row["siko_count"] == len(record.siko_dates)
        assert row["status"] == record.status
        assert row["exercises"] == record.exercise_participation
        assert row["hospitations"] == record.hospitations
    summary = data["summary"]
    assert (summary["siko_held"], summary["authorities"]) == (3, 47)
    # State-wide, the joint SiKo of Borken and Dortmund counts once (issue 12).
    assert summary["invited"] == 7 and summary["answered"] == 6 and summary["present"] == 3
    assert (summary["actions_agreed"], summary["actions_done"]) == (3, 1)
    assert data["comparison"]["siko_held"] == 1
    assert (data["comparison"]["actions_agreed"], data["comparison"]["actions_done"]) == (1, 1)
    assert [h["year"] for h in data["history"]] == [2021, 2022, 2023, 2024, 2025]
    assert [h["siko_held"] for h in data["history"]][-2:] == [1, 3]


def test_comparison_groups_side_by_side(kpb_a_user):
    scenario(kpb_a_user)
    groups = {g["name"]: g for g in collect_report_data(2026, as_of=AS_OF)["comparison_groups"]}
    assert list(groups) == ["Großstädte", "ohne Vergleichsgruppe", "NRW insgesamt"]
    big = groups["Großstädte"]
    assert (big["authorities"], big["siko_held"], big["share"]) == (2, 2, 1.0)
    assert big["exercises"] == 1 and big["hospitations"] == 0
    assert sorted(big["members"]) == sorted(
        Authority.objects.filter(slug__in=["pp-hagen", "pp-dortmund"]).values_list(
            "short_name", flat=True
        )
    )
    rest = groups["ohne Vergleichsgruppe"]
    assert (rest["authorities"], rest["siko_held"], rest["comparison_siko_held"]) == (45, 1, 1)
    assert groups["NRW insgesamt"]["siko_held"] == 3
    assert groups["NRW insgesamt"]["members"] == []


def test_report_shows_the_new_figures(kpb_a_user):
    scenario(kpb_a_user)
    data = collect_report_data(2026, as_of=AS_OF)
    text = html_text(annual_report_html(data))
    flat = compact(text)
    for authority in Authority.objects.all():
        assert compact(authority.short_name) in flat
    assert compact("3 von 47 (6,4 %)") in flat
    # The year before: Hagen, Borken, Dortmund and Köln first used SiKo in 2025, so their 2024
    # is "nicht erfasst" and in no share.
    assert compact("1 von 43 (2,3 %)") in flat
    assert compact("Kreispolizeibehörden mit Jahr „nicht erfasst“") in flat
    assert compact("Vereinbarte Maßnahmen 3 1") in flat
    assert compact("davon erledigt 1 (33,3 %) 1 (100 %)") in flat
    assert compact("davon beantwortet 6") in flat
    hagen = by_slug(data)["pp-hagen"]
    # Its row in the participation table: one cell "eingeladen / geantwortet / anwesend" per
    # category, in the order of the decree.
    numbers = " ".join(
        f"{p['invited']} / {p['answered']} / {p['present']}" for p in hagen["participation"]
    )
    assert compact(f"{hagen['name']} {numbers}") in flat
    assert compact("Großstädte 2 2 100 %") in flat
    assert "Entwicklung im Zeitverlauf" in text


def test_every_figure_of_a_row_is_in_its_table(kpb_a_user):
    """The three large tables carry each authority's figures in cells under column headers
    (several figures of one kind share a cell, "a / b"): every figure of every row is there."""
    scenario(kpb_a_user)
    data = collect_report_data(2026, as_of=AS_OF)
    html = annual_report_html(data)
    authorities = section_table(html, "authorities")
    assert authorities.columns[:3] == ["Behörde", "SiKo und Siko-AP 2025", "Kategorien eingeladen"]
    assert authorities.columns[-2:] == ["Status 2025", "Stand 2026"]
    participation = section_table(html, "participation")
    assert participation.columns == ["Behörde"] + [
        f"{c['label']} eingeladen / geantwortet / anwesend" for c in data["categories"]
    ]
    actions = section_table(html, "actions")
    assert actions.columns == [
        "Behörde",
        "SiKo 2025",
        "Maßnahmen vereinbart / erledigt / offen oder in Arbeit",
        "Anteil erledigt",
    ]
    for table in (authorities, participation, actions):
        assert all(cell.scope == "col" for cell in table.head[-1])
        for row in table.body:
            assert (row[0].tag, row[0].scope) == ("th", "row")
            assert len(row) == len(table.columns), row[0].flat

    for row in data["rows"]:
        name, siko, categories, topics, actions_cell, r7, coops, status, current = (
            cell.lines for cell in authorities.row(row["name"])
        )
        place = " · ".join(filter(None, (row["regierungsbezirk"], row["comparison_group"])))
        assert name == [row["name"], place]
        assert siko == [s["date"] for s in row["siko_dates"]] + (
            [] if row["siko_dates"] else ["–"]
        ) + [f"Siko-AP: {row['siko_ap']}"] + [ap["date"] for ap in row["siko_ap_dates"]]
        if row["siko_dates"]:
            missing = [f"fehlt: {', '.join(row['categories_missing'])}"]
            assert categories == [f"{len(row['categories_invited'])} von 6"] + (
                missing if row["categories_missing"] else []
            )
        assert topics == [str(len(row["topics_covered"]))]
        assert actions_cell == [f"{row['actions_agreed']} / {row['actions_done']}"]
        assert r7 == [f"{row['exercises']} / {row['hospitations']}"]
        assert coops == [f"{row['cooperations_active']} / {row['cooperations_new']}"]
        assert status == [row["status_label"], *row["notices"]]
        assert current == [row["current_status_label"], *row["current_dates"]]

        cells = [cell.flat for cell in participation.row(row["name"])[1:]]
        assert cells == [
            f"{p['invited']} / {p['answered']} / {p['present']}" for p in row["participation"]
        ]
        if row["siko_count"]:
            count, agreed, done_share = (cell.flat for cell in actions.row(row["name"])[1:])
            assert count == str(row["siko_count"])
            assert (
                agreed == f"{row['actions_agreed']} / {row['actions_done']} / {row['actions_open']}"
            )
            assert done_share.endswith("%") or done_share == "–"
    totals = [cell.flat for cell in participation.row("NRW insgesamt")[1:]]
    assert totals == [
        f"{t['invited']} / {t['answered']} / {t['present']}" for t in data["participation_totals"]
    ]
    summary = data["summary"]
    assert [cell.flat for cell in actions.row("NRW insgesamt")[2:]] == [
        f"{summary['actions_agreed']} / {summary['actions_done']} / –",
        "33,3 %",
    ]
    # The scenario has rows with every kind of line these cells can have.
    assert any(r["siko_ap_dates"] for r in data["rows"])
    assert any(r["siko_dates"] and r["categories_missing"] for r in data["rows"])
    assert any(r["notices"] for r in data["rows"])
    assert any(len(r["siko_dates"]) > 1 for r in data["rows"])
    held = {r["name"] for r in data["rows"] if r["siko_count"]}
    assert {r[0].flat for r in actions.body} == held | {"NRW insgesamt"}


def test_a_changed_scenario_changes_participation_and_actions(kpb_a_user):
    conferences = scenario(kpb_a_user)
    before = html_text(annual_report_html(collect_report_data(2026, as_of=AS_OF)))
    Invitation.objects.filter(conference=conferences["first"]).update(attended=True)
    Action.objects.filter(conference=conferences["first"]).update(state="done")
    after = html_text(annual_report_html(collect_report_data(2026, as_of=AS_OF)))
    assert compact("davon erledigt 1 (33,3 %)") in compact(before)
    assert compact("davon erledigt 2 (66,7 %)") in compact(after)
    assert compact("davon anwesend 3") in compact(before)
    assert compact("davon anwesend 6") in compact(after)


def test_progress_is_reported_in_steps(kpb_a_user):
    steps = []
    collect_report_data(2026, as_of=AS_OF, progress=lambda p, s: steps.append((p, s)))
    assert [p for p, _ in steps] == sorted(p for p, _ in steps)
    assert steps[0] == (10, "Kennzahlen berechnen")
    assert all(0 < p < 100 and s for p, s in steps)


def test_snapshot_survives_json_and_renders_the_same(kpb_a_user):
    scenario(kpb_a_user)
    data = collect_report_data(2026, as_of=AS_OF)
    snapshot = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    assert snapshot == data
    assert annual_report_html(snapshot) == annual_report_html(data)
    assert authority_part_html(snapshot, "pp-hagen") == authority_part_html(data, "pp-hagen")


def test_period_year_can_be_chosen(kpb_a_user):
    scenario(kpb_a_user)
    data = collect_report_data(2026, period_year=2024, as_of=AS_OF)
    assert (data["period_year"], data["comparison_year"]) == (2024, 2023)
    assert data["summary"]["siko_held"] == 1
    assert by_slug(data)["pp-essen"]["actions_agreed"] == 1
    assert data["current"]["authorities"] == 47  # the state of 2026 stays as it is


def test_queries_constant_in_authorities_conferences_and_years(kpb_a_user):
    scenario(kpb_a_user)
    with CaptureQueriesContext(connection) as few:
        collect_report_data(2026, as_of=AS_OF)
    for number, slug in enumerate(("pp-bochum", "lr-unna", "pp-essen", "pp-bielefeld")):
        conference = make_recorded_conference(
            slug,
            at(2025 - number, 4, 2),
            organiser=kpb_a_user,
            co_hosts=["lr-kleve"],
            categories=["kommune", "zoll"],
            topics=["brennpunkte"],
        )
        Action.objects.create(
            conference=conference, text="mehr", owner_is_police=True, due_date=date(2025, 9, 1)
        )
    group = ComparisonGroup.objects.create(name="Flächenkreise")
    Authority.objects.create(
        slug="lr-neu",
        official_name="Landrat Neukreis als Kreispolizeibehörde",
        short_name="KPB Neukreis",
        kind="LR",
        seat="Neustadt",
        regierungsbezirk="Köln",
        district="Neukreis",
        confidence="manual",
        comparison_group=group,
    )
    with CaptureQueriesContext(connection) as more:
        data = collect_report_data(2026, as_of=AS_OF)
    assert data["summary"]["siko_held"] == 5 and data["summary"]["authorities"] == 48
    assert len(more) == len(few), [q["sql"][:80] for q in more.captured_queries]
    with CaptureQueriesContext(connection) as later:
        collect_report_data(2031, as_of=date(2031, 3, 1))  # ten years back: other ranges
    assert len(later) <= len(few)


def test_authority_part_contains_only_that_authority(kpb_a_user):
    scenario(kpb_a_user)
    data = collect_report_data(2026, as_of=AS_OF)
    html = authority_part_html(data, "pp-hagen", draft=True, version=3, status_label="Entwurf")
    text = html_text(html)
    flat = compact(text)
    hagen = Authority.objects.get(slug="pp-hagen")
    assert compact(hagen.short_name) in flat
    for other in Authority.objects.exclude(pk=hagen.pk):
        assert compact(other.short_name) not in flat, other.short_name
    assert "Fassung 3" in text and "ENTWURF" in text
    assert "06.05.2025" in text and "03.11.2025" in text
    assert compact("Kreis-, Stadt- oder Gemeindeverwaltung 2 2 2") in flat
    assert compact("Staatliches Schulamt 1 0 0") in flat
    assert "Streifen am Bahnhof" in text and "Beleuchtung prüfen" in text
    assert "Clankriminalität" in text  # a mandated topic it did not cover
    assert "Methodik" in text
    # Its page numbers ("Seite 1 von …"): test_annual_report_layout.py, on the PDF.


def test_authority_part_refuses_an_unknown_slug(kpb_a_user):
    data = collect_report_data(2026, as_of=AS_OF)
    with pytest.raises(UnknownAuthority):
        authority_part_html(data, "pp-gibt-es-nicht")
    with pytest.raises(KeyError):
        authority_part_html(data, "")
