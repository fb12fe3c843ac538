"""Reads for planning: proposals by category, clashes with other KPBs' conferences (R2, R3)."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django_scopes import scopes_disabled

from authorities.enums import DECREE_CATEGORIES, OCCASIONAL_CATEGORIES, PartnerCategory
from authorities.models import ADDRESSEE_ORDER, Contact, Coverage, PartnerAgency

from .enums import ConferenceStatus
from .models import Conference, Invitation


@dataclass
class ProposalGroup:
    category: PartnerCategory
    agencies: list[PartnerAgency] = field(default_factory=list)
    invited_count: int = 0

    @property
    def in_decree(self) -> bool:
        return self.category in DECREE_CATEGORIES

    @property
    def occasional(self) -> bool:
        return self.category in OCCASIONAL_CATEGORIES

    @property
    def missing(self) -> bool:
        """A decree category without any invited partner gets a warning."""
        return self.in_decree and self.invited_count == 0


def invitation_proposals(conference: Conference) -> list[ProposalGroup]:
    """Every active agency responsible for the conference's authorities, grouped by category.

    Bezirksregierungen are not proposed on their own: they receive the Schulamt invitations.
    """
    authority_ids = [a.pk for a in conference.authorities.all()]
    invited = dict(conference.invitations.values_list("agency_id", "agency__category"))
    agencies = (
        PartnerAgency.objects.filter(coverages__authority_id__in=authority_ids, active=True)
        .exclude(category=PartnerCategory.BEZIRKSREGIERUNG)
        .select_related("routed_via")
        .prefetch_related(
            Prefetch("contacts", queryset=Contact.objects.order_by(*ADDRESSEE_ORDER))
        )
        .order_by("name")
    )
    uncertain = set(
        Coverage.objects.filter(authority_id__in=authority_ids, certain=False).values_list(
            "agency_id", flat=True
        )
    )
    groups = {
        category: ProposalGroup(category)
        for category in PartnerCategory
        if category != PartnerCategory.BEZIRKSREGIERUNG
    }
    for agency in agencies:
        agency.is_invited = agency.pk in invited
        agency.coverage_uncertain = agency.pk in uncertain
        groups[PartnerCategory(agency.category)].agencies.append(agency)
    # Counted from the invitations: an invited agency outside the coverage counts as well.
    for category in invited.values():
        group = groups.get(PartnerCategory(category))
        if group is not None:
            group.invited_count += 1
    return [g for g in groups.values() if g.in_decree or g.agencies or g.invited_count]


def missing_categories(conference: Conference) -> list[PartnerCategory]:
    invited = set(conference.invitations.values_list("agency__category", flat=True))
    return [c for c in DECREE_CATEGORIES if c.value not in invited]


@dataclass
class Clash:
    agency: PartnerAgency
    conference_title: str
    host_name: str
    start: object


def clashes(conference: Conference) -> list[Clash]:
    """Invited agencies that already have another KPB's conference on the same day (R3).

    Deliberately crosses authority scopes, but returns only title, host and time.
    """
    local_day = timezone.localtime(conference.start).date()
    tz = timezone.get_current_timezone()
    from datetime import datetime, time

    day_start = datetime.combine(local_day, time.min, tzinfo=tz)
    day_end = day_start + timedelta(days=1)
    agency_ids = list(conference.invitations.values_list("agency_id", flat=True))
    if not agency_ids:
        return []
    with scopes_disabled():
        others = (
            Invitation.objects.filter(
                agency_id__in=agency_ids,
                conference__start__lt=day_end,
                conference__end__gt=day_start,
            )
            .exclude(conference=conference)
            .exclude(conference__status=ConferenceStatus.CANCELLED)
            .select_related("agency", "conference", "conference__host")
        )
        return [
            Clash(i.agency, i.conference.title, i.conference.host.short_name, i.conference.start)
            for i in others
        ]


def conference_list(*, year: int | None = None) -> QuerySet[Conference]:
    conferences = (
        Conference.objects.select_related("host")
        .prefetch_related("authorities")
        .order_by("-start", "-pk")
    )
    if year:
        conferences = conferences.in_year(year)
    return conferences
