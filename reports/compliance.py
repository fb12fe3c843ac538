"""The single compliance computation (DESIGN §3), per authority and calendar year, as of a day.

Every caller – the `compliance` command, dashboards, reminders and the annual report – uses
`compute_compliance`; its number of queries does not depend on the number of authorities or
years.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.translation import gettext_noop
from django_scopes import scopes_disabled

from authorities.enums import DECREE_CATEGORIES, OCCASIONAL_CATEGORIES
from authorities.models import (
    Authority,
    AutobahnpolizeiDutyPeriod,
    Exercise,
    Hospitation,
    PartnerCategoryPeriod,
    dated_value,
)
from conferences.enums import ConferenceKind, ConferenceStatus
from conferences.models import AgendaItem, Conference, Invitation, MandatedTopic


class ComplianceStatus:
    COMPLIANT = "compliant"
    SCHEDULED = "scheduled"
    OVERDUE = "overdue"
    BREACH = "breach"
    #: A year before the authority used SiKo (Authority.siko_start_year, by default the year of
    #: its first conference): not judged, and left out of every share.
    NOT_RECORDED = "not_recorded"


# German status words (the CLI and the German report use them as they are; pages translate them).
STATUS_LABELS = {
    ComplianceStatus.COMPLIANT: gettext_noop("erfüllt"),
    ComplianceStatus.SCHEDULED: gettext_noop("geplant"),
    ComplianceStatus.OVERDUE: gettext_noop("überfällig"),
    ComplianceStatus.BREACH: gettext_noop("nicht erfüllt"),
    ComplianceStatus.NOT_RECORDED: gettext_noop("nicht erfasst"),
}
#: Shown instead of "überfällig" or "nicht erfüllt" where the only planned conference is past
#: its end plus the grace period without being marked held.
UNCONFIRMED_LABEL = gettext_noop("Durchführung nicht bestätigt")


@dataclass
class ComplianceRecord:
    authority: str
    authority_name: str
    year: int
    as_of: str
    siko_held: bool
    siko_dates: list[str]
    siko_scheduled: bool
    siko_ap_required: bool
    siko_ap_held: bool
    siko_ap_scheduled: bool
    siko_ap_status: str | None
    categories_invited: list[str]
    categories_missing: list[str]
    categories_missing_required: list[str]
    topics_covered: list[str]
    topics_missing: list[str]
    exercise_participation: int = 0
    hospitations: int = 0
    status: str = ComplianceStatus.OVERDUE
    notices: list[str] = field(default_factory=list)
    # The conferences (database keys, in order of start) and R7 entries behind the figures above,
    # so that every number can be traced.
    #: SiKos counted as held (siko_held, siko_dates, categories, topics).
    siko_conference_ids: list[int] = field(default_factory=list)
    #: Siko-APs counted as held (siko_ap_held).
    siko_ap_conference_ids: list[int] = field(default_factory=list)
    #: SiKos that count as scheduled (siko_scheduled): not held by `as_of`, and not yet past
    #: their end plus the grace period.
    scheduled_conference_ids: list[int] = field(default_factory=list)
    siko_ap_scheduled_conference_ids: list[int] = field(default_factory=list)
    #: SiKos past their end plus the grace period and not marked held: they count neither as
    #: held nor as scheduled ("Durchführung nicht bestätigt").
    unconfirmed_conference_ids: list[int] = field(default_factory=list)
    siko_ap_unconfirmed_conference_ids: list[int] = field(default_factory=list)
    #: Exercises and Hospitationen counted in exercise_participation and hospitations.
    exercise_ids: list[int] = field(default_factory=list)
    hospitation_ids: list[int] = field(default_factory=list)
    #: The first year judged for the authority (years before it are "not_recorded"); None
    #: where nothing was entered in SiKo yet.
    recorded_from: int | None = None

    @property
    def recorded(self) -> bool:
        """False for a year before the authority used SiKo: shown as "nicht erfasst" and left
        out of shares."""
        return self.status != ComplianceStatus.NOT_RECORDED

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def label(self) -> str:
        """The German status word (not translated), "Durchführung nicht bestätigt" where a
        SiKo was not marked held and nothing else is planned."""
        return _label(self.status, self.unconfirmed_conference_ids)

    @property
    def siko_ap_label(self) -> str:
        if self.siko_ap_status is None:
            return ""
        return _label(self.siko_ap_status, self.siko_ap_unconfirmed_conference_ids)


def _label(status: str, unconfirmed: list[int]) -> str:
    if unconfirmed and status in (ComplianceStatus.OVERDUE, ComplianceStatus.BREACH):
        return UNCONFIRMED_LABEL
    return STATUS_LABELS[status]


#: A conference as `compute_compliance` reads it: `values("pk", "kind", "status", "start", "end")`.
_ConferenceRow = Mapping[str, Any]


def _status(*, held: bool, scheduled: bool, year_over: bool, recorded: bool) -> str:
    if not recorded:
        return ComplianceStatus.NOT_RECORDED
    if held:
        return ComplianceStatus.COMPLIANT
    if year_over:
        return ComplianceStatus.BREACH
    if scheduled:
        return ComplianceStatus.SCHEDULED
    return ComplianceStatus.OVERDUE


def _local_day_end(day: date) -> datetime:
    return datetime.combine(
        day + timedelta(days=1), time.min, tzinfo=timezone.get_default_timezone()
    )


def compute_compliance(
    years: Iterable[int],
    *,
    authorities: Iterable[Authority] | None = None,
    as_of: date | None = None,
) -> list[ComplianceRecord]:
    """Compliance of each authority in each year, evaluated at the end of the day `as_of`.

    Rules: a SiKo counts for the host and every co-host; cancelled conferences and drafts never
    count; a conference counts as held when its status is held and it started by the end of
    `as_of`; it counts as scheduled when it is not held by then, starts in the year, and `as_of`
    is before the day of its end plus SIKO_SCHEDULED_GRACE_DAYS (from that day on it is
    unconfirmed: neither held nor scheduled). A year is over at the end of its 31 December, so
    `as_of` = 31 December judges the whole year. Siko-AP is required only where the authority
    has Autobahnpolizei; prosecutors and courts missing is a notice, not a breach.

    Closed years stay closed: a year is judged against the mandated topics in force in it, the
    Autobahnpolizei duty in force on its last day (or on `as_of`, if earlier) and each invited
    agency's category on the day of the conference (the dated histories of authorities.models).
    Years before the authority's start year are "not_recorded": Authority.siko_start_year where
    the LZPD set it, else the year of its first conference (neither draft nor cancelled), else
    that of the first conference of any authority – never later than the year of `as_of`.
    """
    years = sorted(set(years))
    as_of = as_of or timezone.localdate()
    cutoff = _local_day_end(as_of)
    grace = timedelta(days=settings.SIKO_SCHEDULED_GRACE_DAYS)
    tz = timezone.get_default_timezone()
    range_start = datetime(years[0], 1, 1, tzinfo=tz)
    range_end = datetime(years[-1] + 1, 1, 1, tzinfo=tz)
    with scopes_disabled():
        authority_list = (
            list(authorities)
            if authorities is not None
            else list(Authority.objects.order_by("slug"))
        )
        topics = list(
            MandatedTopic.objects.values_list("key", "valid_from_year", "valid_until_year")
        )
        duty_periods = defaultdict(list)
        for duty in AutobahnpolizeiDutyPeriod.objects.filter(
            owner__in=[a.pk for a in authority_list]
        ):
            duty_periods[duty.owner_id].append(duty)
        first_years = {
            row["authority_id"]: timezone.localtime(row["first"], tz).year
            for row in Conference.authorities.through.objects.exclude(
                conference__status__in=[ConferenceStatus.CANCELLED, ConferenceStatus.DRAFT]
            )
            .values("authority_id")
            .annotate(first=Min("conference__start"))
        }
        # Only the rows of the authorities asked for (a KPB's page: its own).
        asked: dict[str, list[int]] = (
            {} if authorities is None else {"authority_id__in": [a.pk for a in authority_list]}
        )
        in_range = Conference.objects.filter(start__gte=range_start, start__lt=range_end)
        if asked:
            in_range = in_range.filter(
                pk__in=Conference.authorities.through.objects.filter(**asked).values(
                    "conference_id"
                )
            )
        conferences: list[_ConferenceRow] = list(
            in_range.exclude(status__in=[ConferenceStatus.CANCELLED, ConferenceStatus.DRAFT])
            .order_by("start", "pk")
            .values("pk", "kind", "status", "start", "end")
        )
        ids = [c["pk"] for c in conferences]
        hosts = defaultdict(set)
        for host in Conference.authorities.through.objects.filter(conference_id__in=ids).values(
            "conference_id", "authority_id"
        ):
            hosts[host["conference_id"]].add(host["authority_id"])
        held_ids = [
            c["pk"]
            for c in conferences
            if c["status"] == ConferenceStatus.HELD and c["start"] < cutoff
        ]
        held_set = set(held_ids)
        # Counted in days, as the rest of the rule: the end's local day plus the grace period.
        unconfirmed_set = {
            c["pk"]
            for c in conferences
            if c["pk"] not in held_set and timezone.localtime(c["end"], tz).date() + grace <= as_of
        }
        invited_agencies = list(
            Invitation.objects.filter(conference_id__in=held_ids)
            .filter(
                Q(sent_at__isnull=False)
                | Q(state__in=["accepted", "tentative", "declined", "delegated"])
            )
            .order_by()  # the default ordering would add its columns to SELECT DISTINCT
            .values("conference_id", "agency_id", "agency__category")
            .distinct()
        )
        category_periods = defaultdict(list)
        for period in PartnerCategoryPeriod.objects.filter(
            owner__in={i["agency_id"] for i in invited_agencies}
        ):
            category_periods[period.owner_id].append(period)
        conference_days = {c["pk"]: timezone.localtime(c["start"], tz).date() for c in conferences}
        categories = defaultdict(set)
        for invitation in invited_agencies:
            conference_id = invitation["conference_id"]
            categories[conference_id].add(
                dated_value(
                    invitation["agency__category"],
                    category_periods[invitation["agency_id"]],
                    conference_days[conference_id],
                )
            )
        covered = defaultdict(set)
        for item in (
            AgendaItem.objects.filter(conference_id__in=held_ids, topic__isnull=False)
            .order_by()  # as above: one row per conference and topic
            .values("conference_id", "topic__key")
            .distinct()
        ):
            covered[item["conference_id"]].add(item["topic__key"])
        # R7 (soft rule): exercises with a police liaison officer, and Hospitationen, per year.
        exercises: dict[tuple[int, int], list[int]] = defaultdict(list)
        for pk, authority_id, day in (
            Exercise.objects.filter(
                **asked,
                date__year__gte=years[0],
                date__year__lte=years[-1],
                liaison_took_part=True,
                date__lte=as_of,
            )
            .order_by("date", "pk")
            .values_list("pk", "authority_id", "date")
        ):
            exercises[(authority_id, day.year)].append(pk)
        hospitations: dict[tuple[int, int], list[int]] = defaultdict(list)
        for pk, authority_id, day in (
            Hospitation.objects.filter(
                **asked,
                start_date__year__gte=years[0],
                start_date__year__lte=years[-1],
                start_date__lte=as_of,
            )
            .order_by("start_date", "pk")
            .values_list("pk", "authority_id", "start_date")
        ):
            hospitations[(authority_id, day.year)].append(pk)

    by_authority_year: dict[tuple[int, int], list[_ConferenceRow]] = defaultdict(list)
    for conference in conferences:
        year = timezone.localtime(conference["start"], tz).year
        for authority_id in hosts[conference["pk"]]:
            by_authority_year[(authority_id, year)].append(conference)

    first_of_all = min(first_years.values(), default=None)
    records = []
    for authority in authority_list:
        first = first_years.get(authority.pk, first_of_all)
        recorded_from = authority.siko_start_year or (
            min(first, as_of.year) if first is not None else None
        )
        for year in years:
            own = by_authority_year.get((authority.pk, year), [])
            # Evaluated at the end of the day as_of: on 31 December the year is over.
            year_over = as_of >= date(year, 12, 31)
            recorded = recorded_from is None or year >= recorded_from
            in_force = [
                key
                for key, valid_from, valid_until in topics
                if valid_from <= year and (valid_until is None or year <= valid_until)
            ]

            def held(kind: str, own: list[_ConferenceRow] = own) -> list[_ConferenceRow]:
                return [c for c in own if c["kind"] == kind and c["pk"] in held_set]

            def scheduled(kind: str, own: list[_ConferenceRow] = own) -> list[int]:
                return [
                    c["pk"]
                    for c in own
                    if c["kind"] == kind
                    and c["pk"] not in held_set
                    and c["pk"] not in unconfirmed_set
                ]

            def unconfirmed(kind: str, own: list[_ConferenceRow] = own) -> list[int]:
                return [c["pk"] for c in own if c["kind"] == kind and c["pk"] in unconfirmed_set]

            siko_held = held(ConferenceKind.SIKO)
            ap_held = held(ConferenceKind.SIKO_AP)
            siko_scheduled = scheduled(ConferenceKind.SIKO)
            ap_scheduled = scheduled(ConferenceKind.SIKO_AP)
            invited = set().union(*(categories[c["pk"]] for c in siko_held)) if siko_held else set()
            topics_done = (
                set().union(*(covered[c["pk"]] for c in siko_held)) if siko_held else set()
            )
            missing = [c.value for c in DECREE_CATEGORIES if c.value not in invited]
            missing_required = [
                c for c in missing if c not in {o.value for o in OCCASIONAL_CATEGORIES}
            ]
            ap_required = dated_value(
                authority.has_autobahnpolizei,
                duty_periods[authority.pk],
                min(as_of, date(year, 12, 31)),
            )
            record = ComplianceRecord(
                authority=authority.slug,
                authority_name=authority.short_name,
                year=year,
                as_of=as_of.isoformat(),
                siko_held=bool(siko_held),
                siko_dates=sorted(
                    timezone.localtime(c["start"], tz).date().isoformat() for c in siko_held
                ),
                siko_scheduled=bool(siko_scheduled),
                siko_ap_required=ap_required,
                siko_ap_held=bool(ap_held),
                siko_ap_scheduled=bool(ap_scheduled),
                siko_ap_status=_status(
                    held=bool(ap_held),
                    scheduled=bool(ap_scheduled),
                    year_over=year_over,
                    recorded=recorded,
                )
                if ap_required
                else None,
                categories_invited=sorted(invited & {c.value for c in DECREE_CATEGORIES}),
                categories_missing=missing,
                categories_missing_required=missing_required,
                topics_covered=[t for t in in_force if t in topics_done],
                topics_missing=[t for t in in_force if t not in topics_done],
                exercise_participation=len(exercises.get((authority.pk, year), [])),
                hospitations=len(hospitations.get((authority.pk, year), [])),
                status=_status(
                    held=bool(siko_held),
                    scheduled=bool(siko_scheduled),
                    year_over=year_over,
                    recorded=recorded,
                ),
                siko_conference_ids=[c["pk"] for c in siko_held],
                siko_ap_conference_ids=[c["pk"] for c in ap_held],
                scheduled_conference_ids=siko_scheduled,
                siko_ap_scheduled_conference_ids=ap_scheduled,
                unconfirmed_conference_ids=unconfirmed(ConferenceKind.SIKO),
                siko_ap_unconfirmed_conference_ids=unconfirmed(ConferenceKind.SIKO_AP),
                exercise_ids=list(exercises.get((authority.pk, year), [])),
                hospitation_ids=list(hospitations.get((authority.pk, year), [])),
                recorded_from=recorded_from,
            )
            if siko_held and set(missing) - set(missing_required):
                record.notices.append(
                    "Staatsanwaltschaft oder Gericht nicht eingeladen (nach Anlass)"
                )
            records.append(record)
    return records
