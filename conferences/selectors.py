"""Reads for planning: proposals by category, clashes with other KPBs' conferences (R2, R3)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import pgettext
from django_scopes import scopes_disabled

from authorities.enums import (
    DECREE_CATEGORIES,
    OCCASIONAL_CATEGORIES,
    AuthorityKind,
    PartnerCategory,
)
from authorities.models import ADDRESSEE_ORDER, Authority, Contact, Coverage, PartnerAgency
from conferences.enums import ConferenceStatus
from conferences.models import Conference, Invitation
from siko.collation import german, german_key


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
        .annotate(
            is_invited=Exists(conference.invitations.filter(agency=OuterRef("pk"))),
            coverage_uncertain=Exists(
                Coverage.objects.filter(
                    agency=OuterRef("pk"), authority_id__in=authority_ids, certain=False
                )
            ),
        )
        .select_related("routed_via")
        .prefetch_related(Prefetch("contacts", queryset=Contact.objects.order_by(*ADDRESSEE_ORDER)))
        .order_by(german("name"))
    )
    groups: dict[PartnerCategory, ProposalGroup] = {
        category: ProposalGroup(category)
        for category in PartnerCategory
        if category != PartnerCategory.BEZIRKSREGIERUNG
    }
    for agency in agencies:
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
class ClashHost:
    """Another authority that plans a conference on the clash day, and the partners it invites
    that this conference invites too."""

    name: str
    kind: str
    agencies: list[str]

    @property
    def named(self) -> str:
        """The name with its article, as the sentence needs it ("das Polizeipräsidium Essen",
        "die Kreispolizeibehörde Borken": short names begin with these nouns)."""
        if self.kind == AuthorityKind.PP:
            return pgettext("article of a Polizeipräsidium", "das %(name)s") % {"name": self.name}
        return pgettext("article of a Kreispolizeibehörde", "die %(name)s") % {"name": self.name}


@dataclass
class ClashDay:
    day: date
    hosts: list[ClashHost]


def _local_days(start: datetime, end: datetime) -> tuple[date, date]:
    """First and last local day of a time span (an end at midnight ends the day before)."""
    return (
        timezone.localtime(start).date(),
        timezone.localtime(end - timedelta(microseconds=1)).date(),
    )


def clashes(conference: Conference) -> list[ClashDay]:
    """Days on which another authority's scheduled conference invites a partner that this one
    invites too (R3), one entry per day with each other authority and the shared partners.

    Deliberately crosses authority scopes, so it returns only what the organiser may know: the
    other authority's name and the day. Never a title, never a draft (only scheduled
    conferences count), and nothing at all for a cancelled conference.
    """
    if conference.status == ConferenceStatus.CANCELLED:
        return []
    agency_ids = list(conference.invitations.values_list("agency_id", flat=True))
    first, last = _local_days(conference.start, conference.end)
    return _clashes_on(first, last, host_id=conference.host_id, agency_ids=agency_ids)


@dataclass
class DateCheck:
    """The clash warning for dates not saved yet (the conference form, issue 15)."""

    clashes: list[ClashDay]
    #: True when the conference has no invitation list yet: then the partners that would be
    #: proposed for the authority's area stand in for the invited ones.
    proposed: bool


def date_clashes(
    *, host: Authority, start: datetime, end: datetime | None, conference: Conference | None = None
) -> DateCheck:
    """The rule of `clashes` for the dates chosen in the form: the conference's invited
    partners, or, before it has any, the active partners of the host's area (those
    `invitation_proposals` would offer). Without a valid end only the start's day counts."""
    agency_ids: list[int] = []
    if conference is not None:
        agency_ids = list(conference.invitations.values_list("agency_id", flat=True))
    proposed = not agency_ids
    if proposed:
        authority_ids = (
            [a.pk for a in conference.authorities.all()] if conference is not None else [host.pk]
        )
        agency_ids = list(
            PartnerAgency.objects.filter(coverages__authority_id__in=authority_ids, active=True)
            .exclude(category=PartnerCategory.BEZIRKSREGIERUNG)
            .values_list("pk", flat=True)
            .distinct()
        )
    if end is None or end <= start:
        first = last = timezone.localtime(start).date()
    else:
        first, last = _local_days(start, end)
    return DateCheck(_clashes_on(first, last, host_id=host.pk, agency_ids=agency_ids), proposed)


def _clashes_on(first: date, last: date, *, host_id: int, agency_ids: list[int]) -> list[ClashDay]:
    """Other authorities' scheduled conferences between the two local days that invite one
    of the agencies, grouped by day (see `clashes` for what may be shown)."""
    if not agency_ids:
        return []
    tz = timezone.get_current_timezone()
    window_start = datetime.combine(first, time.min, tzinfo=tz)
    window_end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz)
    with scopes_disabled():
        rows = (
            Invitation.objects.filter(
                agency_id__in=agency_ids,
                conference__status=ConferenceStatus.SCHEDULED,
                conference__start__lt=window_end,
                conference__end__gt=window_start,
            )
            .exclude(conference__host_id=host_id)
            .values_list(
                "conference__start",
                "conference__end",
                "conference__host__short_name",
                "conference__host__kind",
                "agency__name",
            )
        )
        by_day: dict[date, dict[tuple[str, str], set[str]]] = defaultdict(lambda: defaultdict(set))
        for start, end, host_name, host_kind, agency_name in rows:
            other_first, other_last = _local_days(start, end)
            day = max(first, other_first)
            while day <= min(last, other_last):
                by_day[day][(host_name, host_kind)].add(agency_name)
                day += timedelta(days=1)
    return [
        ClashDay(
            day,
            [
                ClashHost(name, kind, sorted(agencies, key=german_key))
                for (name, kind), agencies in sorted(
                    hosts.items(), key=lambda item: (german_key(item[0][0]), item[0][1])
                )
            ],
        )
        for day, hosts in sorted(by_day.items())
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
