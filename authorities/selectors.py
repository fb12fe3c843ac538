"""Reads shared by several views. All of them run inside the request's authority scope."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django_scopes import scopes_disabled

from authorities.enums import DECREE_CATEGORIES, OCCASIONAL_CATEGORIES, PartnerCategory
from authorities.models import Authority, Contact, Coverage, PartnerAgency, name_key
from siko.collation import german


def agency_with_same_name(name: str, *, exclude_pk: int | None = None) -> PartnerAgency | None:
    """The agency whose name equals `name` up to case and spacing (name_key), in the whole
    directory: names are unique state-wide, so this one read ignores the authority scope."""
    wanted = name_key(name)
    with scopes_disabled():
        agencies = PartnerAgency.objects.all()
        if exclude_pk is not None:
            agencies = agencies.exclude(pk=exclude_pk)
        for pk, existing in agencies.values_list("pk", "name"):
            if name_key(existing) == wanted:
                return PartnerAgency.objects.get(pk=pk)
    return None


def authority_list(
    *, search: str = "", regierungsbezirk: str = "", kind: str = ""
) -> QuerySet[Authority]:
    authorities = Authority.objects.select_related("comparison_group").annotate(
        partner_count=Count("coverages", distinct=True)
    )
    if search:
        authorities = authorities.filter(
            Q(official_name__icontains=search)
            | Q(short_name__icontains=search)
            | Q(seat__icontains=search)
            | Q(district__icontains=search)
        )
    if regierungsbezirk:
        authorities = authorities.filter(regierungsbezirk=regierungsbezirk)
    if kind:
        authorities = authorities.filter(kind=kind)
    return authorities


@dataclass
class CategoryGroup:
    category: PartnerCategory
    coverages: list[Coverage]
    in_decree: bool
    occasional: bool

    @property
    def is_gap(self) -> bool:
        return self.in_decree and not self.coverages


def partners_by_category(authority: Authority) -> list[CategoryGroup]:
    """The agencies responsible for an authority's area, grouped by category (R2 first)."""
    coverages = list(
        Coverage.objects.filter(authority=authority, agency__active=True)
        .select_related("agency", "agency__routed_via")
        .prefetch_related(
            Prefetch("agency__contacts", queryset=Contact.objects.order_by(german("name")))
        )
        .order_by(german("agency__name"))
    )
    groups = []
    for category in PartnerCategory:
        members = [c for c in coverages if c.agency.category == category]
        in_decree = category in DECREE_CATEGORIES
        if in_decree or members:
            groups.append(
                CategoryGroup(category, members, in_decree, category in OCCASIONAL_CATEGORIES)
            )
    return groups


def partner_list(*, search: str = "", category: str = "") -> QuerySet[PartnerAgency]:
    agencies = PartnerAgency.objects.select_related("routed_via").annotate(
        contact_count=Count("contacts", distinct=True),
        authority_count=Count("coverages", distinct=True),
    )
    if search:
        agencies = agencies.filter(Q(name__icontains=search) | Q(seat__icontains=search))
    if category:
        agencies = agencies.filter(category=category)
    return agencies.order_by("category", german("name"))
