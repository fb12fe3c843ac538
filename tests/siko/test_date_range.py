"""A date is not repeated when start and end fall on the same day (issue 15, Words)."""

from datetime import datetime

import pytest
from django.utils import translation

from siko.formats import BERLIN, date_range


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 3, day, hour, minute, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (_at(2, 10), _at(2, 12, 30), "Dienstag, 02.03.2027, 10:00–12:30 Uhr"),
        (
            _at(2, 10),
            _at(3, 12),
            "Dienstag, 02.03.2027, 10:00 Uhr – Mittwoch, 03.03.2027, 12:00 Uhr",
        ),
        (_at(2, 10), None, "Dienstag, 02.03.2027, 10:00 Uhr"),
        # Late evening UTC is already the next day in Berlin: the Berlin day counts.
        (
            datetime.fromisoformat("2027-03-02T23:15:00+00:00"),
            datetime.fromisoformat("2027-03-02T23:45:00+00:00"),
            "Mittwoch, 03.03.2027, 00:15–00:45 Uhr",
        ),
    ],
)
def test_date_range_names_the_day_once(
    start: datetime, end: datetime | None, expected: str
) -> None:
    with translation.override("de"):
        assert date_range(start, end) == expected


def test_date_range_in_english_uses_english_day_names() -> None:
    with translation.override("en"):
        assert date_range(_at(2, 10), _at(2, 12)).startswith("Tuesday, 02.03.2027, 10:00–12:00")
