"""The yearly LZPD report (DESIGN R8, §6): data from the single compliance computation, as PDF.

`collect_report_data` gathers the figures – the judged calendar year (default Y-1, evaluated as of
1 January of the year after it), the year before it for comparison, the last years for the chart,
and the state of year Y on the day of generation – always through
`reports.compliance.compute_compliance`, never a copy of its rules. Participation per partner
category and agreed actions are added for exactly the SiKos that computation counts as held: in
each authority's row a joint SiKo counts for every co-host, in the state-wide totals once.
The result is a plain, JSON-serialisable dict: the workflow stores it as the report's snapshot
and renders the final version from it.

`annual_report_html` and `authority_part_html` turn that dict into the HTML of the report;
`render_annual_report` and `render_authority_part` are pure too: they set that HTML as PDF bytes
with WeasyPrint (static files only, see siko.pdf), as PDF/A-2a – archival (ISO 19005-2) and
tagged for assistive technology (level A: structure tree, language, document title).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext_noop
from django_scopes import scopes_disabled

from authorities.enums import DECREE_CATEGORIES, PartnerCategory
from authorities.models import Authority, ComparisonGroup
from conferences.enums import ANSWERED_STATES, InvitationState
from conferences.models import Conference, Invitation, MandatedTopic
from cooperations.selectors import CooperationFigures, cooperation_figures
from followup.models import ACTIVE_ACTION_STATES, Action, ActionState
from practices.selectors import published_in_year
from reports.charts import Bar, share_columns_svg, share_rows_svg
from reports.compliance import STATUS_LABELS, ComplianceRecord, ComplianceStatus, compute_compliance
from reports.outline import DEFAULT_OUTLINE, clean_outline, section_title
from reports.selectors import comparison_sets, share, years_ending
from siko.collation import german
from siko.pdf import StaticFilesFetcher, html_to_pdf

TITLE = "Bericht zur Durchführung der Sicherheitskonferenzen"
#: Years shown in the chart "share of authorities with a held SiKo" (never before the decree).
HISTORY_YEARS = 5
#: PDF/A-2, level A: archival, and tagged (structure tree, /Lang, /MarkInfo, document title),
#: which is what accessibility needs. WeasyPrint writes one variant per file, so PDF/A and PDF/UA
#: cannot both be declared; level A of PDF/A carries the same tagging as its "pdf/ua-1". PDF/A-2
#: rather than -3: the report embeds no files, and public archives accept PDF/A-2 most widely.
PDF_VARIANT = "pdf/a-2a"

Progress = Callable[[int, str], None]


class UnknownAuthority(KeyError):
    """The report has no row for this authority slug."""


# German notation ---------------------------------------------------------------------------


def german_day(value: date | str) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value)
    with translation.override("de"):
        return dateformat.format(value, "j. F Y")


def short_date(value: date | str) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return value.strftime("%d.%m.%Y")


def german_number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def german_percent(share: float | None) -> str:
    """0.125 -> "12,5 %", 0.5 -> "50 %", None -> "–" (no-break space before the sign)."""
    if share is None:
        return "–"
    text = f"{share * 100:.1f}".replace(".", ",")
    if text.endswith(",0"):
        text = text[:-2]
    return f"{text}\u00a0%"


# Figures ----------------------------------------------------------------------------------


def _summary(records: Iterable[ComplianceRecord], totals: dict | None = None) -> dict:
    """Counts over a set of authority-year records; `totals` (from `_state_totals`) adds the
    participation and actions of their held SiKos, each conference once. A year before an
    authority used SiKo ("nicht erfasst") is counted apart and left out of every share."""
    given = list(records)
    records = [r for r in given if r.recorded]
    ap_required = [r for r in records if r.siko_ap_required]
    counts = {
        "authorities": len(records),
        "not_recorded": len(given) - len(records),
        "siko_held": sum(r.siko_held for r in records),
        "siko_scheduled": sum(r.status == ComplianceStatus.SCHEDULED for r in records),
        "breach": sum(r.status == ComplianceStatus.BREACH for r in records),
        "ap_required": len(ap_required),
        "ap_held": sum(r.siko_ap_held for r in ap_required),
        "exercises": sum(r.exercise_participation for r in records),
        "hospitations": sum(r.hospitations for r in records),
    }
    summary: dict[str, int | float | None] = {
        **counts,
        "share": share(counts["siko_held"], counts["authorities"]),
        "ap_share": share(counts["ap_held"], counts["ap_required"]),
    }
    if totals is not None:
        for key in ("invited", "answered", "present"):
            summary[key] = sum(p[key] for p in totals["participation"])
        summary["actions_agreed"] = totals["actions_agreed"]
        summary["actions_done"] = totals["actions_done"]
    return summary


def _state_totals(
    records: Iterable[ComplianceRecord],
    invitations: dict[int, dict[str, dict[str, int]]],
    actions: dict[int, list[Mapping[str, Any]]],
) -> dict:
    """Participation per category and actions over the held SiKos of these records, each
    conference once: a joint SiKo counts for every co-host in its row, once in the totals."""
    siko_ids = sorted({pk for r in records for pk in r.siko_conference_ids})
    participation = [
        {
            "category": c.value,
            "label": str(c.label),
            **{
                name: sum(invitations.get(pk, {}).get(c.value, {}).get(name, 0) for pk in siko_ids)
                for name in ("invited", "answered", "present")
            },
        }
        for c in DECREE_CATEGORIES
    ]
    agreed = [action for pk in siko_ids for action in actions.get(pk, [])]
    return {
        "participation": participation,
        "actions_agreed": len(agreed),
        "actions_done": sum(action["state"] == ActionState.DONE for action in agreed),
    }


def _empty_figures() -> dict:
    return {
        "participation": [
            {"category": c.value, "label": str(c.label), "invited": 0, "answered": 0, "present": 0}
            for c in DECREE_CATEGORIES
        ],
        "actions_agreed": 0,
        "actions_done": 0,
        "actions_open": 0,
        "action_items": [],
        "sikos": [],
        "aps": [],
    }


def _held_conferences(
    records: Iterable[ComplianceRecord],
) -> dict[tuple[str, int], dict[str, list[dict]]]:
    """The SiKos and Siko-APs that compute_compliance counted as held, per (authority slug,
    year), with day and title, in order of start. One query."""
    records = [r for r in records if r.siko_conference_ids or r.siko_ap_conference_ids]
    ids = {pk for r in records for pk in (*r.siko_conference_ids, *r.siko_ap_conference_ids)}
    tz = timezone.get_default_timezone()
    with scopes_disabled():
        conferences = {
            c["pk"]: {
                "pk": c["pk"],
                "date": timezone.localtime(c["start"], tz).date().isoformat(),
                "title": c["title"],
                # A conference entered afterwards (Konferenz nachtragen) shows the day it was.
                "entered_on": (
                    timezone.localtime(c["created"], tz).date().isoformat()
                    if c["entered_afterwards"]
                    else ""
                ),
            }
            for c in Conference.objects.filter(pk__in=ids).values(
                "pk", "title", "start", "entered_afterwards", "created"
            )
        }
    return {
        (r.authority, r.year): {
            "sikos": [conferences[pk] for pk in r.siko_conference_ids],
            "aps": [conferences[pk] for pk in r.siko_ap_conference_ids],
        }
        for r in records
    }


def _invitation_counts(conference_ids: list[int]) -> dict[int, dict[str, dict[str, int]]]:
    """Per conference and partner category: invited, answered, present (one query).

    Invited and present as in followup.minutes.attendance_summary (every invitation that
    was sent, i.e. not pending; present = attendance recorded as present); answered = accepted,
    tentative, declined or delegated (conferences.enums.ANSWERED_STATES)."""
    counts: dict[int, dict[str, dict[str, int]]] = defaultdict(dict)
    with scopes_disabled():
        grouped = (
            Invitation.objects.filter(conference_id__in=conference_ids)
            .exclude(state=InvitationState.PENDING)
            .order_by()
            .values("conference_id", "agency__category")
            .annotate(
                invited=Count("pk", distinct=True),
                answered=Count("pk", distinct=True, filter=Q(state__in=ANSWERED_STATES)),
                present=Count("pk", distinct=True, filter=Q(attended=True)),
            )
        )
        for row in grouped:
            counts[row["conference_id"]][row["agency__category"]] = {
                "invited": row["invited"],
                "answered": row["answered"],
                "present": row["present"],
            }
    return counts


def _actions(conference_ids: list[int]) -> dict[int, list[Mapping[str, Any]]]:
    """The agreed actions of these conferences (one query)."""
    actions: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    with scopes_disabled():
        rows = (
            Action.objects.filter(conference_id__in=conference_ids)
            .order_by("due_date", "pk")
            .values(
                "pk",
                "conference_id",
                "text",
                "state",
                "due_date",
                "owner_is_police",
                "owner_agency__name",
                "conference__host__short_name",
            )
        )
        for row in rows:
            actions[row["conference_id"]].append(row)
    return actions


def _figures(
    held: dict[tuple[str, int], dict[str, list[dict]]],
    invitations: dict[int, dict[str, dict[str, int]]],
    actions: dict[int, list[Mapping[str, Any]]],
) -> dict[tuple[str, int], dict]:
    """Participation and actions per (authority, year), summed over its held SiKos; a joint
    SiKo counts for each co-host."""
    state_labels = dict(ActionState.choices)
    figures = {}
    for key, entry in held.items():
        result = _empty_figures()
        result["sikos"], result["aps"] = entry["sikos"], entry["aps"]
        for item in result["participation"]:
            for conference in entry["sikos"]:
                counts = invitations.get(conference["pk"], {}).get(item["category"])
                if counts:
                    for name in ("invited", "answered", "present"):
                        item[name] += counts[name]
        for conference in entry["sikos"]:
            for action in actions.get(conference["pk"], []):
                result["actions_agreed"] += 1
                result["actions_done"] += action["state"] == ActionState.DONE
                result["actions_open"] += action["state"] in ACTIVE_ACTION_STATES
                result["action_items"].append(
                    {
                        "text": action["text"],
                        "owner": (
                            action["conference__host__short_name"]
                            if action["owner_is_police"]
                            else action["owner_agency__name"] or ""
                        ),
                        "due": short_date(action["due_date"]),
                        "state": action["state"],
                        "state_label": str(state_labels.get(action["state"], action["state"])),
                        "conference_date": short_date(conference["date"]),
                    }
                )
        figures[key] = result
    return figures


def _dates_with_titles(conferences: list[dict]) -> list[dict]:
    """Per day the titles; `entered_on` is the day a conference of that day was entered
    afterwards ("" for conferences planned in SiKo)."""
    by_day: dict[str, list[str]] = {}
    entered: dict[str, str] = {}
    for conference in conferences:
        by_day.setdefault(conference["date"], []).append(conference["title"])
        if conference.get("entered_on"):
            entered.setdefault(conference["date"], short_date(conference["entered_on"]))
    return [
        {"date": short_date(d), "iso": d, "titles": titles, "entered_on": entered.get(d, "")}
        for d, titles in by_day.items()
    ]


def _entered_afterwards(rows: list[dict]) -> list[dict]:
    """The judged year's conferences entered afterwards, per authority (the methods annex)."""
    return [
        {"name": row["name"], "kind": kind, **day}
        for row in rows
        for kind, days in (("SiKo", row["siko_dates"]), ("Siko-AP", row["siko_ap_dates"]))
        for day in days
        if day.get("entered_on")
    ]


def _row(
    record: ComplianceRecord,
    authority: Authority,
    topic_titles: dict[str, str],
    figures: dict,
    now: ComplianceRecord | None,
) -> dict:
    categories = [str(PartnerCategory(c).label) for c in record.categories_invited]
    missing = [str(PartnerCategory(c).label) for c in record.categories_missing_required]
    return {
        "slug": record.authority,
        "name": record.authority_name,
        "official_name": authority.official_name,
        "regierungsbezirk": authority.regierungsbezirk,
        "comparison_group": authority.comparison_group.name if authority.comparison_group else "",
        "siko_count": len(record.siko_dates),
        "siko_dates": _dates_with_titles(figures["sikos"]),
        "siko_ap": (
            STATUS_LABELS[record.siko_ap_status] if record.siko_ap_status else "nicht erforderlich"
        ),
        "siko_ap_required": record.siko_ap_required,
        "siko_ap_dates": _dates_with_titles(figures["aps"]),
        "categories_invited": categories,
        "categories_missing": missing,
        "participation": figures["participation"],
        "topics_covered": [topic_titles.get(t, t) for t in record.topics_covered],
        "topics_missing": [topic_titles.get(t, t) for t in record.topics_missing],
        "actions_agreed": figures["actions_agreed"],
        "actions_done": figures["actions_done"],
        "actions_open": figures["actions_open"],
        "action_items": figures["action_items"],
        "exercises": record.exercise_participation,
        "hospitations": record.hospitations,
        "status": record.status,
        "status_label": STATUS_LABELS[record.status],
        "notices": list(record.notices),
        "current_status": now.status if now else "",
        "current_status_label": STATUS_LABELS[now.status] if now else "–",
        "current_dates": [short_date(d) for d in now.siko_dates] if now else [],
    }


def _comparison_groups(
    authorities: list[Authority],
    groups: list[ComparisonGroup],
    records: dict[tuple[str, int], ComplianceRecord],
    period_year: int,
    comparison_year: int,
) -> list[dict]:
    """The comparison groups side by side (as on the state dashboard: each group, the
    authorities without one, and NRW as a whole), for the judged year and the year before."""

    def measure(name: str, kind: str, members: list[Authority]) -> dict:
        now = _summary(records[(a.slug, period_year)] for a in members)
        before = _summary(records[(a.slug, comparison_year)] for a in members)
        return {
            "name": name,
            "kind": kind,
            "authorities": now["authorities"],
            "members": [a.short_name for a in members] if kind != "total" else [],
            "siko_held": now["siko_held"],
            "share": now["share"],
            "ap_required": now["ap_required"],
            "ap_held": now["ap_held"],
            "exercises": now["exercises"],
            "hospitations": now["hospitations"],
            "comparison_siko_held": before["siko_held"],
            "comparison_share": before["share"],
        }

    return [
        measure(name, kind, members)
        for name, kind, _group, members in comparison_sets(authorities, groups)
    ]


def _cooperation_totals(figures: Mapping[int, CooperationFigures]) -> dict[str, int]:
    return {
        "cooperations_active": sum(f.active for f in figures.values()),
        "cooperations_new": sum(f.new for f in figures.values()),
    }


def collect_report_data(
    year: int,
    *,
    period_year: int | None = None,
    as_of: date | None = None,
    progress: Progress | None = None,
) -> dict:
    """Figures of the report for year `year` (DESIGN §1): the judged calendar year
    `period_year` (default Y-1) as of 1 January after it, the year before for comparison, the
    last years for the chart, and the state of `year` as of `as_of` (default: today).

    The number of queries is constant in the number of authorities, conferences and years.
    The result contains only JSON types (str, int, float, bool, None, list, dict)."""
    as_of = as_of or timezone.localdate()
    period_year = year - 1 if period_year is None else period_year
    comparison_year = period_year - 1
    evaluated = date(period_year + 1, 1, 1)
    history_years = years_ending(period_year, HISTORY_YEARS)

    def step(percent: int, text: str) -> None:
        if progress is not None:
            progress(percent, text)

    with translation.override("de"):
        step(10, gettext_noop("Kennzahlen berechnen"))
        with scopes_disabled():
            authorities = list(
                Authority.objects.select_related("comparison_group").order_by(
                    german("short_name"), "slug"
                )
            )
            groups = list(ComparisonGroup.objects.order_by(german("name")))
            topic_titles = dict(MandatedTopic.objects.values_list("key", "title"))
        # Evaluated on 1 January after the judged year: it is over (a missing SiKo is a
        # breach), and nothing of a later year counts for it.
        past = compute_compliance(
            sorted({*history_years, comparison_year, period_year}),
            authorities=authorities,
            as_of=evaluated,
        )
        current = compute_compliance([year], authorities=authorities, as_of=as_of)
        records = {(r.authority, r.year): r for r in past}
        current_by_slug = {r.authority: r for r in current}

        step(40, gettext_noop("Beteiligung und Maßnahmen"))
        judged = [r for r in past if r.year in (comparison_year, period_year)]
        siko_ids = sorted({pk for r in judged for pk in r.siko_conference_ids})
        invitations = _invitation_counts(siko_ids)
        actions = _actions(siko_ids)
        figures = _figures(_held_conferences(judged), invitations, actions)
        period_totals = _state_totals(
            (records[(a.slug, period_year)] for a in authorities), invitations, actions
        )
        comparison_totals = _state_totals(
            (records[(a.slug, comparison_year)] for a in authorities), invitations, actions
        )

        step(60, gettext_noop("Vergleichsgruppen"))
        comparison_groups = _comparison_groups(
            authorities, groups, records, period_year, comparison_year
        )

        step(75, gettext_noop("Bericht zusammenstellen"))
        rows = [
            _row(
                records[(a.slug, period_year)],
                a,
                topic_titles,
                figures.get((a.slug, period_year)) or _empty_figures(),
                current_by_slug.get(a.slug),
            )
            for a in authorities
        ]
        # Cooperation structures (R6 topic 6): active ones and those begun in the year.
        with scopes_disabled():
            cooperations = cooperation_figures(period_year)
            cooperations_before = cooperation_figures(comparison_year)
        no_cooperation = CooperationFigures(active=0, new=0)
        for row, authority in zip(rows, authorities, strict=True):
            figures_of = cooperations.get(authority.pk, no_cooperation)
            row["cooperations_active"], row["cooperations_new"] = figures_of.active, figures_of.new
        history = []
        for history_year in history_years:
            summary = _summary(records[(a.slug, history_year)] for a in authorities)
            history.append(
                {
                    "year": history_year,
                    "authorities": summary["authorities"],
                    "not_recorded": summary["not_recorded"],
                    "siko_held": summary["siko_held"],
                    "share": summary["share"],
                }
            )
        return {
            "title": TITLE,
            "year": year,
            "period_year": period_year,
            "comparison_year": comparison_year,
            "period_start": german_day(date(period_year, 1, 1)),
            "period_end": german_day(date(period_year, 12, 31)),
            "evaluated_on": german_day(evaluated),
            "as_of": german_day(as_of),
            "as_of_iso": as_of.isoformat(),
            "categories": [{"category": c.value, "label": str(c.label)} for c in DECREE_CATEGORIES],
            "summary": {
                **_summary((records[(a.slug, period_year)] for a in authorities), period_totals),
                **_cooperation_totals(cooperations),
            },
            "comparison": {
                **_summary(
                    (records[(a.slug, comparison_year)] for a in authorities), comparison_totals
                ),
                **_cooperation_totals(cooperations_before),
            },
            # The state-wide row of the participation table: each joint SiKo once.
            "participation_totals": period_totals["participation"],
            "current": _summary(current),
            "history": history,
            "rows": rows,
            "breaches": [r for r in rows if r["status"] == ComplianceStatus.BREACH],
            "comparison_groups": comparison_groups,
            # The state-wide exchange of experience (R8): good practice published in the year.
            "practices": published_in_year(period_year),
            # The mandated topics in force in the judged year (each record lists all of them).
            "topic_count": next(
                (
                    len(r.topics_covered) + len(r.topics_missing)
                    for r in past
                    if r.year == period_year
                ),
                0,
            ),
        }


# Rendering --------------------------------------------------------------------------------

#: Section key -> its template under templates/reports/pdf/annual/.
SECTION_TEMPLATES = {
    "summary": "reports/pdf/annual/summary.html",
    "chart": "reports/pdf/annual/chart.html",
    "authorities": "reports/pdf/annual/authorities.html",
    "participation": "reports/pdf/annual/participation.html",
    "actions": "reports/pdf/annual/actions.html",
    "breaches": "reports/pdf/annual/breaches.html",
    "comparison_groups": "reports/pdf/annual/comparison_groups.html",
    "methods": "reports/pdf/annual/methods.html",
}
#: Sections whose tables need the width of a landscape page.
WIDE_SECTIONS = {"authorities", "participation"}


def _percent_texts(figures: dict) -> dict:
    """A copy of a summary-like dict with German texts for its shares."""
    texts = dict(figures)
    for key in ("share", "ap_share", "comparison_share"):
        if key in figures:
            texts[f"{key}_text"] = german_percent(figures[key])
    if "actions_agreed" in figures:
        texts["actions_done_share_text"] = german_percent(
            share(figures["actions_done"], figures["actions_agreed"])
        )
    return texts


def _history_chart(data: dict) -> str:
    bars = [
        Bar(str(h["year"]), h["share"], f"{h['siko_held']} von {h['authorities']} Behörden")
        for h in data["history"]
    ]
    return share_columns_svg(
        bars,
        chart_id="chart-history",
        title=f"Anteil der Kreispolizeibehörden mit durchgeführter SiKo "
        f"{data['history'][0]['year']}–{data['history'][-1]['year']}",
        description="Säulen je Kalenderjahr; dieselben Zahlen stehen in der Tabelle darunter.",
    )


def _groups_chart(data: dict) -> str:
    bars = [
        Bar(g["name"], g["share"], f"{g['siko_held']} von {g['authorities']} Behörden")
        for g in data["comparison_groups"]
    ]
    return share_rows_svg(
        bars,
        chart_id="chart-groups",
        title=f"Anteil mit durchgeführter SiKo {data['period_year']} nach Vergleichsgruppe",
        description="Balken je Vergleichsgruppe; dieselben Zahlen stehen in der Tabelle.",
    )


def _context(data: dict, *, draft: bool, version: int, status_label: str) -> dict:
    rows = []
    for row in data["rows"]:
        shown = dict(row)
        shown["actions_done_share_text"] = german_percent(
            share(row["actions_done"], row["actions_agreed"])
        )
        rows.append(shown)
    # Snapshots taken before "participation_totals" existed keep the figures they were agreed
    # with: the sum of the rows.
    totals = data.get("participation_totals") or [
        {
            "label": c["label"],
            **{
                name: sum(
                    p[name]
                    for r in data["rows"]
                    for p in r["participation"]
                    if p["category"] == c["category"]
                )
                for name in ("invited", "answered", "present")
            },
        }
        for c in data["categories"]
    ]
    return {
        **data,
        "rows": rows,
        "summary": _percent_texts(data["summary"]),
        "comparison": _percent_texts(data["comparison"]),
        "current": _percent_texts(data["current"]),
        "history": [_percent_texts(h) for h in data["history"]],
        "comparison_groups": [_percent_texts(g) for g in data["comparison_groups"]],
        "participation_totals": totals,
        "entered_afterwards": _entered_afterwards(rows),
        "draft": draft,
        "version": version,
        "status_label": status_label,
    }


def annual_report_html(
    data: dict,
    *,
    outline: list[dict] | None = None,
    draft: bool = True,
    version: int = 1,
    status_label: str = "Entwurf",
    outline_agreement: dict[str, str] | None = None,
) -> str:
    """The report as the HTML that WeasyPrint sets: the cover, then the outline's sections in
    its order, each with its introductory text (plain text). Pure; OutlineError for a section
    the outline does not know. `outline_agreement` ({"agreed_on", "agreed_by"}, empty while not
    agreed; None: not said) is named in the methods annex."""
    with translation.override("de"):
        sections = [
            {
                "key": entry["key"],
                "title": section_title(entry["key"]),
                "intro": entry["intro"],
                "template": SECTION_TEMPLATES[entry["key"]],
                "wide": entry["key"] in WIDE_SECTIONS,
            }
            for entry in clean_outline(outline if outline is not None else DEFAULT_OUTLINE)
        ]
        context = _context(data, draft=draft, version=version, status_label=status_label)
        keys = {s["key"] for s in sections}
        if "chart" in keys and data["history"]:
            context["history_chart"] = _history_chart(data)
        if "comparison_groups" in keys and data["comparison_groups"]:
            context["groups_chart"] = _groups_chart(data)
        context["outline_agreement"] = outline_agreement
        return render_to_string("reports/pdf/annual_report.html", {**context, "sections": sections})


def render_annual_report(
    data: dict,
    *,
    outline: list[dict] | None = None,
    draft: bool = True,
    version: int = 1,
    status_label: str = "Entwurf",
    fetcher: StaticFilesFetcher | None = None,
    outline_agreement: dict[str, str] | None = None,
) -> bytes:
    """The report (`annual_report_html`) as PDF/A bytes. Pure apart from WeasyPrint (static
    files only)."""
    html = annual_report_html(
        data,
        outline=outline,
        draft=draft,
        version=version,
        status_label=status_label,
        outline_agreement=outline_agreement,
    )
    return report_html_to_pdf(html, fetcher=fetcher)


def report_html_to_pdf(html: str, *, fetcher: StaticFilesFetcher | None = None) -> bytes:
    """The report's HTML (`annual_report_html`) as PDF/A bytes."""
    return html_to_pdf(html, fetcher=fetcher, pdf_variant=PDF_VARIANT)


def authority_part_html(
    data: dict,
    slug: str,
    *,
    draft: bool = False,
    version: int = 1,
    status_label: str = "Endfassung",
) -> str:
    """The HTML of the part of the report about one authority (for its own staff), with the
    methods annex. UnknownAuthority (a KeyError) when the report has no row for `slug`."""
    row = next((r for r in data["rows"] if r["slug"] == slug), None)
    if row is None:
        raise UnknownAuthority(slug)
    with translation.override("de"):
        context = _context(
            {**data, "rows": [row]}, draft=draft, version=version, status_label=status_label
        )
        context["row"] = context["rows"][0]
        return render_to_string("reports/pdf/authority_part.html", context)


def render_authority_part(
    data: dict,
    slug: str,
    *,
    draft: bool = False,
    version: int = 1,
    status_label: str = "Endfassung",
    fetcher: StaticFilesFetcher | None = None,
) -> bytes:
    """The authority's part (`authority_part_html`) as PDF/A bytes; UnknownAuthority as there."""
    html = authority_part_html(data, slug, draft=draft, version=version, status_label=status_label)
    return html_to_pdf(html, fetcher=fetcher, pdf_variant=PDF_VARIANT)
