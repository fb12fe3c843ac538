"""The date-clash warning while the dates are chosen (issue 15, R3), fetched by htmx."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.views.generic import TemplateView

from authorities.models import Authority
from authorities.requests import AuthenticatedHttpRequest
from conferences import selectors
from conferences.forms import DateCheckForm
from conferences.models import Conference
from conferences.views.planning import ConferenceMixin
from siko.views_base import SikoPermissionMixin

TEMPLATE = "conferences/conference/_date_clashes_content.html"


def check_dates(
    request: AuthenticatedHttpRequest, host: Authority, conference: Conference | None
) -> dict[str, Any]:
    """Start and end from the query; incomplete or malformed dates show no warning (the form
    itself reports them when it is saved)."""
    form = DateCheckForm(request.GET)
    if not form.is_valid():
        return {"date_check": None}
    return {
        "date_check": selectors.date_clashes(
            host=host,
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            conference=conference,
        )
    }


class NewConferenceClashesView(SikoPermissionMixin, TemplateView):
    request: AuthenticatedHttpRequest
    permission_required = "conferences.add_conference"
    template_name = TEMPLATE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        host = self.request.user.authority
        if host is None:
            raise PermissionDenied
        return super().get_context_data(**check_dates(self.request, host, None), **kwargs)


class ConferenceClashesView(ConferenceMixin, TemplateView):
    request: AuthenticatedHttpRequest
    permission_required = "conferences.change_conference"
    template_name = TEMPLATE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        conference = self.get_conference()
        return super().get_context_data(
            **check_dates(self.request, conference.host, conference), **kwargs
        )
