"""Plausibility of dates typed into forms.

A browser's date field accepts any year from 0001 to 9999. Far-off dates are typing errors or
probes, and some do harm: a start in year 0001 cannot be converted to UTC (an OverflowError
deep in the database layer), a comment deadline of 9999-12-31 locks the minutes for good.
Forms check every date against a window with these helpers, as a field error, before any
service or model validation sees the value.
"""

from datetime import date, datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

#: Conference, Hospitation, exercise and action dates lie at most this far from today.
PLAUSIBLE_YEARS = 10


def add_years(day: date, years: int) -> date:
    """The same day `years` later (or earlier); 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def plausible_window(today: date | None = None) -> tuple[date, date]:
    """The first and last day a date may take: PLAUSIBLE_YEARS around today."""
    today = today or timezone.localdate()
    return add_years(today, -PLAUSIBLE_YEARS), add_years(today, PLAUSIBLE_YEARS)


def check_date_window(
    value: date | datetime, *, earliest: date, latest: date, message: "StrOrPromise" = ""
) -> None:
    """Raises a German ValidationError unless the value's day lies in [earliest, latest].

    A datetime is judged by its own calendar day (a form's value is in the current time zone),
    never converted: converting year 0001 is what overflows. `message` may use %(earliest)s
    and %(latest)s.
    """
    day = value.date() if isinstance(value, datetime) else value
    if earliest <= day <= latest:
        return
    raise ValidationError(
        message or _("Bitte geben Sie ein Datum zwischen dem %(earliest)s und dem %(latest)s an."),
        code="implausible_date",
        params={"earliest": f"{earliest:%d.%m.%Y}", "latest": f"{latest:%d.%m.%Y}"},
    )


def check_plausible_date(value: date | datetime) -> date | datetime:
    """A form's clean_<field>: the value if it lies within PLAUSIBLE_YEARS of today."""
    earliest, latest = plausible_window()
    check_date_window(value, earliest=earliest, latest=latest)
    return value
