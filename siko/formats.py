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


def date_range(start: datetime, end: datetime | None = None, *, weekday: bool = True) -> str:
    """A conference's time in the page's language, the date once when both ends fall on the
    same day: 'Dienstag, 02.03.2027, 10:00–12:00 Uhr', otherwise
    'Dienstag, 02.03.2027, 10:00 Uhr – Mittwoch, 03.03.2027, 12:00 Uhr' (Berlin time)."""
    day = "l, d.m.Y" if weekday else "d.m.Y"
    start = timezone.localtime(start, BERLIN)
    clock = translation.gettext("Uhr")
    if end is None:
        return f"{dateformat.format(start, day)}, {german_time(start)} {clock}"
    end = timezone.localtime(end, BERLIN)
    if start.date() == end.date():
        return f"{dateformat.format(start, day)}, {german_time(start)}–{german_time(end)} {clock}"
    return (
        f"{dateformat.format(start, day)}, {german_time(start)} {clock} – "
        f"{dateformat.format(end, day)}, {german_time(end)} {clock}"
    )
