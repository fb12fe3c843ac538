"""The compliance dashboards: a KPB's start page, the state view of all 47 authorities, and the
comparison groups. Every figure comes from `reports.compliance.compute_compliance`."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView
from django.views.generic.base import ContextMixin

from authorities.models import Authority, ComparisonGroup
from authorities.requests import AuthenticatedHttpRequest
from conferences.models import Conference
from followup.actions import action_summary
from reports import charts, page_cache, selectors, state_table
from reports.comparison_groups import (
    ComparisonGroupError,
    create_comparison_group,
    delete_comparison_group,
    update_comparison_group,
)
from reports.forms.state import ComparisonGroupForm, DashboardYearForm, StateFilterForm
from reports.reminders import SIKO_AP_YEARLY, sent_reminders
from reports.selectors import FIRST_YEAR
from siko.collation import german
from siko.spreadsheet import CONTENT_TYPES
from siko.views_base import SikoPermissionMixin


class StateView(SikoPermissionMixin, TemplateView):
    """All authorities × the last years as a matrix, the share compliant per year, the groups."""

    request: AuthenticatedHttpRequest
    permission_required = "reports.view_state"
    template_name = "reports/state.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The whole page per query string (in the key), day and viewer.
        return page_cache.cached_page(
            request,
            "state",
            (timezone.localdate().isoformat(),),
            lambda: super(StateView, self).get(request, *args, **kwargs),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        viewer = {
            "can_change_groups": user.has_perm("reports.change_comparison_groups"),
            "can_resend_mail": user.has_perm("notifications.resend_mail"),
        }
        # The body is the same for every viewer with these permissions: no authority's own view.
        # The comparison groups are in the data version's tables (reports.data_version).
        key = (
            sorted(self.request.GET.lists()),
            timezone.localdate().isoformat(),
            sorted(viewer.items()),
        )
        html = page_cache.cached_html(
            "state",
            key,
            lambda: {
                "body": render_to_string(
                    "reports/_state_body.html",
                    {**self._body_context(_groups()), **viewer},
                    request=self.request,
                )
            },
        )
        return super().get_context_data(body=html["body"], **kwargs)

    def _body_context(self, groups: list[ComparisonGroup]) -> dict[str, Any]:
        matrix = _state_matrix(self.request, groups=groups)
        overview, filters, sort = matrix.overview, matrix.filters, matrix.sort
        # One reverse() per authority instead of one per cell: the matrix has up to 470 cells.
        for row in overview.rows:
            row.url = reverse("reports:authority_dashboard", args=[row.authority.slug])
            for cell in row.cells:
                cell.href = f"{row.url}?jahr={cell.year}#konferenzen"
        year_chart = charts.share_columns_svg(
            [
                charts.Bar(
                    label=f"{s.year}*" if s.running else str(s.year),
                    share=s.share,
                    hint=_("%(compliant)s von %(total)s Behörden")
                    % {"compliant": s.compliant, "total": s.total},
                )
                for s in overview.summaries
            ],
            chart_id="chart-years",
            title=_("Anteil der Behörden mit erfüllter Jahrespflicht je Jahr"),
            description=_(
                "Säulendiagramm: je Jahr der Anteil der gezeigten Behörden, die mindestens eine "
                "Sicherheitskonferenz durchgeführt haben. Das laufende Jahr ist mit * markiert. "
                "Die Zahlen stehen auch in der Tabelle unter dem Diagramm."
            ),
        )
        group_chart = charts.share_rows_svg(
            [
                charts.Bar(
                    label=g.name,
                    share=g.share,
                    hint=_("%(compliant)s von %(total)s Behörden")
                    % {"compliant": g.compliant, "total": g.total},
                )
                for g in overview.group_shares
            ],
            chart_id="chart-groups",
            title=_("Vergleichsgruppen %(year)s: Anteil mit erfüllter Jahrespflicht")
            % {"year": overview.comparison_year},
            description=_(
                "Balkendiagramm: je Vergleichsgruppe der Anteil der Behörden, die im Jahr "
                "%(year)s mindestens eine Sicherheitskonferenz durchgeführt haben. Die Zahlen "
                "stehen auch in der Tabelle neben dem Diagramm."
            )
            % {"year": overview.comparison_year},
        )
        return dict(
            form=matrix.form,
            overview=overview,
            rows=matrix.rows,
            year_columns=[
                (summary, sort.toggled(str(summary.year)), sort.aria(str(summary.year)))
                for summary in reversed(overview.summaries)
            ],
            name_sort=sort.toggled(state_table.BY_NAME),
            name_aria=sort.aria(state_table.BY_NAME),
            quick_years=[max(FIRST_YEAR, overview.as_of.year - 1), overview.as_of.year],
            without_siko=state_table.WITHOUT_SIKO,
            status_filter=filters["status"],
            status_label=dict(state_table.STATUS_FILTER_CHOICES)[filters["status"]],
            status_year=filters["status_year"],
            sorted_by_year=sort.column != state_table.BY_NAME,
            year_chart=year_chart,
            group_chart=group_chart,
            groups=matrix.groups,
            entered=selectors.entered_afterwards(overview.years),
            filtered=bool(
                filters["regierungsbezirk"]
                or filters["kind"]
                or filters["group"]
                or filters["status"]
            ),
        )


@dataclass
class _StateMatrix:
    form: StateFilterForm
    filters: dict[str, Any]
    groups: list[ComparisonGroup]
    overview: selectors.StateOverview
    rows: list[selectors.MatrixRow]  # narrowed to the status filter and sorted
    sort: state_table.Sort


def _groups() -> list[ComparisonGroup]:
    return list(ComparisonGroup.objects.order_by(german("name")))


def _state_matrix(
    request: HttpRequest, *, groups: list[ComparisonGroup] | None = None
) -> _StateMatrix:
    """The filters of the query string and the matrix they select: the page and its exports show
    the same rows. The status filter narrows the matrix only; the shares keep all authorities of
    the region, kind and group filters."""
    today = timezone.localdate()
    groups = _groups() if groups is None else groups
    form = StateFilterForm(request.GET or None, groups=groups, running_year=today.year)
    filters = form.filters()
    years = selectors.years_ending(today.year, filters["count"])
    if filters["status"] and filters["status_year"] < years[0]:
        years = selectors.years_ending(today.year, today.year - filters["status_year"] + 1)
    overview = selectors.state_overview(
        years=years,
        comparison_year=filters["comparison_year"],
        groups=groups,
        regierungsbezirk=filters["regierungsbezirk"],
        kind=filters["kind"],
        group=filters["group"],
        as_of=today,
    )
    sort = state_table.Sort.parse(filters["sort"], years)
    rows = state_table.filter_rows(
        overview.rows, status=filters["status"], year=filters["status_year"]
    )
    return _StateMatrix(form, filters, groups, overview, state_table.sort_rows(rows, sort), sort)


class StateExportView(SikoPermissionMixin, View):
    """The matrix as shown (filters, status, sorting) as CSV or XLSX, with German column names."""

    permission_required = "reports.view_state"
    RENDER = {"csv": state_table.state_csv, "xlsx": state_table.state_xlsx}

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        fmt = self.kwargs["fmt"]
        render, content_type = self.RENDER[fmt], CONTENT_TYPES[fmt]
        matrix = _state_matrix(request)
        name = f"lagebild-{matrix.overview.as_of:%Y-%m-%d}"
        if matrix.filters["status"] == state_table.WITHOUT_SIKO:
            name = f"lagebild-ohne-siko-{matrix.filters['status_year']}"
        response = HttpResponse(
            render(matrix.rows, matrix.overview.years), content_type=content_type
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
        response["Cache-Control"] = "private, no-store"
        return response


class AuthorityDashboardView(SikoPermissionMixin, TemplateView):
    """A KPB's start page: its state in the running (or chosen) year and what is still missing.

    Without a slug it shows the user's own authority; state bodies and administrators without an
    authority go to the state view instead.
    """

    request: AuthenticatedHttpRequest
    permission_required = "reports.view_authority_dashboard"
    template_name = "reports/authority.html"
    _authority: Authority | None  # set by the first get_authority()
    _next_until: str  # until when the next conference's card holds ("" until the next write)

    def get_authority(self) -> Authority | None:
        if not hasattr(self, "_authority"):
            slug = self.kwargs.get("slug")
            if slug:
                # Scoped: another KPB's authority is not found (404).
                self._authority = get_object_or_404(Authority, slug=slug)
            elif self.request.user.authority_id:
                # The user's own: loaded once per request for the user and the page together.
                self._authority = self.request.user.authority
            else:
                self._authority = None
        return self._authority

    def get_permission_object(self) -> Authority | None:
        return self.get_authority()

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        authority = self.get_authority()
        if authority is None:
            return redirect("reports:state")
        # The whole page per authority, day and viewer; the next conference's card holds until
        # that conference starts (then the page renders afresh, the card from its own cache).
        self._next_until = ""
        return page_cache.cached_page(
            request,
            "authority",
            (authority.pk, timezone.localdate().isoformat()),
            lambda: super(AuthorityDashboardView, self).get(request, *args, **kwargs),
            until=lambda: datetime.fromisoformat(self._next_until) if self._next_until else None,
            now=_now,
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        today = timezone.localdate()
        form = DashboardYearForm(self.request.GET or None, running_year=today.year)
        year = form.year()
        if form.is_bound and form.errors:
            messages.warning(
                self.request,
                _("Das Jahr „%(value)s“ gibt es hier nicht; gezeigt wird %(year)s.")
                % {"value": self.request.GET.get("jahr", ""), "year": today.year},
            )
        authority = self.get_authority()
        assert authority is not None  # get() redirects when there is none
        user = self.request.user
        viewer = {
            "own": user.authority_id == authority.pk,
            "can_view_state": user.has_perm("reports.view_state"),
            "can_add": user.has_perm("conferences.add_conference"),
            "can_view_group_figures": user.has_perm("reports.view_group_figures"),
        }
        # Per authority, year, day and what the viewer may do: never another KPB's or role's page.
        key = (
            authority.pk,
            year,
            today.isoformat(),
            user.organisation_kind,
            sorted(viewer.items()),
        )

        def render() -> dict[str, str]:
            dashboard = selectors.authority_dashboard(authority, year=year, as_of=today)
            context = {
                "dashboard": dashboard,
                "authority": dashboard.authority,
                "record": dashboard.record,
                "action_summary": action_summary(authority, today=today),
                **viewer,
            }
            html = {
                part: render_to_string(template, context, request=self.request)
                for part, template in _AUTHORITY_PARTS.items()
            }
            return {**html, **_next_card(authority, dashboard.next_conference)}

        html = page_cache.cached_html("authority", key, render)
        next_card, self._next_until = _current_next_card(
            authority, html["next"], html["next_until"]
        )
        return super().get_context_data(
            top=html["top"],
            next=next_card,
            actions=html["actions"],
            past=html["past"],
            authority=authority,
            **viewer,
            **kwargs,
        )


#: The parts of a KPB's start page that come from the cache with the next conference's card.
_AUTHORITY_PARTS = {
    "top": "reports/_authority_top.html",
    "actions": "reports/_authority_actions.html",
    "past": "reports/_authority_past.html",
}
#: Cached cards of later next conferences read before the card is rendered afresh.
_NEXT_CARD_HOPS = 3


def _now() -> datetime:
    """The clock the next conference's card is checked against (a test moves it alone)."""
    return timezone.now()


def _current_next_card(authority: Authority, card: str, until: str) -> tuple[str, str]:
    """`card` while it holds (until its conference starts); afterwards the card of the next one
    from now on, itself cached under the start it follows, or rendered afresh after a few. With
    the card: until when it holds ("" until the next write)."""
    now = _now()
    for _hop in range(_NEXT_CARD_HOPS):
        if not until or now <= datetime.fromisoformat(until):
            return card, until
        later = page_cache.cached_html(
            "authority-next",
            (authority.pk, until),
            lambda: _next_card(authority, selectors.next_conference(authority, now=now)),
        )
        card, until = later["next"], later["next_until"]
    if not until or now <= datetime.fromisoformat(until):
        return card, until
    fresh = _next_card(authority, selectors.next_conference(authority, now=now))
    return fresh["next"], fresh["next_until"]


def _next_card(authority: Authority, conference: Conference | None) -> dict[str, str]:
    """The card of the authority's next conference (selectors.next_conference, found now) and
    until when it holds: the conference's start ("" without one, it holds until the next write).
    Until the start no later conference can come first, and any write replaces the data version."""
    html = render_to_string(
        "reports/_authority_next.html", {"authority": authority, "next_conference": conference}
    )
    return {"next": html, "next_until": conference.start.isoformat() if conference else ""}


# Comparison groups -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupWithMembers:
    """A comparison group and its authorities, for the list page."""

    group: ComparisonGroup
    members: list[Authority]

    @property
    def pk(self) -> int:
        return self.group.pk

    @property
    def name(self) -> str:
        return self.group.name


class ComparisonGroupListView(SikoPermissionMixin, TemplateView):
    request: AuthenticatedHttpRequest
    permission_required = "reports.view_comparison_groups"
    template_name = "reports/groups/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        authorities = list(Authority.objects.order_by(german("short_name")))
        groups = [
            GroupWithMembers(group, [a for a in authorities if a.comparison_group_id == group.pk])
            for group in ComparisonGroup.objects.order_by(german("name"))
        ]
        ungrouped = [a for a in authorities if a.comparison_group_id is None]
        return super().get_context_data(groups=groups, ungrouped=ungrouped, **kwargs)


class ComparisonGroupObjectMixin(SikoPermissionMixin, ContextMixin, View):
    """For views about one comparison group, `pk` in the URL."""

    permission_required = "reports.change_comparison_groups"

    def get_group(self) -> ComparisonGroup:
        if not hasattr(self, "_group"):
            self._group = get_object_or_404(ComparisonGroup, pk=self.kwargs["pk"])
        return self._group

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(group=self.get_group(), **kwargs)


class _ComparisonGroupFormView(FormView):
    """Creating and editing a group: one form; the service's error shows at the name."""

    request: AuthenticatedHttpRequest
    template_name = "reports/groups/form.html"
    form_class = ComparisonGroupForm

    def save_group(self, *, name: str, authorities: Iterable[Authority]) -> ComparisonGroup:
        raise NotImplementedError

    def saved_message(self, group: ComparisonGroup) -> str:
        raise NotImplementedError

    def form_valid(self, form: ComparisonGroupForm) -> HttpResponse:
        try:
            group = self.save_group(
                name=form.cleaned_data["name"], authorities=form.cleaned_data["authorities"]
            )
        except ComparisonGroupError as error:
            form.add_error("name", str(error))
            return self.form_invalid(form)
        messages.success(self.request, self.saved_message(group))
        return HttpResponseRedirect(reverse("reports:group_list"))


class ComparisonGroupCreateView(SikoPermissionMixin, _ComparisonGroupFormView):
    permission_required = "reports.change_comparison_groups"

    def save_group(self, *, name: str, authorities: Iterable[Authority]) -> ComparisonGroup:
        return create_comparison_group(name=name, authorities=authorities, by=self.request.user)

    def saved_message(self, group: ComparisonGroup) -> str:
        return _("Vergleichsgruppe „%(name)s“ angelegt.") % {"name": group.name}


class ComparisonGroupUpdateView(ComparisonGroupObjectMixin, _ComparisonGroupFormView):
    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": self.get_group()}

    def save_group(self, *, name: str, authorities: Iterable[Authority]) -> ComparisonGroup:
        return update_comparison_group(
            self.get_group(), name=name, authorities=authorities, by=self.request.user
        )

    def saved_message(self, group: ComparisonGroup) -> str:
        return _("Vergleichsgruppe „%(name)s“ gespeichert.") % {"name": group.name}


class ComparisonGroupDeleteView(ComparisonGroupObjectMixin, TemplateView):
    """GET asks, POST deletes; the authorities stay and lose only their group."""

    request: AuthenticatedHttpRequest
    template_name = "reports/groups/confirm_delete.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        group = self.get_group()
        members = group.authorities.order_by(german("short_name")).values_list(
            "short_name", flat=True
        )
        return super().get_context_data(members=list(members), **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        group = self.get_group()
        name = group.name
        delete_comparison_group(group, by=self.request.user)
        messages.success(request, _("Vergleichsgruppe „%(name)s“ gelöscht.") % {"name": name})
        return HttpResponseRedirect(reverse("reports:group_list"))


@dataclass(frozen=True)
class SentReminderRow:
    """A line of the reminder log."""

    kind_label: str
    authority_slug: str
    authority_name: str
    year: str
    stage: str
    recipient: str
    sent_at: datetime | None


class ReminderLogView(SikoPermissionMixin, TemplateView):
    """The sent reminders of the yearly rule (SiKo and Siko-AP), filterable by year."""

    request: AuthenticatedHttpRequest
    permission_required = "reports.view_reminder_log"
    template_name = "reports/reminder_log.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        running = timezone.localdate().year
        years = list(range(running, running - 5, -1))
        raw = self.request.GET.get("jahr", "")
        year: int | None = None
        error = ""
        if raw:
            if raw.isdigit() and 2000 <= int(raw) <= running + 1:
                year = int(raw)
            else:
                error = _("Bitte wählen Sie ein gültiges Jahr.")
        reminders = list(sent_reminders(year=year)[:500])
        names = dict(Authority.objects.values_list("slug", "short_name"))
        rows = []
        for reminder in reminders:
            slug, _sep, reminder_year = reminder.subject_key.rpartition(":")
            rows.append(
                SentReminderRow(
                    kind_label=_("Siko-AP") if reminder.rule == SIKO_AP_YEARLY else _("SiKo"),
                    authority_slug=slug,
                    authority_name=names.get(slug, slug),
                    year=reminder_year,
                    stage=reminder.stage,
                    recipient=reminder.recipient,
                    sent_at=reminder.sent_at,
                )
            )
        return super().get_context_data(rows=rows, years=years, year=year, error=error, **kwargs)
