"""The yearly LZPD report (DESIGN R8, §6): data from the single compliance computation, as PDF.

`collect_report_data` gathers the figures – calendar year Y-1 complete (as of 31 December Y-1),
the year before for comparison, and the state of year Y on the day of generation – always through
`reports.compliance.compute_compliance`, never a copy of its rules. `render_annual_report` is
pure: it turns that dict into PDF bytes with WeasyPrint (static files only, see siko.pdf).
"""

from collections import defaultdict
from datetime import date, datetime

from django.template.loader import render_to_string
from django.utils import dateformat, timezone, translation
from django_scopes import scopes_disabled

from authorities.enums import PartnerCategory
from conferences.enums import ConferenceKind, ConferenceStatus
from conferences.models import Conference, MandatedTopic
from siko.pdf import StaticFilesFetcher, html_to_pdf

from .compliance import STATUS_LABELS, ComplianceRecord, ComplianceStatus, compute_compliance

TITLE = "Bericht zur Durchführung der Sicherheitskonferenzen"


def german_day(value: date | str) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value)
    with translation.override("de"):
        return dateformat.format(value, "j. F Y")


def short_date(value: date | str) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return value.strftime("%d.%m.%Y")


def _summary(records: list[ComplianceRecord]) -> dict:
    ap_required = [r for r in records if r.siko_ap_required]
    return {
        "authorities": len(records),
        "siko_held": sum(r.siko_held for r in records),
        "siko_scheduled": sum(
            r.status == ComplianceStatus.SCHEDULED for r in records
        ),
        "breach": sum(r.status == ComplianceStatus.BREACH for r in records),
        "ap_required": len(ap_required),
        "ap_held": sum(r.siko_ap_held for r in ap_required),
        "exercises": sum(r.exercise_participation for r in records),
        "hospitations": sum(r.hospitations for r in records),
    }


def _siko_titles(year: int, cutoff_day: date) -> dict[str, dict[str, list[str]]]:
    """Titles of the held SiKos of `year` per authority slug and ISO date (two queries)."""
    tz = timezone.get_default_timezone()
    titles: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    with scopes_disabled():
        conferences = (
            Conference.objects.filter(
                kind=ConferenceKind.SIKO,
                status=ConferenceStatus.HELD,
                start__gte=datetime(year, 1, 1, tzinfo=tz),
                start__lt=datetime(year + 1, 1, 1, tzinfo=tz),
                start__date__lte=cutoff_day,
            )
            .prefetch_related("authorities")
            .only("pk", "title", "start")
        )
        for conference in conferences:
            day = timezone.localtime(conference.start, tz).date().isoformat()
            for authority in conference.authorities.all():
                titles[authority.slug][day].append(conference.title)
    return titles


def _row(record: ComplianceRecord, topic_titles: dict[str, str], titles: dict) -> dict:
    with translation.override("de"):
        categories = [str(PartnerCategory(c).label) for c in record.categories_invited]
        missing = [str(PartnerCategory(c).label) for c in record.categories_missing_required]
    return {
        "slug": record.authority,
        "name": record.authority_name,
        "siko_dates": [
            {"date": short_date(d), "titles": titles.get(d, [])} for d in record.siko_dates
        ],
        "siko_ap": (
            STATUS_LABELS[record.siko_ap_status] if record.siko_ap_status else "nicht erforderlich"
        ),
        "categories_invited": categories,
        "categories_missing": missing,
        "topics_covered": [topic_titles.get(t, t) for t in record.topics_covered],
        "topics_missing": [topic_titles.get(t, t) for t in record.topics_missing],
        "exercises": record.exercise_participation,
        "hospitations": record.hospitations,
        "status": record.status,
        "status_label": STATUS_LABELS[record.status],
        "notices": list(record.notices),
    }


def collect_report_data(year: int, *, as_of: date | None = None) -> dict:
    """Figures of the report for year `year` (DESIGN §1): Y-1 complete, Y-2 for comparison,
    and the state of Y as of `as_of` (default: today). A constant number of queries."""
    as_of = as_of or timezone.localdate()
    previous = year - 1
    year_end = date(previous, 12, 31)
    # Evaluated on 1 January of Y: the year Y-1 is over (a missing SiKo is a breach), and no
    # conference, exercise or Hospitation of Y counts for Y-1 or Y-2.
    past = compute_compliance([previous - 1, previous], as_of=date(year, 1, 1))
    current = compute_compliance([year], as_of=as_of)
    with scopes_disabled():
        topic_titles = dict(MandatedTopic.objects.values_list("key", "title"))
    titles = _siko_titles(previous, year_end)
    by_year: dict[int, list[ComplianceRecord]] = defaultdict(list)
    for record in past:
        by_year[record.year].append(record)
    current_status = {r.authority: r for r in current}
    rows = []
    for record in by_year[previous]:
        row = _row(record, topic_titles, titles.get(record.authority, {}))
        now = current_status.get(record.authority)
        row["current_status_label"] = STATUS_LABELS[now.status] if now else "–"
        row["current_dates"] = [short_date(d) for d in now.siko_dates] if now else []
        rows.append(row)
    return {
        "title": TITLE,
        "year": year,
        "period_year": previous,
        "comparison_year": previous - 1,
        "period_start": german_day(date(previous, 1, 1)),
        "period_end": german_day(year_end),
        "as_of": german_day(as_of),
        "summary": _summary(by_year[previous]),
        "comparison": _summary(by_year[previous - 1]),
        "current": _summary(current),
        "rows": rows,
        "breaches": [r for r in rows if r["status"] == ComplianceStatus.BREACH],
        "topic_count": len(topic_titles),
    }


def render_annual_report(
    data: dict, *, draft: bool = True, fetcher: StaticFilesFetcher | None = None
) -> bytes:
    """The report as PDF bytes; pure apart from WeasyPrint (which fetches static files only)."""
    html = render_to_string("reports/pdf/annual_report.html", {**data, "draft": draft})
    return html_to_pdf(html, fetcher=fetcher)
