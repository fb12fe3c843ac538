"""German formats for people: dates and times in Berlin time, whatever the request's language."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import dateformat, timezone, translation

BERLIN = ZoneInfo("Europe/Berlin")


def german_date(value: datetime) -> str:
    """'Dienstag, 2. März 2027' in Berlin time."""
    with translation.override("de"):
        return dateformat.format(timezone.localtime(value, BERLIN), "l, j. F Y")


def german_time(value: datetime) -> str:
    return dateformat.format(timezone.localtime(value, BERLIN), "H:i")


def german_datetime(value: datetime) -> str:
    """'Dienstag, 2. März 2027, 10:00 Uhr' in Berlin time."""
    return f"{german_date(value)}, {german_time(value)} Uhr"


def german_span(start: datetime, end: datetime) -> str:
    """A time span in one line: the same day once, several days each with its date."""
    start, end = timezone.localtime(start, BERLIN), timezone.localtime(end, BERLIN)
    if start.date() == end.date():
        return f"{german_date(start)}, {german_time(start)} bis {german_time(end)} Uhr"
    return f"{german_datetime(start)} bis {german_datetime(end)}"
