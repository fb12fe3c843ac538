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

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_noop
from django_scopes import scopes_disabled

from authorities.enums import DECREE_CATEGORIES, OCCASIONAL_CATEGORIES
from authorities.models import Authority, Exercise, Hospitation
from conferences.enums import ConferenceKind, ConferenceStatus
from conferences.models import AgendaItem, Conference, Invitation, MandatedTopic


class ComplianceStatus:
    COMPLIANT = "compliant"
    SCHEDULED = "scheduled"
    OVERDUE = "overdue"
    BREACH = "breach"


# German status words (the CLI and the German report use them as they are; pages translate them).
STATUS_LABELS = {
    ComplianceStatus.COMPLIANT: gettext_noop("erfüllt"),
    ComplianceStatus.SCHEDULED: gettext_noop("geplant"),
    ComplianceStatus.OVERDUE: gettext_noop("überfällig"),
    ComplianceStatus.BREACH: gettext_noop("nicht erfüllt"),
}


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
    #: The conferences counted as held above (database keys, in order of start), for callers in
    #: the same process such as the annual report; not part of `as_dict` (the command's JSON).
    held_siko_ids: list[int] = field(default_factory=list, repr=False)
    held_siko_ap_ids: list[int] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict:
        data = asdict(self)
        del data["held_siko_ids"], data["held_siko_ap_ids"]
        return data


#: A conference as `compute_compliance` reads it: `values("pk", "kind", "status", "start")`.
_ConferenceRow = Mapping[str, Any]


def _status(*, held: bool, scheduled: bool, year_over: bool) -> str:
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

    Rules: a SiKo counts for the host and every co-host; cancelled conferences never count; a
    conference counts as held when its status is held and it started by `as_of`; it counts as
    scheduled when it is scheduled (or held later than `as_of`) and starts in the year; Siko-AP is
    required only where the authority has Autobahnpolizei; prosecutors and courts missing is a
    notice, not a breach.
    """
    years = sorted(set(years))
    as_of = as_of or timezone.localdate()
    cutoff = _local_day_end(as_of)
    tz = timezone.get_default_timezone()
    range_start = datetime(years[0], 1, 1, tzinfo=tz)
    range_end = datetime(years[-1] + 1, 1, 1, tzinfo=tz)
    with scopes_disabled():
        authority_list = (
            list(authorities)
            if authorities is not None
            else list(Authority.objects.order_by("slug"))
        )
        topics = list(MandatedTopic.objects.filter(active=True).values_list("key", flat=True))
        conferences: list[_ConferenceRow] = list(
            Conference.objects.filter(start__gte=range_start, start__lt=range_end)
            .exclude(status__in=[ConferenceStatus.CANCELLED, ConferenceStatus.DRAFT])
            .order_by("start", "pk")
            .values("pk", "kind", "status", "start")
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
        categories = defaultdict(set)
        for invitation in (
            Invitation.objects.filter(conference_id__in=held_ids)
            .filter(
                Q(sent_at__isnull=False)
                | Q(state__in=["accepted", "tentative", "declined", "delegated"])
            )
            .values("conference_id", "agency__category")
            .distinct()
        ):
            categories[invitation["conference_id"]].add(invitation["agency__category"])
        covered = defaultdict(set)
        for item in (
            AgendaItem.objects.filter(conference_id__in=held_ids, topic__isnull=False)
            .values("conference_id", "topic__key")
            .distinct()
        ):
            covered[item["conference_id"]].add(item["topic__key"])
        # R7 (soft rule): exercises with a police liaison officer, and Hospitationen, per year.
        exercises = {
            (row["authority_id"], row["date__year"]): row["n"]
            for row in Exercise.objects.filter(
                date__year__gte=years[0],
                date__year__lte=years[-1],
                liaison_took_part=True,
                date__lte=as_of,
            )
            .values("authority_id", "date__year")
            .annotate(n=Count("pk"))
            .order_by()
        }
        hospitations = {
            (row["authority_id"], row["start_date__year"]): row["n"]
            for row in Hospitation.objects.filter(
                start_date__year__gte=years[0],
                start_date__year__lte=years[-1],
                start_date__lte=as_of,
            )
            .values("authority_id", "start_date__year")
            .annotate(n=Count("pk"))
            .order_by()
        }

    by_authority_year: dict[tuple[int, int], list[_ConferenceRow]] = defaultdict(list)
    for conference in conferences:
        year = timezone.localtime(conference["start"], tz).year
        for authority_id in hosts[conference["pk"]]:
            by_authority_year[(authority_id, year)].append(conference)

    held_set = set(held_ids)
    records = []
    for authority in authority_list:
        for year in years:
            own = by_authority_year.get((authority.pk, year), [])
            year_over = as_of > date(year, 12, 31)

            def held(kind: str, own: list[_ConferenceRow] = own) -> list[_ConferenceRow]:
                return [c for c in own if c["kind"] == kind and c["pk"] in held_set]

            def scheduled(kind: str, own: list[_ConferenceRow] = own) -> bool:
                return any(c["kind"] == kind and c["pk"] not in held_set for c in own)

            siko_held = held(ConferenceKind.SIKO)
            ap_held = held(ConferenceKind.SIKO_AP)
            invited = set().union(*(categories[c["pk"]] for c in siko_held)) if siko_held else set()
            topics_done = (
                set().union(*(covered[c["pk"]] for c in siko_held)) if siko_held else set()
            )
            missing = [c.value for c in DECREE_CATEGORIES if c.value not in invited]
            missing_required = [
                c for c in missing if c not in {o.value for o in OCCASIONAL_CATEGORIES}
            ]
            ap_required = authority.has_autobahnpolizei
            record = ComplianceRecord(
                authority=authority.slug,
                authority_name=authority.short_name,
                year=year,
                as_of=as_of.isoformat(),
                siko_held=bool(siko_held),
                siko_dates=sorted(
                    timezone.localtime(c["start"], tz).date().isoformat() for c in siko_held
                ),
                siko_scheduled=scheduled(ConferenceKind.SIKO),
                siko_ap_required=ap_required,
                siko_ap_held=bool(ap_held),
                siko_ap_scheduled=scheduled(ConferenceKind.SIKO_AP),
                siko_ap_status=_status(
                    held=bool(ap_held),
                    scheduled=scheduled(ConferenceKind.SIKO_AP),
                    year_over=year_over,
                )
                if ap_required
                else None,
                categories_invited=sorted(invited & {c.value for c in DECREE_CATEGORIES}),
                categories_missing=missing,
                categories_missing_required=missing_required,
                topics_covered=[t for t in topics if t in topics_done],
                topics_missing=[t for t in topics if t not in topics_done],
                exercise_participation=exercises.get((authority.pk, year), 0),
                hospitations=hospitations.get((authority.pk, year), 0),
                status=_status(
                    held=bool(siko_held),
                    scheduled=scheduled(ConferenceKind.SIKO),
                    year_over=year_over,
                ),
                held_siko_ids=[c["pk"] for c in siko_held],
                held_siko_ap_ids=[c["pk"] for c in ap_held],
            )
            if siko_held and set(missing) - set(missing_required):
                record.notices.append(
                    "Staatsanwaltschaft oder Gericht nicht eingeladen (nach Anlass)"
                )
            records.append(record)
    return records
