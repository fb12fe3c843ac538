"""The cases of the yearly rule an auditor tries (issue 12), table-driven on fixed dates.

The rule is evaluated through `as_of`; where a command or a page reads today, only the clock
(`django.utils.timezone.now`) is set. Every case runs on SQLite and PostgreSQL alike.
"""

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from authorities.models import (
    Authority,
    AutobahnpolizeiDutyPeriod,
    ComparisonGroup,
    Exercise,
    Hospitation,
    PartnerAgency,
)
from conferences.models import Conference, Invitation, MandatedTopic
from followup.models import Action
from notifications.enums import MailKind
from notifications.models import OutgoingMail, Reminder
from notifications.reminders import run_reminder_job
from reports.annual.report import annual_report_html, collect_report_data, render_annual_report
from reports.annual.workflow import ReportError, start_report, update_draft
from reports.compliance import compute_compliance
from reports.management.commands.compliance import JSON_FIELDS
from reports.management.commands.compliance import Command as ComplianceCommand
from reports.models import AnnualReport
from reports.reminders import plan_compliance_reminders
from reports.selectors import Cell, state_overview
from tests.conftest import client_for
from tests.factories.conferences import make_recorded_conference
from tests.helpers import compact, html_text, pdf_text
from tests.reports.test_annual_report_workflow import form_data

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
README = Path(settings.BASE_DIR) / "README.md"


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def record(slug: str, year: int, as_of: date):
    [r] = compute_compliance([year], authorities=[Authority.objects.get(slug=slug)], as_of=as_of)
    return r


@pytest.fixture
def clock(monkeypatch):
    """Sets the clock (Django's `timezone.now`) to a fixed moment."""

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_to


# 1. A scheduled conference whose day has passed -----------------------------------------------

MARCH_5 = at(2025, 3, 5)  # 10:00–12:00


@pytest.mark.parametrize(
    ("as_of", "status", "scheduled", "unconfirmed"),
    [
        (date(2025, 3, 4), "scheduled", True, False),
        (date(2025, 3, 5), "scheduled", True, False),  # the day itself
        (date(2025, 3, 18), "scheduled", True, False),  # 13 days after: within the grace
        (date(2025, 3, 19), "overdue", False, True),  # 14 days after the end's day
        (date(2025, 4, 1), "overdue", False, True),  # the first escalation stage
        (date(2025, 10, 1), "overdue", False, True),
        (date(2025, 12, 30), "overdue", False, True),
        (date(2025, 12, 31), "breach", False, True),  # the year is over at the end of the day
        (date(2026, 1, 1), "breach", False, True),
    ],
)
def test_scheduled_siko_not_marked_held_stops_counting_after_the_grace(
    kpb_a_user, as_of, status, scheduled, unconfirmed
):
    conference = make_recorded_conference(
        "pp-hagen", MARCH_5, status="scheduled", organiser=kpb_a_user
    )

    r = record("pp-hagen", 2025, as_of)

    assert (r.status, r.siko_scheduled) == (status, scheduled)
    assert r.unconfirmed_conference_ids == ([conference.pk] if unconfirmed else [])
    assert r.scheduled_conference_ids == ([] if unconfirmed else [conference.pk])


@pytest.mark.parametrize(
    ("grace", "as_of", "status"),
    [
        (0, date(2025, 3, 4), "scheduled"),
        (0, date(2025, 3, 5), "overdue"),  # no grace: unconfirmed at the end of its day
        (30, date(2025, 4, 3), "scheduled"),
        (30, date(2025, 4, 4), "overdue"),
    ],
)
def test_grace_period_is_a_setting(kpb_a_user, settings, grace, as_of, status):
    settings.SIKO_SCHEDULED_GRACE_DAYS = grace
    make_recorded_conference("pp-hagen", MARCH_5, status="scheduled", organiser=kpb_a_user)

    assert record("pp-hagen", 2025, as_of).status == status


def test_grace_is_counted_from_the_end_of_a_conference_over_several_days(kpb_a_user):
    conference = make_recorded_conference(
        "pp-hagen", MARCH_5, status="scheduled", organiser=kpb_a_user
    )
    Conference.objects.filter(pk=conference.pk).update(end=at(2025, 3, 7, 16))

    assert record("pp-hagen", 2025, date(2025, 3, 20)).status == "scheduled"
    assert record("pp-hagen", 2025, date(2025, 3, 21)).status == "overdue"


@pytest.mark.parametrize(
    ("later", "as_of", "status", "unconfirmed"),
    [
        ("scheduled", date(2025, 7, 1), "scheduled", True),  # another one still planned
        ("held", date(2025, 10, 1), "compliant", True),
        ("cancelled", date(2025, 10, 1), "overdue", True),
        ("held", date(2025, 3, 10), "scheduled", False),  # the later one counts as planned
    ],
)
def test_an_unconfirmed_siko_beside_a_later_one(kpb_a_user, later, as_of, status, unconfirmed):
    first = make_recorded_conference("pp-hagen", MARCH_5, status="scheduled", organiser=kpb_a_user)
    make_recorded_conference("pp-hagen", at(2025, 9, 9), status=later, organiser=kpb_a_user)

    r = record("pp-hagen", 2025, as_of)

    assert r.status == status
    assert r.unconfirmed_conference_ids == ([first.pk] if unconfirmed else [])


@pytest.mark.parametrize(
    ("as_of", "ap_status", "unconfirmed"),
    [
        (date(2025, 3, 18), "scheduled", False),
        (date(2025, 7, 1), "overdue", True),
        (date(2026, 1, 1), "breach", True),
    ],
)
def test_an_unconfirmed_siko_ap_follows_the_same_rule(kpb_a_user, as_of, ap_status, unconfirmed):
    conference = make_recorded_conference(
        "pp-dortmund", MARCH_5, status="scheduled", kind="siko_ap", organiser=kpb_a_user
    )

    r = record("pp-dortmund", 2025, as_of)

    assert r.siko_ap_status == ap_status
    assert r.siko_ap_scheduled == (not unconfirmed)
    assert r.siko_ap_unconfirmed_conference_ids == ([conference.pk] if unconfirmed else [])


def test_the_escalation_reaches_an_authority_whose_siko_was_never_marked_held(kpb_a_user):
    make_recorded_conference("pp-dortmund", MARCH_5, status="scheduled", organiser=kpb_a_user)

    plan_compliance_reminders(now=at(2025, 4, 1, 6))

    assert list(
        Reminder.objects.filter(rule="siko_yearly").values_list("subject_key", "stage", "recipient")
    ) == [("pp-dortmund:2025", "04-01", kpb_a_user.email)]


@pytest.mark.parametrize(
    ("status", "as_of", "label"),
    [
        ("scheduled", date(2025, 3, 18), "geplant"),
        ("scheduled", date(2025, 7, 1), "Durchführung nicht bestätigt"),
        ("scheduled", date(2026, 2, 1), "Durchführung nicht bestätigt"),
        ("held", date(2025, 7, 1), "erfüllt"),
    ],
)
def test_state_matrix_says_the_holding_is_not_confirmed(kpb_a_user, status, as_of, label):
    make_recorded_conference("pp-hagen", MARCH_5, status=status, organiser=kpb_a_user)

    overview = state_overview(years=[2025], comparison_year=2025, groups=[], as_of=as_of)

    [row] = [row for row in overview.rows if row.authority.slug == "pp-hagen"]
    assert row.cells[0].label == label


def test_state_page_shows_durchfuehrung_nicht_bestaetigt(kpb_a_user, lzpd_user, clock):
    make_recorded_conference("pp-hagen", MARCH_5, status="scheduled", organiser=kpb_a_user)
    clock(at(2025, 7, 1, 9))

    page = client_for(lzpd_user).get("/lagebild/?jahre=1").content.decode()

    hagen = Authority.objects.get(slug="pp-hagen").short_name
    assert f"{hagen} 2025: </span>Durchführung nicht bestätigt" in page


def test_authority_page_asks_to_confirm_instead_of_to_plan(kpb_a_user, clock):
    make_recorded_conference("pp-dortmund", MARCH_5, status="scheduled", organiser=kpb_a_user)
    clock(at(2025, 7, 1, 9))

    page = client_for(kpb_a_user).get("/lagebild/behoerde/pp-dortmund/").content.decode()

    assert "Durchführung nicht bestätigt" in page
    assert "Bitte planen Sie eine Sicherheitskonferenz." not in page


def test_cell_label_of_a_past_year_without_any_conference_stays_nicht_erfuellt(kpb_a_user):
    assert Cell(record("pp-hagen", 2025, date(2026, 1, 1))).label == "nicht erfüllt"


# 2. The end of the year --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "status", "as_of", "expected"),
    [
        (None, None, date(2025, 12, 30), "overdue"),
        (None, None, date(2025, 12, 31), "breach"),
        (at(2025, 12, 20), "scheduled", date(2025, 12, 30), "scheduled"),  # within the grace
        (at(2025, 12, 20), "scheduled", date(2025, 12, 31), "breach"),
        (at(2025, 12, 31, 18), "scheduled", date(2025, 12, 31), "breach"),
        (at(2025, 12, 31, 18), "held", date(2025, 12, 31), "compliant"),  # held that evening
        (at(2025, 12, 31, 18), "held", date(2025, 12, 30), "scheduled"),
        (at(2026, 1, 1, 0, 15), "held", date(2025, 12, 31), "breach"),  # the next year's
    ],
)
def test_as_of_the_last_day_of_the_year_judges_the_whole_year(
    kpb_a_user, start, status, as_of, expected
):
    if start is not None:
        make_recorded_conference("pp-hagen", start, status=status, organiser=kpb_a_user)

    assert record("pp-hagen", 2025, as_of).status == expected


@pytest.mark.parametrize(
    ("as_of", "expected"), [("2025-12-30", "overdue"), ("2025-12-31", "breach")]
)
def test_command_as_of_31_december_reports_breach(capsys, as_of, expected):
    call_command("compliance", "--year", "2025", "--json", "--as-of", as_of)

    data = json.loads(capsys.readouterr().out)
    assert {r["status"] for r in data} == {expected}
    assert {r["siko_ap_status"] for r in data} == {expected, None}


# 3. A report for a year that has not ended ---------------------------------------------------


@pytest.mark.parametrize(
    ("now", "year"),
    [
        (at(2025, 12, 31, 23, 30), 2026),  # Y-1 = 2025 ends at midnight
        (at(2026, 12, 1), 2027),
        (at(2026, 6, 1), 2027),
    ],
)
def test_annual_report_for_a_running_year_is_refused(clock, tmp_path, now, year):
    clock(now)
    output = tmp_path / "bericht.pdf"

    with pytest.raises(CommandError) as error:
        call_command("annual_report", "--year", str(year), "--output", str(output))

    assert error.value.returncode == 2
    assert str(error.value) == (
        f"Der Bericht {year} wertet das Jahr {year - 1} aus, das noch nicht abgeschlossen ist; "
        f"er kann ab dem 1. Januar {year} erstellt werden."
    )
    assert not output.exists()


@pytest.mark.parametrize(
    ("now", "year", "period_year", "refused"),
    [
        (at(2026, 12, 1), "2027", "2026", True),
        (at(2026, 12, 31, 23, 30), "2027", "2026", True),
        (at(2026, 12, 1), "2027", "2025", False),  # an earlier, closed year may be judged
        (at(2027, 1, 1, 0, 10), "2027", "2026", False),
    ],
)
def test_web_workflow_refuses_a_report_for_a_running_year_with_the_same_sentence(
    lzpd_user, clock, now, year, period_year, refused
):
    clock(now)

    response = client_for(lzpd_user).post(
        reverse("reports:annual_report_create"),
        form_data(year=year, period_year=period_year, state_as_of=f"{year}-03-01"),
    )

    sentence = (
        f"Der Bericht {year} wertet das Jahr {period_year} aus, das noch nicht abgeschlossen "
        f"ist; er kann ab dem 1. Januar {int(period_year) + 1} erstellt werden."
    )
    if refused:
        assert response.status_code == 200  # the form again, with the sentence
        assert sentence in response.content.decode()
        assert not AnnualReport.objects.exists()
    else:
        assert response.status_code == 302
        assert AnnualReport.objects.get().period_year == int(period_year)


def test_a_draft_cannot_be_moved_to_a_running_year(lzpd_user, clock):
    clock(at(2026, 12, 1))
    report = start_report(year=2027, period_year=2025, by=lzpd_user)

    with pytest.raises(ReportError) as error:
        update_draft(report, by=lzpd_user, period_year=2026, state_as_of=None, outline=[])

    assert "wertet das Jahr 2026 aus, das noch nicht abgeschlossen ist" in str(error.value)
    report.refresh_from_db()
    assert report.period_year == 2025


def test_annual_report_from_1_january_on_is_written(clock, tmp_path, capsys):
    clock(at(2026, 1, 1, 0, 10))
    output = tmp_path / "bericht.pdf"

    call_command("annual_report", "--year", "2026", "--output", str(output))

    assert output.read_bytes().startswith(b"%PDF")
    assert "Bericht 2026 geschrieben" in capsys.readouterr().out


def test_annual_report_help_and_readme_name_the_refusal():
    from reports.management.commands.annual_report import Command

    text = " ".join(Command().create_parser("manage.py", "annual_report").format_help().split())
    assert "erst ab dem 1. Januar des Berichtsjahres" in text
    assert "Run before 1 January of Y, Y-1 is still running" in " ".join(README.read_text().split())


# 4. Joint conferences in the state totals -----------------------------------------------------


def joint_scenario(organiser) -> None:
    """2025: Dortmund with the co-hosts Unna and Hagen – three invitations (one present, one
    unanswered), one action; Hagen's own SiKo – one invitation, present, one action."""
    joint = make_recorded_conference(
        "pp-dortmund",
        at(2025, 5, 6),
        organiser=organiser,
        co_hosts=["lr-unna", "pp-hagen"],
        categories=["kommune", "zoll", "bundespolizei"],
    )
    Invitation.objects.filter(conference=joint, agency__category="kommune").update(attended=True)
    Invitation.objects.filter(conference=joint, agency__category="zoll").update(state="sent")
    Action.objects.create(
        conference=joint, text="Gemeinsam", owner_is_police=True, due_date=date(2025, 9, 1)
    )
    own = make_recorded_conference(
        "pp-hagen", at(2025, 10, 7), organiser=organiser, categories=["kommune"]
    )
    Invitation.objects.filter(conference=own).update(attended=True)
    Action.objects.create(
        conference=own,
        text="Allein",
        owner_is_police=True,
        due_date=date(2025, 12, 1),
        state="done",
    )


def totals(row: dict) -> tuple[int, int, int]:
    return tuple(
        sum(p[k] for p in row["participation"]) for k in ("invited", "answered", "present")
    )


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("pp-dortmund", (3, 2, 1)),
        ("lr-unna", (3, 2, 1)),
        ("pp-hagen", (4, 3, 2)),  # the joint SiKo and its own
        ("pp-essen", (0, 0, 0)),
    ],
)
def test_joint_siko_counts_for_each_co_host_in_its_row(kpb_a_user, slug, expected):
    joint_scenario(kpb_a_user)

    rows = {r["slug"]: r for r in collect_report_data(2026, as_of=date(2026, 3, 1))["rows"]}

    assert totals(rows[slug]) == expected


def test_joint_siko_counts_once_in_the_state_totals(kpb_a_user):
    joint_scenario(kpb_a_user)

    data = collect_report_data(2026, as_of=date(2026, 3, 1))

    summary = data["summary"]
    assert (summary["invited"], summary["answered"], summary["present"]) == (4, 3, 2)
    assert (summary["actions_agreed"], summary["actions_done"]) == (2, 1)
    assert {
        t["category"]: (t["invited"], t["answered"], t["present"])
        for t in data["participation_totals"]
        if t["invited"]
    } == {"kommune": (2, 2, 2), "zoll": (1, 0, 0), "bundespolizei": (1, 1, 0)}


def test_pdf_state_rows_count_a_joint_siko_once(kpb_a_user):
    joint_scenario(kpb_a_user)

    flat = compact(
        pdf_text(render_annual_report(collect_report_data(2026, as_of=date(2026, 3, 1))))
    )

    # The participation table's total row, per category (invited / answered / present):
    # Staatsanwaltschaft, Gericht, Kommune, Bundespolizei, Zoll, Schulamt.
    totals = "0 / 0 / 0 0 / 0 / 0 2 / 2 / 2 1 / 1 / 0 1 / 0 / 0 0 / 0 / 0"
    assert compact(f"NRW insgesamt {totals}") in flat
    assert compact("Einladungen an Stellen der Kategorien des Erlasses 4") in flat
    assert compact("Vereinbarte Maßnahmen 2") in flat


# 5. The command's JSON: its fields, and the conferences behind each figure --------------------

OLD_FIELDS = {
    "authority",
    "authority_name",
    "year",
    "as_of",
    "siko_held",
    "siko_dates",
    "siko_scheduled",
    "siko_ap_required",
    "siko_ap_held",
    "siko_ap_scheduled",
    "siko_ap_status",
    "categories_invited",
    "categories_missing",
    "categories_missing_required",
    "topics_covered",
    "topics_missing",
    "exercise_participation",
    "hospitations",
    "status",
    "notices",
}


def test_json_keeps_its_fields_and_traces_each_figure(capsys, kpb_a_user):
    held = make_recorded_conference("pp-dortmund", at(2025, 2, 4), organiser=kpb_a_user)
    ap = make_recorded_conference(
        "pp-dortmund", at(2025, 3, 4), kind="siko_ap", organiser=kpb_a_user
    )
    unconfirmed = make_recorded_conference(
        "pp-dortmund", at(2025, 4, 1), status="scheduled", organiser=kpb_a_user
    )
    planned = make_recorded_conference(
        "pp-dortmund", at(2025, 9, 1), status="scheduled", organiser=kpb_a_user
    )
    planned_ap = make_recorded_conference(
        "pp-dortmund", at(2025, 9, 2), status="scheduled", kind="siko_ap", organiser=kpb_a_user
    )
    make_recorded_conference(
        "pp-dortmund", at(2025, 5, 1), status="cancelled", organiser=kpb_a_user
    )
    make_recorded_conference("pp-dortmund", at(2025, 5, 2), status="draft", organiser=kpb_a_user)
    joint = make_recorded_conference(
        "lr-unna", at(2025, 6, 3), co_hosts=["pp-dortmund"], organiser=kpb_a_user
    )
    dortmund = Authority.objects.get(slug="pp-dortmund")
    exercise = Exercise.objects.create(
        authority=dortmund,
        organiser="Stadt",
        title="Hochwasser",
        date=date(2025, 3, 4),
        liaison_took_part=True,
    )
    hospitation = Hospitation.objects.create(
        authority=dortmund,
        agency_name="Zoll",
        direction="outgoing",
        start_date=date(2025, 6, 2),
        end_date=date(2025, 6, 3),
    )

    call_command("compliance", "--year", "2025", "--json", "--as-of", "2025-07-01")

    rows = {r["authority"]: r for r in json.loads(capsys.readouterr().out)}
    r = rows["pp-dortmund"]
    assert OLD_FIELDS < set(r) == set(JSON_FIELDS)
    assert r["siko_conference_ids"] == [held.pk, joint.pk]
    assert r["siko_ap_conference_ids"] == [ap.pk]
    assert r["scheduled_conference_ids"] == [planned.pk]
    assert r["siko_ap_scheduled_conference_ids"] == [planned_ap.pk]
    assert r["unconfirmed_conference_ids"] == [unconfirmed.pk]
    assert r["siko_ap_unconfirmed_conference_ids"] == []
    assert (r["exercise_ids"], r["hospitation_ids"]) == ([exercise.pk], [hospitation.pk])
    assert (r["exercise_participation"], r["hospitations"]) == (1, 1)
    assert len(r["siko_dates"]) == len(r["siko_conference_ids"])
    assert rows["lr-unna"]["siko_conference_ids"] == [joint.pk]
    assert rows["pp-essen"]["siko_conference_ids"] == []


def test_help_and_readme_document_every_json_field_and_the_as_of_day():
    parser = ComplianceCommand().create_parser("manage.py", "compliance")
    text = parser.format_help()
    readme = " ".join(README.read_text().split())
    for name in JSON_FIELDS:
        assert name in text, name
        assert f"`{name}`" in readme, name
    flat = " ".join(text.split())
    assert "am Ende dieses Tages" in flat
    assert "at the end of the as-of day" in readme


# 6. Closed years stay closed ------------------------------------------------------------------

#: "Today" in these cases: the master data changes on this day.
CHANGE_DAY = at(2026, 6, 1, 12)
AS_OF_2026 = date(2026, 7, 1)


def closed_year_scenario(organiser) -> None:
    """Dortmund (with Autobahnpolizei) holds a SiKo with every decree topic and a Siko-AP in
    2024, and a SiKo on 10 June 2026 – after the day of the change – inviting the same Kommune."""
    for start in (at(2024, 5, 6), at(2026, 6, 10)):
        make_recorded_conference(
            "pp-dortmund",
            start,
            organiser=organiser,
            categories=["kommune", "bundespolizei", "zoll"],
            topics=[t.key for t in MandatedTopic.objects.active()],
        )
    make_recorded_conference("pp-dortmund", at(2024, 9, 3), kind="siko_ap", organiser=organiser)


def add_topic() -> None:
    # Added by the LZPD today: it applies from the running year on (the default).
    MandatedTopic.objects.create(key="jugendschutz", title="Kinder- und Jugendschutz", order=70)


def drop_autobahnpolizei() -> None:
    dortmund = Authority.objects.get(slug="pp-dortmund")
    dortmund.has_autobahnpolizei = False
    dortmund.save()


def recategorise_kommune(lzpd_user) -> None:
    """The LZPD changes the category on the partner's edit page."""
    agency = dortmund_kommune()
    response = client_for(lzpd_user).post(
        reverse("authorities:partner_update", kwargs={"slug": agency.slug}),
        {"name": agency.name, "category": "sonstige", "seat": agency.seat, "active": "on"},
    )
    assert response.status_code == 302
    assert PartnerAgency.objects.get(pk=agency.pk).category == "sonstige"


def dortmund_kommune() -> PartnerAgency:
    return PartnerAgency.objects.filter(
        category="kommune", coverages__authority__slug="pp-dortmund"
    ).first()


@pytest.mark.parametrize(
    ("change", "field", "before_2026", "after_2026"),
    [
        ("topic", "topics_missing", [], ["jugendschutz"]),
        ("autobahnpolizei", "siko_ap_required", True, False),
        ("autobahnpolizei", "siko_ap_status", "overdue", None),
        (
            "category",
            "categories_invited",
            ["bundespolizei", "kommune", "zoll"],
            ["bundespolizei", "zoll"],
        ),
        ("category", "categories_missing_required", ["schulamt"], ["kommune", "schulamt"]),
    ],
)
def test_master_data_changed_today_leaves_2024_unchanged(
    kpb_a_user, lzpd_user, clock, change, field, before_2026, after_2026
):
    clock(at(2026, 5, 1, 12))
    closed_year_scenario(kpb_a_user)
    before_2024 = record("pp-dortmund", 2024, AS_OF_2026).as_dict()
    assert getattr(record("pp-dortmund", 2026, AS_OF_2026), field) == before_2026

    clock(CHANGE_DAY)
    {
        "topic": add_topic,
        "autobahnpolizei": drop_autobahnpolizei,
        "category": lambda: recategorise_kommune(lzpd_user),
    }[change]()

    assert record("pp-dortmund", 2024, AS_OF_2026).as_dict() == before_2024
    assert record("pp-dortmund", 2024, date(2025, 1, 1)).as_dict() == {
        **before_2024,
        "as_of": "2025-01-01",
    }
    assert getattr(record("pp-dortmund", 2026, AS_OF_2026), field) == after_2026


def test_2024_figures_of_the_state_and_the_report_survive_all_three_changes(
    kpb_a_user, lzpd_user, clock
):
    clock(at(2026, 5, 1, 12))
    closed_year_scenario(kpb_a_user)
    before = collect_report_data(2025, as_of=AS_OF_2026)
    clock(CHANGE_DAY)

    add_topic()
    drop_autobahnpolizei()
    recategorise_kommune(lzpd_user)

    after = collect_report_data(2025, as_of=AS_OF_2026)
    assert after["comparison"] == before["comparison"]  # 2024
    [row_2024] = [r for r in compute_compliance([2024], as_of=AS_OF_2026) if r.siko_held]
    assert (row_2024.siko_ap_required, row_2024.siko_ap_status) == (True, "compliant")
    assert row_2024.topics_missing == []
    assert "kommune" in row_2024.categories_invited


@pytest.mark.parametrize(
    ("changes", "periods"),
    [
        # (day, value) saved in turn; the periods each value was in force until.
        ([(at(2026, 6, 1, 12), False)], [(date(2026, 6, 1), True)]),
        ([(at(2026, 6, 1, 9), False), (at(2026, 6, 1, 17), True)], [(date(2026, 6, 1), True)]),
        (
            [(at(2025, 3, 1, 12), False), (at(2026, 6, 1, 12), True)],
            [(date(2025, 3, 1), True), (date(2026, 6, 1), False)],
        ),
        ([(at(2026, 6, 1, 12), True)], []),  # saved unchanged: no history
    ],
)
def test_every_save_of_the_duty_keeps_its_dated_history(clock, changes, periods):
    dortmund = Authority.objects.get(slug="pp-dortmund")
    for moment, value in changes:
        clock(moment)
        dortmund.has_autobahnpolizei = value
        dortmund.save()

    assert [
        (p.valid_until, p.has_autobahnpolizei)
        for p in AutobahnpolizeiDutyPeriod.objects.filter(owner=dortmund).order_by("valid_until")
    ] == periods


@pytest.mark.parametrize(
    ("year", "as_of", "required"),
    [
        (2024, date(2025, 1, 1), True),
        (2025, date(2025, 12, 31), True),  # the change of 1 March 2026 is not in force yet
        (2026, date(2026, 2, 28), True),  # judged on the as-of day
        (2026, date(2026, 3, 1), False),
        (2027, date(2027, 1, 1), False),
    ],
)
def test_the_duty_of_a_year_is_the_one_in_force_on_its_last_judged_day(
    clock, year, as_of, required
):
    clock(at(2026, 3, 1, 12))
    dortmund = Authority.objects.get(slug="pp-dortmund")
    dortmund.has_autobahnpolizei = False
    dortmund.save()

    assert record("pp-dortmund", year, as_of).siko_ap_required is required


def test_the_authority_admin_writes_the_duty_history(admin_client, clock):
    clock(CHANGE_DAY)
    dortmund = Authority.objects.get(slug="pp-dortmund")
    data = {
        name: "" if value is None else value
        for name, value in model_to_dict(dortmund).items()
        if name != "has_autobahnpolizei"  # unticked
    }
    # The history inline shows the periods only (none yet).
    prefix = "duty_periods"
    data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}

    response = admin_client.post(
        reverse("admin:authorities_authority_change", args=[dortmund.pk]), data
    )

    assert response.status_code == 302
    change_page = admin_client.get(
        reverse("admin:authorities_authority_change", args=[dortmund.pk])
    ).content.decode()
    assert "01.06.2026" in change_page or "1. Juni 2026" in change_page
    assert list(
        AutobahnpolizeiDutyPeriod.objects.filter(owner=dortmund).values_list(
            "valid_until", "has_autobahnpolizei"
        )
    ) == [(date(2026, 6, 1), True)]
    assert record("pp-dortmund", 2025, date(2026, 6, 1)).siko_ap_status == "breach"
    assert record("pp-dortmund", 2026, date(2026, 6, 1)).siko_ap_status is None


def test_history_does_not_add_queries(kpb_a_user, clock, django_assert_num_queries):
    closed_year_scenario(kpb_a_user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            compute_compliance([2024, 2025, 2026], as_of=AS_OF_2026)
        return len(captured)

    few = queries()
    clock(CHANGE_DAY)
    for authority in Authority.objects.all():
        authority.has_autobahnpolizei = not authority.has_autobahnpolizei
        authority.save()
    for agency in PartnerAgency.objects.filter(coverages__authority__slug="pp-dortmund"):
        agency.category = "sonstige"
        agency.save()

    assert queries() == few == 11


# 7. Years before SiKo was used ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start_year", "firsts", "year", "as_of", "status", "recorded_from"),
    [
        # The default: the year of the authority's first conference (neither draft nor
        # cancelled); before it "nicht erfasst", from it on judged.
        (None, {"pp-hagen": at(2023, 5, 5)}, 2022, date(2026, 1, 1), "not_recorded", 2023),
        (None, {"pp-hagen": at(2023, 5, 5)}, 2023, date(2026, 1, 1), "compliant", 2023),
        (None, {"pp-hagen": at(2023, 5, 5)}, 2024, date(2026, 1, 1), "breach", 2023),
        # Without a conference of its own: the first conference of any authority.
        (None, {"pp-essen": at(2022, 5, 5)}, 2021, date(2026, 1, 1), "not_recorded", 2022),
        (None, {"pp-essen": at(2022, 5, 5)}, 2022, date(2026, 1, 1), "breach", 2022),
        # Nothing entered at all: every year is judged.
        (None, {}, 2021, date(2026, 1, 1), "breach", None),
        # Never later than the as-of year: a running year is judged (and escalated).
        (None, {"pp-hagen": at(2027, 5, 5)}, 2026, date(2026, 7, 1), "overdue", 2026),
        # Set by the LZPD: it wins over the first conference, either way.
        (2025, {"pp-hagen": at(2023, 5, 5)}, 2023, date(2026, 1, 1), "not_recorded", 2025),
        (2025, {"pp-hagen": at(2023, 5, 5)}, 2025, date(2026, 1, 1), "breach", 2025),
        (2021, {"pp-hagen": at(2023, 5, 5)}, 2022, date(2026, 1, 1), "breach", 2021),
    ],
)
def test_years_before_the_start_year_are_not_recorded(
    kpb_a_user, start_year, firsts, year, as_of, status, recorded_from
):
    Authority.objects.filter(slug="pp-hagen").update(siko_start_year=start_year)
    for slug, start in firsts.items():
        make_recorded_conference(slug, start, organiser=kpb_a_user)

    r = record("pp-hagen", year, as_of)

    assert (r.status, r.recorded_from) == (status, recorded_from)
    assert r.label == {"not_recorded": "nicht erfasst"}.get(status, r.label)


def test_drafts_and_cancelled_conferences_do_not_start_the_recording(kpb_a_user):
    make_recorded_conference("pp-hagen", at(2022, 5, 5), status="draft", organiser=kpb_a_user)
    make_recorded_conference("pp-hagen", at(2023, 5, 5), status="cancelled", organiser=kpb_a_user)
    make_recorded_conference("pp-hagen", at(2024, 5, 5), organiser=kpb_a_user)

    assert [
        r.status
        for r in compute_compliance(
            [2022, 2023, 2024],
            authorities=[Authority.objects.get(slug="pp-hagen")],
            as_of=date(2025, 1, 1),
        )
    ] == ["not_recorded", "not_recorded", "compliant"]


def test_a_not_recorded_siko_ap_year(kpb_a_user):
    make_recorded_conference("pp-dortmund", at(2024, 5, 5), organiser=kpb_a_user)

    r = record("pp-dortmund", 2023, date(2025, 1, 1))

    assert (r.siko_ap_required, r.siko_ap_status, r.siko_ap_label) == (
        True,
        "not_recorded",
        "nicht erfasst",
    )


def test_state_view_leaves_not_recorded_years_out_of_the_shares(kpb_a_user):
    # Dortmund and Hagen start in 2024, Essen in 2025; nobody else has a conference.
    make_recorded_conference("pp-dortmund", at(2024, 5, 5), organiser=kpb_a_user)
    make_recorded_conference("pp-hagen", at(2024, 6, 5), organiser=kpb_a_user)
    make_recorded_conference("pp-essen", at(2025, 5, 5), organiser=kpb_a_user)
    group = ComparisonGroup.objects.create(name="Ruhr")
    Authority.objects.filter(slug__in=["pp-dortmund", "pp-hagen", "pp-essen"]).update(
        comparison_group=group
    )
    Authority.objects.filter(slug="pp-bochum").update(comparison_group=group, siko_start_year=2026)

    overview = state_overview(
        years=[2023, 2024, 2025], comparison_year=2024, groups=[group], as_of=date(2026, 1, 1)
    )

    by_year = {s.year: s for s in overview.summaries}
    assert (by_year[2023].total, by_year[2023].share) == (0, None)  # nobody used SiKo yet
    assert by_year[2023].counts == {"not_recorded": 47}
    # 2024: the 44 without a conference and Essen start with Dortmund and Hagen, Bochum later.
    assert (by_year[2024].compliant, by_year[2024].total) == (2, 45)
    assert by_year[2024].counts["not_recorded"] == 2  # Essen, Bochum
    assert (by_year[2025].compliant, by_year[2025].total) == (1, 46)
    ruhr = next(g for g in overview.group_shares if g.name == "Ruhr")
    assert (ruhr.compliant, ruhr.total, ruhr.share_text) == (2, 2, "100\u202f%")
    [essen] = [row for row in overview.rows if row.authority.slug == "pp-essen"]
    assert [c.label for c in essen.cells] == ["nicht erfasst", "nicht erfasst", "erfüllt"]


def test_state_page_and_chart_say_nicht_erfasst(kpb_a_user, lzpd_user, clock):
    make_recorded_conference("pp-dortmund", at(2024, 5, 5), organiser=kpb_a_user)
    make_recorded_conference("pp-hagen", at(2025, 5, 5), organiser=kpb_a_user)
    clock(at(2026, 3, 1, 9))

    page = client_for(lzpd_user).get("/lagebild/?jahre=3").content.decode()

    hagen = Authority.objects.get(slug="pp-hagen").short_name
    assert f"{hagen} 2024: </span>nicht erfasst" in page
    # 2024: Dortmund of the 46 authorities that used SiKo then (Hagen started in 2025).
    assert "<title>2024: 2\u202f% (1 von 46 Behörden)</title>" in page
    assert "<title>2025: 2\u202f% (1 von 47 Behörden)</title>" in page


def test_no_escalation_for_a_not_recorded_year(kpb_a_user):
    Authority.objects.filter(slug="pp-dortmund").update(siko_start_year=2026)

    plan_compliance_reminders(now=at(2025, 4, 1, 6))

    assert not Reminder.objects.filter(subject_key="pp-dortmund:2025").exists()
    assert Reminder.objects.filter(subject_key="pp-hagen:2025").exists() is False  # no user
    plan_compliance_reminders(now=at(2026, 4, 1, 6))
    assert set(
        Reminder.objects.filter(subject_key="pp-dortmund:2026").values_list("rule", flat=True)
    ) == {"siko_yearly", "siko_ap_yearly"}


def test_annual_report_rows_say_nicht_erfasst(kpb_a_user):
    make_recorded_conference("pp-dortmund", at(2024, 5, 5), organiser=kpb_a_user)
    make_recorded_conference("pp-hagen", at(2025, 5, 5), organiser=kpb_a_user)

    data = collect_report_data(2025, as_of=date(2025, 3, 1))  # judges 2024

    rows = {r["slug"]: r for r in data["rows"]}
    assert (rows["pp-hagen"]["status"], rows["pp-hagen"]["status_label"]) == (
        "not_recorded",
        "nicht erfasst",
    )
    assert rows["pp-dortmund"]["status_label"] == "erfüllt"
    assert (data["summary"]["authorities"], data["summary"]["not_recorded"]) == (46, 1)
    assert data["summary"]["breach"] == 45
    assert data["breaches"] == [r for r in data["rows"] if r["status"] == "breach"]
    # The chart of the last years: 2024 of the 46 authorities that used SiKo then.
    [chart_2024] = [h for h in data["history"] if h["year"] == 2024]
    assert (chart_2024["siko_held"], chart_2024["authorities"], chart_2024["not_recorded"]) == (
        1,
        46,
        1,
    )
    assert chart_2024["share"] == pytest.approx(1 / 46)
    flat = compact(pdf_text(render_annual_report(data)))
    assert compact("1 von 46 (2,2 %)") in flat
    row = "Kreispolizeibehörden mit Jahr „nicht erfasst“ (vor ihrer Nutzung von SiKo; in keinem "
    assert compact(row + "Anteil gezählt) 1") in flat


@pytest.mark.parametrize(
    ("posted", "stored", "message"),
    [
        ("2023", 2023, "Startjahr gespeichert."),
        ("", None, "Startjahr gespeichert."),  # back to the first conference's year
        ("2017", 2021, "Das Startjahr muss zwischen 2018 und 2027 liegen."),
        ("2028", 2021, "Das Startjahr muss zwischen 2018 und 2027 liegen."),
        ("zwanzig", 2021, "Bitte geben Sie das Jahr als Zahl ein, z. B. 2023."),
    ],
)
def test_lzpd_sets_the_start_year_on_the_authority_page(lzpd_user, clock, posted, stored, message):
    clock(at(2026, 5, 1, 12))
    Authority.objects.filter(slug="pp-hagen").update(siko_start_year=2021)
    client = client_for(lzpd_user)
    url = reverse("authorities:authority_start_year", kwargs={"slug": "pp-hagen"})
    detail = client.get(reverse("authorities:authority_detail", kwargs={"slug": "pp-hagen"}))
    assert url in detail.content.decode()

    response = client.post(url, {"siko_start_year": posted}, follow=True)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Authority.objects.get(slug="pp-hagen").siko_start_year == stored


def test_kpb_staff_cannot_set_the_start_year(kpb_a_user):
    url = reverse("authorities:authority_start_year", kwargs={"slug": "pp-dortmund"})

    response = client_for(kpb_a_user).post(url, {"siko_start_year": "2025"})

    assert response.status_code == 403
    assert Authority.objects.get(slug="pp-dortmund").siko_start_year is None
    detail = client_for(kpb_a_user).get(
        reverse("authorities:authority_detail", kwargs={"slug": "pp-dortmund"})
    )
    assert url not in detail.content.decode()


# 8. The reminder for a SiKo whose holding is not confirmed ------------------------------------


@pytest.mark.parametrize(
    ("kind", "subject"),
    [
        ("siko", "Erinnerung: 2025 Durchführung der Sicherheitskonferenz nicht bestätigt"),
        ("siko_ap", "Erinnerung: 2025 Durchführung der Siko-AP nicht bestätigt"),
    ],
)
def test_reminder_asks_to_record_the_attendance_of_an_unconfirmed_conference(
    kpb_a_user, django_capture_on_commit_callbacks, kind, subject
):
    planned = make_recorded_conference(
        "pp-dortmund", MARCH_5, status="scheduled", kind=kind, organiser=kpb_a_user
    )

    with django_capture_on_commit_callbacks(execute=True):
        run_reminder_job(now=at(2025, 4, 1, 6))

    [mail] = OutgoingMail.objects.filter(kind=MailKind.REMINDER, subject__startswith=subject)
    assert mail.to == kpb_a_user.email
    text = " ".join(mail.body_text.split())
    assert "deren Durchführung nicht bestätigt ist" in text
    assert "Bitte erfassen Sie die Anwesenheit; damit ist die Durchführung bestätigt." in text
    attendance = settings.SITE_URL + reverse("conferences:attendance", args=[planned.pk])
    assert f"Anwesenheit der Konferenz vom Mittwoch, 5. März 2025 erfassen: {attendance}" in text
    assert attendance in mail.body_html
    assert "Konferenz planen" not in text
    assert settings.SITE_URL + reverse("conferences:conference_create") not in mail.body_html


def test_reminder_without_any_conference_still_asks_to_plan_one(
    kpb_a_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run_reminder_job(now=at(2025, 4, 1, 6))

    mail = OutgoingMail.objects.get(
        kind=MailKind.REMINDER, subject__contains="2025 noch keine Sicherheitskonferenz"
    )
    assert "Konferenz planen:" in mail.body_text
    assert "Anwesenheit" not in mail.body_text


def test_authority_page_explains_a_not_recorded_year(kpb_a_user, clock):
    make_recorded_conference("pp-dortmund", at(2024, 5, 5), organiser=kpb_a_user)
    clock(at(2026, 3, 1, 9))

    page = client_for(kpb_a_user).get("/lagebild/behoerde/pp-dortmund/?jahr=2023").content.decode()

    text = " ".join(page.split())
    assert "Dieses Jahr liegt vor der Nutzung von SiKo durch die Behörde (ab 2024)" in text
    assert "Dieses Jahr ist nicht erfasst: die Angaben unten werden nicht bewertet." in text
    assert "Bitte planen Sie eine Sicherheitskonferenz." not in text


def test_a_csv_import_changing_a_category_keeps_the_history(kpb_a_user, lzpd_user, clock):
    from tests.authorities.test_csv_import import csv_bytes, import_file

    clock(at(2026, 5, 1, 12))
    closed_year_scenario(kpb_a_user)
    agency = dortmund_kommune()
    clock(CHANGE_DAY)

    response = import_file(client_for(lzpd_user), csv_bytes(f"{agency.name};sonstige;;;;"))

    assert response.status_code == 200
    assert list(agency.category_periods.values_list("valid_until", "category")) == [
        (date(2026, 6, 1), "kommune")
    ]
    assert "kommune" in record("pp-dortmund", 2024, AS_OF_2026).categories_invited
    assert "kommune" not in record("pp-dortmund", 2026, AS_OF_2026).categories_invited


def test_report_methods_count_the_topics_in_force_in_the_judged_year(kpb_a_user, clock):
    clock(at(2026, 2, 1, 12))
    add_topic()  # applies from 2026 on

    judged_2025 = collect_report_data(2026, as_of=date(2026, 2, 1))
    judged_2026 = collect_report_data(2027, period_year=2026, as_of=date(2027, 2, 1))

    assert (judged_2025["topic_count"], judged_2026["topic_count"]) == (6, 7)
    flat = compact(html_text(annual_report_html(judged_2025)))
    assert compact("die im Jahr 2025 geltenden Pflichtthemen (6)") in flat
    assert compact("Abgeschlossene Jahre bleiben abgeschlossen") in flat
