"""The annual report names the good practice published in the judged year (R8, issue 16 part 2):
per authority, the state total and the titles."""

import json
from datetime import date, datetime

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from practices.models import GoodPractice
from reports.annual.report import annual_report_html, collect_report_data
from tests.factories.practices import make_published
from tests.helpers import compact, html_text

pytestmark = pytest.mark.django_db


def published_on(practice: GoodPractice, day: date) -> None:
    moment = datetime(day.year, day.month, day.day, 11, 0, tzinfo=timezone.get_default_timezone())
    GoodPractice.objects.filter(pk=practice.pk).update(published_at=moment)


def test_report_counts_practices_published_in_the_judged_year(kpb_a_user, kpb_b_user, lzpd_user):
    for title, author, day in (
        ("Kontrollverbund Innenstadt", kpb_a_user, date(2025, 3, 1)),
        ("Präventionsrat Schulwege", kpb_a_user, date(2025, 11, 30)),
        ("Grenzkontrolle mit dem Zoll", kpb_b_user, date(2025, 6, 1)),
        ("Aus dem Vorjahr", kpb_b_user, date(2024, 12, 31)),
        ("Aus dem laufenden Jahr", kpb_b_user, date(2026, 1, 2)),
    ):
        published_on(make_published(author, lzpd_user, title=title), day)

    data = json.loads(
        json.dumps(collect_report_data(2026, as_of=date(2026, 3, 1)), cls=DjangoJSONEncoder)
    )

    assert data["practices"]["total"] == 3
    assert data["practices"]["per_authority"] == [
        {"name": "Kreispolizeibehörde Borken", "count": 1},
        {"name": "Polizeipräsidium Dortmund", "count": 2},
    ]
    assert sorted(t["title"] for t in data["practices"]["titles"]) == [
        "Grenzkontrolle mit dem Zoll",
        "Kontrollverbund Innenstadt",
        "Präventionsrat Schulwege",
    ]
    text = compact(html_text(annual_report_html(data)))
    assert compact("3 Beispiele guter Praxis") in text
    assert compact("Präventionsrat Schulwege (Polizeipräsidium Dortmund") in text
    assert compact("Aus dem Vorjahr") not in text
