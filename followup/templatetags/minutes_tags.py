"""The "after the conference" panel of the conference page: attendance and minutes status."""

from typing import Any

from django import template

from conferences.enums import ConferenceStatus
from conferences.models import Conference
from followup.minutes import attendance_summary, current_minutes, minutes_state

register = template.Library()


@register.inclusion_tag("conferences/minutes/_panel.html", takes_context=True)
def after_conference_panel(context: template.Context, conference: Conference) -> dict[str, Any]:
    """Three queries whatever the size of the conference."""
    user = context.get("user")
    started = conference.has_started and conference.status != ConferenceStatus.CANCELLED
    return {
        "conference": conference,
        "user": user,
        "started": started,
        "held": conference.status == ConferenceStatus.HELD,
        "summary": attendance_summary(conference.invitations.all()) if started else None,
        "minutes": current_minutes(conference) if started else None,
        "minutes_state": minutes_state(conference) if started else "",
    }
