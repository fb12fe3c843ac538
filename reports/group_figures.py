"""The comparison groups' figures side by side (Vergleichsgruppenarbeit, DESIGN R8): per member
authority of a group, named, whether it held a SiKo in the year, the R2 categories it invited,
the mandated topics it covered and its crisis-staff exercises – all from
`reports.compliance.compute_compliance` (through its cache), nothing counted twice.

A KPB sees its own group (the other members' figures by design: that is the group's work);
the LZPD, LKA and ministry see every group. Query budget: the same for any number of groups,
members and conferences (authorities, groups, topics, then the compliance computation).
"""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django_scopes import scopes_disabled

from authorities.enums import DECREE_CATEGORIES, PartnerCategory
from authorities.models import Authority, ComparisonGroup
from conferences.models import MandatedTopic
from reports.compliance import ComplianceRecord
from reports.compliance_cache import cached_compliance
from siko.collation import german


@dataclass(frozen=True)
class MemberFigures:
    authority: Authority
    record: ComplianceRecord
    categories_invited: list[str]
    topics_covered: list[str]
    own: bool

    @property
    def held(self) -> bool:
        return self.record.siko_held

    @property
    def exercises(self) -> int:
        return self.record.exercise_participation


@dataclass(frozen=True)
class GroupFigures:
    group: ComparisonGroup
    members: list[MemberFigures]

    @property
    def held_count(self) -> int:
        return sum(m.held for m in self.members)


def group_figures(
    year: int, *, authority_id: int | None = None, as_of: date | None = None
) -> list[GroupFigures]:
    """Every group with its members' figures of `year`; with `authority_id` (a KPB) only that
    authority's own group (an empty list when it belongs to none)."""
    as_of = as_of or timezone.localdate()
    with scopes_disabled():  # a KPB reads its group's other members by design
        groups = ComparisonGroup.objects.order_by(german("name"))
        if authority_id is not None:
            groups = groups.filter(authorities__pk=authority_id)
        group_list = list(groups)
        members = list(
            Authority.objects.filter(comparison_group__in=group_list).order_by(german("short_name"))
        )
    if not members:
        return [GroupFigures(group, []) for group in group_list]
    titles = dict(MandatedTopic.objects.values_list("key", "title"))
    records = {r.authority: r for r in cached_compliance([year], authorities=members, as_of=as_of)}
    order = {c.value: i for i, c in enumerate(PartnerCategory)}
    decree = {c.value for c in DECREE_CATEGORIES}
    figures = []
    for group in group_list:
        rows = []
        for authority in (a for a in members if a.comparison_group_id == group.pk):
            record = records[authority.slug]
            rows.append(
                MemberFigures(
                    authority=authority,
                    record=record,
                    categories_invited=[
                        str(PartnerCategory(c).label)
                        for c in sorted(record.categories_invited, key=lambda c: order.get(c, 99))
                        if c in decree
                    ],
                    topics_covered=[titles.get(key, key) for key in record.topics_covered],
                    own=authority.pk == authority_id,
                )
            )
        figures.append(GroupFigures(group, rows))
    return figures
