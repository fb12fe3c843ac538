"""What followup adds to the conference page: the "after the conference" panel (attendance and
minutes status) and the offer of open actions for a scheduled conference's agenda."""

from typing import Any

from django import template

from conferences.enums import ConferenceStatus
from conferences.models import Conference
from followup.actions import offered_action_count, offered_actions
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


@register.inclusion_tag("conferences/agenda/_actions_offer.html", takes_context=True)
def open_actions_offer(context: template.Context, conference: Conference) -> dict[str, Any]:
    """On the page of a conference whose invitations are out: how many open actions of earlier
    conferences its agenda has not taken (they are not carried onto it silently), for those who
    may plan it. One query, or none when the page gives its data version (`page_token`)."""
    user = context.get("user")
    scheduled = conference.status == ConferenceStatus.SCHEDULED and not conference.has_started
    count = 0
    if (
        scheduled
        and user is not None
        and user.has_perm("conferences.change_conference", conference)
    ):
        token = context.get("page_token") or ""
        count = (
            offered_action_count(conference, token=token)
            if token
            else offered_actions(conference).count()
        )
    return {"conference": conference, "user": user, "count": count}
