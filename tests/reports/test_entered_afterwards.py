"""Konferenz nachtragen (issue 12): the LZPD sees conferences entered afterwards marked in the
state view and in the annual report (the authorities table, the authority's part, the methods
annex), and they count like any held conference."""

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from authorities.models import PartnerAgency
from followup.records import record_past_conference
from reports.annual.report import annual_report_html, collect_report_data
from siko.formats import BERLIN
from tests.conftest import client_for
from tests.helpers import compact, html_text

pytestmark = pytest.mark.django_db

START = datetime(2025, 6, 10, 10, 0, tzinfo=BERLIN)


def enter_dortmund(user, title: str = "SiKo Dortmund, nachgetragen"):
    return record_past_conference(
        host=user.authority,
        data={
            "kind": "siko",
            "title": title,
            "start": START,
            "end": START + timedelta(hours=2),
            "place": "Dortmund",
        },
        attendance={PartnerAgency.objects.get(slug="sta-dortmund"): (True, "")},
        by=user,
    )


def _today() -> str:
    return f"{timezone.localdate():%d.%m.%Y}"


def test_state_view_lists_the_entered_conference(kpb_a_user, lzpd_user):
    conference = enter_dortmund(kpb_a_user)
    page = client_for(lzpd_user).get(reverse("reports:state"))
    text = compact(html_text(page.content.decode()))
    assert page.status_code == 200
    assert compact("10.06.2025 Polizeipräsidium Dortmund SiKo Dortmund, nachgetragen") in text
    assert compact(f"nachgetragen am {_today()}") in text
    assert conference.get_absolute_url() in page.content.decode()


def test_state_view_says_when_nothing_was_entered(lzpd_user):
    page = client_for(lzpd_user).get(reverse("reports:state"))
    assert "In den gezeigten Jahren wurde keine Konferenz nachgetragen." in page.content.decode()


def test_annual_report_marks_the_entered_conference_and_counts_it(kpb_a_user):
    enter_dortmund(kpb_a_user)
    data = collect_report_data(2026, as_of=date(2026, 3, 1))
    dortmund = next(r for r in data["rows"] if r["slug"] == "pp-dortmund")
    assert dortmund["status"] == "compliant"
    assert dortmund["siko_dates"] == [
        {
            "date": "10.06.2025",
            "iso": "2025-06-10",
            "titles": ["SiKo Dortmund, nachgetragen"],
            "entered_on": _today(),
        }
    ]
    text = compact(html_text(annual_report_html(data)))
    assert compact(f"10.06.2025 nachgetragen am {_today()}") in text
    entered = f"Polizeipräsidium Dortmund (SiKo vom 10.06.2025, nachgetragen am {_today()})."
    assert compact(f"Im Jahr 2025: {entered}") in text
