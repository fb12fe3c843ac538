"""The comparison groups' figures side by side (Vergleichsgruppenarbeit, DESIGN R8)."""

from typing import Any

from django.contrib import messages
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from authorities.requests import AuthenticatedHttpRequest
from reports.forms.state import DashboardYearForm
from reports.group_figures import group_figures
from reports.selectors import years_ending
from siko.views_base import SikoPermissionMixin


class GroupFiguresView(SikoPermissionMixin, TemplateView):
    """A KPB sees its own comparison group, the state bodies every group; default year: the
    last complete one."""

    request: AuthenticatedHttpRequest
    permission_required = "reports.view_group_figures"
    template_name = "reports/groups/figures.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        today = timezone.localdate()
        form = DashboardYearForm(self.request.GET or None, running_year=today.year)
        year = form.year() or today.year - 1
        if form.is_bound and form.errors:
            messages.warning(
                self.request,
                _("Das Jahr „%(value)s“ gibt es hier nicht; gezeigt wird %(year)s.")
                % {"value": self.request.GET.get("jahr", ""), "year": year},
            )
        user = self.request.user
        own_only = user.authority_id if user.is_kpb else None
        return super().get_context_data(
            year=year,
            years=list(reversed(years_ending(today.year, 6))),
            groups=group_figures(year, authority_id=own_only, as_of=today),
            own_only=own_only is not None,
            **kwargs,
        )
