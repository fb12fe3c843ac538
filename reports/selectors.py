"""Reads for the compliance dashboards. The rules stay in `compute_compliance`; this module only
arranges its records (per authority, per year, per comparison group) for the pages.

Query budget: the state view needs the same number of queries for 1 or 10 years and for any
amount of conference data (one query for the authorities, the rest inside compute_compliance).
The dashboards take the rule's records from reports.compliance_cache: one query for the data
version when nothing changed since the last page.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from authorities.enums import OCCASIONAL_CATEGORIES, PartnerCategory
from authorities.models import Authority, ComparisonGroup
from conferences.enums import ConferenceStatus
from conferences.models import Conference, MandatedTopic
from reports.charts import percent
from reports.compliance import STATUS_LABELS, ComplianceRecord, ComplianceStatus
from reports.compliance_cache import cached_compliance
from siko.collation import german

#: The decree dates from 6 December 2018; earlier years have no rule to measure.
FIRST_YEAR = 2018
DEFAULT_YEARS = 5
MAX_YEARS = 10
PAST_YEARS_ON_DASHBOARD = 5

STATUS_ORDER = (
    ComplianceStatus.COMPLIANT,
    ComplianceStatus.SCHEDULED,
    ComplianceStatus.OVERDUE,
    ComplianceStatus.BREACH,
    ComplianceStatus.NOT_RECORDED,
)


def status_label(status: str) -> str:
    """The status word shown to people, in the active language."""
    return _(STATUS_LABELS[status])


def years_ending(last: int, count: int) -> list[int]:
    """`count` years up to `last`, never before the decree."""
    return list(range(max(FIRST_YEAR, last - count + 1), last + 1))


def share(part: int, total: int) -> float | None:
    return part / total if total else None


@dataclass
class Cell:
    """One authority in one year, with the words the page shows."""

    record: ComplianceRecord
    href: str = ""  # where a click leads; set by the page

    @property
    def year(self) -> int:
        return self.record.year

    @property
    def status(self) -> str:
        return self.record.status

    @property
    def label(self) -> str:
        """The status word, or "Durchführung nicht bestätigt" (ComplianceRecord.label)."""
        return _(self.record.label)

    @property
    def ap_status(self) -> str | None:
        return self.record.siko_ap_status

    @property
    def ap_label(self) -> str:
        return _(self.record.siko_ap_label) if self.record.siko_ap_status else ""


# State view ------------------------------------------------------------------------------------


@dataclass
class MatrixRow:
    authority: Authority
    cells: list[Cell]
    url: str = ""  # the authority's dashboard; set by the page


@dataclass
class _Share:
    """`compliant` of `total` authorities, as a share and as text. `total` counts only the
    authorities whose year is recorded: a year before an authority used SiKo ("nicht erfasst")
    is in no share."""

    total: int
    compliant: int

    @property
    def share(self) -> float | None:
        return share(self.compliant, self.total)

    @property
    def share_text(self) -> str:
        return percent(self.share)


@dataclass
class YearSummary(_Share):
    year: int
    counts: dict[str, int]
    running: bool

    @property
    def status_counts(self) -> list[tuple[str, str, int]]:
        """(status, label, count) in a fixed order, for tables."""
        return [(s, status_label(s), self.counts.get(s, 0)) for s in STATUS_ORDER]


@dataclass
class GroupShare(_Share):
    name: str
    group: ComparisonGroup | None
    authorities: list[str] = field(default_factory=list)
    is_state_total: bool = False


@dataclass
class StateOverview:
    years: list[int]
    rows: list[MatrixRow]
    summaries: list[YearSummary]
    comparison_year: int
    group_shares: list[GroupShare]
    as_of: date


def state_overview(
    *,
    years: list[int],
    comparison_year: int,
    groups: list[ComparisonGroup],
    regierungsbezirk: str = "",
    kind: str = "",
    group: ComparisonGroup | None = None,
    as_of: date | None = None,
) -> StateOverview:
    """Matrix authority × year for the filtered authorities, the share compliant per year, and
    the comparison groups side by side (state-wide) for `comparison_year`."""
    as_of = as_of or timezone.localdate()
    authorities = list(Authority.objects.order_by(german("short_name")))
    records = cached_compliance(
        sorted(set(years) | {comparison_year}), authorities=authorities, as_of=as_of
    )
    by_key = {(r.authority, r.year): r for r in records}

    shown = [
        a
        for a in authorities
        if (not regierungsbezirk or a.regierungsbezirk == regierungsbezirk)
        and (not kind or a.kind == kind)
        and (group is None or a.comparison_group_id == group.pk)
    ]
    rows = [MatrixRow(a, [Cell(by_key[(a.slug, y)]) for y in years]) for a in shown]
    summaries = []
    for year in years:
        counts = Counter(by_key[(a.slug, year)].status for a in shown)
        summaries.append(
            YearSummary(
                year=year,
                total=len(shown) - counts[ComplianceStatus.NOT_RECORDED],
                compliant=counts[ComplianceStatus.COMPLIANT],
                counts=dict(counts),
                running=year == as_of.year,
            )
        )
    return StateOverview(
        years=years,
        rows=rows,
        summaries=summaries,
        comparison_year=comparison_year,
        group_shares=_group_shares(authorities, groups, by_key, comparison_year),
        as_of=as_of,
    )


def comparison_sets(
    authorities: list[Authority], groups: list[ComparisonGroup]
) -> list[tuple[str, str, ComparisonGroup | None, list[Authority]]]:
    """(name, kind, group, members) side by side, as the state view and the annual report show
    them: each comparison group ("group"), the authorities without one ("ungrouped", only when
    there are groups and such authorities), and NRW as a whole ("total", last)."""
    sets: list[tuple[str, str, ComparisonGroup | None, list[Authority]]] = [
        (g.name, "group", g, [a for a in authorities if a.comparison_group_id == g.pk])
        for g in groups
    ]
    ungrouped = [a for a in authorities if a.comparison_group_id is None]
    if groups and ungrouped:
        sets.append((_("ohne Vergleichsgruppe"), "ungrouped", None, ungrouped))
    sets.append((_("NRW insgesamt"), "total", None, authorities))
    return sets


def _group_shares(
    authorities: list[Authority],
    groups: list[ComparisonGroup],
    by_key: dict[tuple[str, int], ComplianceRecord],
    year: int,
) -> list[GroupShare]:
    return [
        GroupShare(
            name=name,
            group=group,
            total=sum(by_key[(a.slug, year)].recorded for a in members),
            compliant=sum(
                by_key[(a.slug, year)].status == ComplianceStatus.COMPLIANT for a in members
            ),
            authorities=[] if kind == "total" else [a.short_name for a in members],
            is_state_total=kind == "total",
        )
        for name, kind, group, members in comparison_sets(authorities, groups)
    ]


# Authority dashboard ---------------------------------------------------------------------------


@dataclass
class CategoryGap:
    label: str
    occasional: bool


@dataclass
class AuthorityDashboard:
    authority: Authority
    year: int
    running_year: int
    record: ComplianceRecord
    cell: Cell
    past: list[Cell]
    missing_categories: list[CategoryGap]
    missing_topics: list[str]
    covered_topics: list[str]
    next_conference: Conference | None
    conferences: list[Conference]

    @property
    def held_dates_text(self) -> str:
        """The days the year's SiKos were held, German notation: "09.10.2026, 12.11.2026"."""
        return ", ".join(f"{date.fromisoformat(d):%d.%m.%Y}" for d in self.record.siko_dates)


def authority_dashboard(
    authority: Authority, *, year: int | None = None, as_of: date | None = None
) -> AuthorityDashboard:
    """One authority's state in `year` (default: the running year), its past years, what is
    still missing, its next conference and its conferences of `year`."""
    as_of = as_of or timezone.localdate()
    running = as_of.year
    year = year or running
    past_years = years_ending(running - 1, PAST_YEARS_ON_DASHBOARD)
    records = {
        r.year: r
        for r in cached_compliance(
            sorted(set(past_years) | {year}), authorities=[authority], as_of=as_of
        )
    }
    record = records[year]
    titles = dict(MandatedTopic.objects.values_list("key", "title"))
    occasional = {c.value for c in OCCASIONAL_CATEGORIES}
    conferences = (
        Conference.objects.filter(authorities=authority).select_related("host").order_by("start")
    )
    return AuthorityDashboard(
        authority=authority,
        year=year,
        running_year=running,
        record=record,
        cell=Cell(record),
        past=[Cell(records[y]) for y in reversed(past_years)],
        missing_categories=[
            CategoryGap(str(PartnerCategory(c).label), c in occasional)
            for c in record.categories_missing
        ],
        missing_topics=[titles.get(key, key) for key in record.topics_missing],
        covered_topics=[titles.get(key, key) for key in record.topics_covered],
        next_conference=next_conference(authority),
        conferences=list(conferences.in_year(year)),
    )


def next_conference(authority: Authority, *, now: datetime | None = None) -> Conference | None:
    """The authority's next conference from `now` on (default: the clock) that is not cancelled
    (hosted or joint), or None."""
    return (
        Conference.objects.filter(authorities=authority, start__gte=now or timezone.now())
        .exclude(status=ConferenceStatus.CANCELLED)
        .select_related("host")
        .order_by("start")
        .first()
    )


def entered_afterwards(years: list[int]) -> list[Conference]:
    """The held conferences of `years` (consecutive) that were entered afterwards (Konferenz
    nachtragen), newest first, with host and co-hosts (two queries): the state view marks them."""
    if not years:
        return []
    tz = timezone.get_default_timezone()
    return list(
        Conference.objects.filter(
            entered_afterwards=True,
            status=ConferenceStatus.HELD,
            start__gte=datetime(min(years), 1, 1, tzinfo=tz),
            start__lt=datetime(max(years) + 1, 1, 1, tzinfo=tz),
        )
        .select_related("host")
        .prefetch_related("authorities")
        .order_by("-start", "pk")
    )
