"""Table-driven tests of the yearly rule (DESIGN §3) on fixed dates."""

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from authorities.models import Authority
from reports.compliance import compute_compliance
from tests.factories.conferences import make_recorded_conference

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def conference(host_slug, start, **options):
    return make_recorded_conference(host_slug, start, **options)


def record(slug, year, as_of):
    [r] = compute_compliance([year], authorities=[Authority.objects.get(slug=slug)], as_of=as_of)
    return r


@pytest.mark.parametrize(
    ("start", "status", "year", "as_of", "expected"),
    [
        (
            datetime(2025, 12, 31, 23, 30, tzinfo=BERLIN),
            "held",
            2025,
            date(2026, 1, 5),
            "compliant",
        ),
        (datetime(2025, 12, 31, 23, 30, tzinfo=BERLIN), "held", 2026, date(2026, 1, 5), "overdue"),
        # Counted in 2026 (German time): 2025 is before the authority's first conference.
        (
            datetime(2026, 1, 1, 0, 15, tzinfo=BERLIN),
            "held",
            2025,
            date(2026, 1, 5),
            "not_recorded",
        ),
        (datetime(2024, 2, 29, 10, 0, tzinfo=BERLIN), "held", 2024, date(2024, 3, 1), "compliant"),
        (datetime(2024, 2, 29, 10, 0, tzinfo=BERLIN), "held", 2024, date(2024, 2, 28), "scheduled"),
        (
            datetime(2025, 6, 1, 10, 0, tzinfo=BERLIN),
            "cancelled",
            2025,
            date(2025, 7, 1),
            "overdue",
        ),
        (datetime(2025, 6, 1, 10, 0, tzinfo=BERLIN), "cancelled", 2025, date(2026, 1, 1), "breach"),
        (
            datetime(2025, 9, 1, 10, 0, tzinfo=BERLIN),
            "scheduled",
            2025,
            date(2025, 7, 1),
            "scheduled",
        ),
        (datetime(2025, 9, 1, 10, 0, tzinfo=BERLIN), "scheduled", 2025, date(2026, 1, 1), "breach"),
        (datetime(2025, 9, 1, 10, 0, tzinfo=BERLIN), "draft", 2025, date(2025, 7, 1), "overdue"),
    ],
)
def test_yearly_rule_on_fixed_dates(kpb_a_user, start, status, year, as_of, expected):
    conference("pp-hagen", start, status=status, organiser=kpb_a_user)
    assert record("pp-hagen", year, as_of).status == expected


def test_year_boundary_in_utc_counts_in_berlin_time(kpb_a_user):
    # 31 Dec 23:30 Berlin is 22:30 UTC the same day; 1 Jan 00:30 Berlin is still 31 Dec in UTC.
    conference("pp-hagen", datetime(2026, 1, 1, 0, 30, tzinfo=BERLIN), organiser=kpb_a_user)
    # Hagen's first conference is of 2026 in German time, so 2025 is before its start year.
    assert record("pp-hagen", 2025, date(2026, 2, 1)).status == "not_recorded"
    assert record("pp-hagen", 2026, date(2026, 2, 1)).status == "compliant"


def test_joint_conference_counts_for_each_co_host(kpb_a_user):
    conference(
        "pp-dortmund",
        datetime(2025, 5, 5, 10, tzinfo=BERLIN),
        co_hosts=["lr-unna"],
        organiser=kpb_a_user,
    )
    assert record("pp-dortmund", 2025, date(2025, 12, 1)).siko_held
    assert record("lr-unna", 2025, date(2025, 12, 1)).siko_held
    assert not record("lr-borken", 2025, date(2025, 12, 1)).siko_held


def test_siko_ap_required_only_with_autobahnpolizei(kpb_a_user):
    conference("pp-dortmund", datetime(2025, 5, 5, 10, tzinfo=BERLIN), organiser=kpb_a_user)
    dortmund = record("pp-dortmund", 2025, date(2026, 1, 2))
    borken = record("lr-borken", 2025, date(2026, 1, 2))
    assert (dortmund.siko_ap_required, dortmund.siko_ap_status) == (True, "breach")
    assert (borken.siko_ap_required, borken.siko_ap_status) == (False, None)
    conference(
        "pp-dortmund", datetime(2025, 6, 5, 10, tzinfo=BERLIN), kind="siko_ap", organiser=kpb_a_user
    )
    assert record("pp-dortmund", 2025, date(2026, 1, 2)).siko_ap_status == "compliant"
    assert record("pp-dortmund", 2025, date(2026, 1, 2)).status == "compliant"


def test_categories_and_topics_of_held_sikos(kpb_a_user):
    conference(
        "pp-hagen",
        datetime(2025, 3, 3, 10, tzinfo=BERLIN),
        organiser=kpb_a_user,
        categories=["kommune", "zoll", "bundespolizei", "schulamt"],
        topics=["sicherheitslage", "brennpunkte"],
    )
    r = record("pp-hagen", 2025, date(2025, 12, 31))
    assert r.categories_invited == ["bundespolizei", "kommune", "schulamt", "zoll"]
    assert r.categories_missing == ["staatsanwaltschaft", "gericht"]
    assert r.categories_missing_required == []  # prosecutors and courts: a notice, not a breach
    assert r.notices
    assert r.topics_covered == ["sicherheitslage", "brennpunkte"]
    assert "grossveranstaltungen" in r.topics_missing


def test_queries_do_not_grow_with_authorities_and_years(kpb_a_user, django_assert_max_num_queries):
    for year in range(2016, 2026):
        conference(
            "pp-hagen",
            datetime(year, 5, 5, 10, tzinfo=BERLIN),
            organiser=kpb_a_user,
            categories=["kommune"],
            topics=["brennpunkte"],
        )
    with django_assert_max_num_queries(11):
        one = compute_compliance([2025], as_of=date(2026, 1, 1))
    with django_assert_max_num_queries(11):
        ten = compute_compliance(range(2016, 2026), as_of=date(2026, 1, 1))
    assert len(one) == 47
    assert len(ten) == 470


def test_command_prints_json_for_all_authorities(capsys, kpb_a_user):
    conference("pp-hagen", datetime(2025, 5, 5, 10, tzinfo=BERLIN), organiser=kpb_a_user)
    call_command("compliance", "--year", "2025", "--json", "--as-of", "2026-01-10")
    data = json.loads(capsys.readouterr().out)
    assert len(data) == 47
    hagen = next(r for r in data if r["authority"] == "pp-hagen")
    assert hagen["status"] == "compliant"
    assert {
        "siko_held",
        "siko_ap_required",
        "categories_missing",
        "topics_missing",
        "status",
    } <= set(hagen)


@pytest.mark.parametrize(
    "args",
    [
        ["--year", "abc"],
        ["--year", "1990"],
        ["--year", "2025", "--as-of", "31.12.2025"],
        ["--year", "2025", "--authority", "pp-gibtsnicht"],
    ],
)
def test_command_rejects_bad_input_with_exit_code_2(args):
    with pytest.raises(CommandError) as error:
        call_command("compliance", *args)
    assert error.value.returncode == 2
