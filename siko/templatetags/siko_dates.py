"""Dates on pages: `{{ conference.start|date_range:conference.end }}` (siko.formats.date_range)."""

from datetime import datetime

from django import template

from siko.formats import date_range as format_date_range

register = template.Library()


@register.filter
def date_range(start: datetime | None, end: datetime | None = None) -> str:
    """The date once when start and end fall on the same day."""
    return format_date_range(start, end) if start else ""
