"""Plain factory functions for conferences: explicit, without surprises."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from authorities.models import Authority, PartnerAgency
from conferences import services
from conferences.models import Conference


def make_conference(
    organiser: Any, *, days_ahead: int = 30, host: Authority | None = None, **data: Any
) -> Conference:
    start = (timezone.now() + timedelta(days=days_ahead)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    values = {
        "title": "Sicherheitskonferenz 2027",
        "start": start,
        "end": start + timedelta(hours=3),
        "place": "Polizeipräsidium, Saal 1",
        "kind": "siko",
    }
    values.update(data)
    return services.create_conference(host=host or organiser.authority, data=values, by=organiser)


def invite_all_proposed(conference: Conference, organiser: Any) -> None:
    agencies = (
        PartnerAgency.objects.filter(
            coverages__authority__in=conference.authorities.all(), active=True
        )
        .exclude(category="bezirksregierung")
        .distinct()
    )
    services.add_invitations(conference, agencies=agencies, by=organiser)
