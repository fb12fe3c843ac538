"""Pages of the cooperation structures: the list (KPB: its own; state bodies: all), create and
edit, the CSV import (upload → preview → confirm, like the partner directory's) and export,
and the offer on the agenda page to mark a cooperation as discussed (an htmx fragment that
templates/conferences/agenda/edit.html loads)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView

from authorities.models import Authority
from authorities.requests import AuthenticatedHttpRequest
from authorities.views.csv_import import CsvImportView
from conferences.enums import ConferenceStatus
from conferences.models import Conference
from cooperations import selectors, services
from cooperations.csv_io import (
    CooperationPreview,
    apply_cooperation_import,
    export_cooperation_csv,
    parse_cooperation_csv,
)
from cooperations.enums import CooperationKind
from cooperations.forms import CooperationFilterForm, CooperationForm
from cooperations.models import Cooperation
from siko.views_base import SikoPermissionMixin


class CooperationListView(SikoPermissionMixin, ListView):
    request: AuthenticatedHttpRequest
    permission_required = "cooperations.list_cooperations"
    template_name = "cooperations/cooperation/list.html"
    context_object_name = "cooperations"
    paginate_by = 50

    def get_filter_form(self) -> CooperationFilterForm:
        if not hasattr(self, "_filter_form"):
            self._filter_form = CooperationFilterForm(
                self.request.GET or None, show_authority=not self.request.user.authority_id
            )
        return self._filter_form

    def get_queryset(self) -> QuerySet[Cooperation]:
        filters = self.get_filter_form().filters()
        return selectors.cooperation_list(
            authority=filters["authority"], status=filters["status"], kind=filters["kind"]
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        return super().get_context_data(
            form=self.get_filter_form(),
            can_add=user.has_perm("cooperations.add_cooperation"),
            # The scope shows a KPB only its own cooperations, so the rule needs no object.
            can_change=user.has_perm("cooperations.change_cooperation"),
            **kwargs,
        )


class CooperationFormView(SikoPermissionMixin, FormView):
    """Create (no pk) or edit (pk) a cooperation of the user's own authority."""

    request: AuthenticatedHttpRequest
    template_name = "cooperations/cooperation/form.html"
    form_class = CooperationForm

    def get_cooperation(self) -> Cooperation | None:
        if "pk" not in self.kwargs:
            return None
        if not hasattr(self, "_cooperation"):
            # Scoped: another authority's cooperation is a 404.
            self._cooperation = get_object_or_404(
                Cooperation.objects.select_related("authority"), pk=self.kwargs["pk"]
            )
        return self._cooperation

    def get_permission_object(self) -> Cooperation | None:
        return self.get_cooperation()

    def get_authority(self) -> Authority:
        cooperation = self.get_cooperation()
        if cooperation is not None:
            return cooperation.authority
        authority = self.request.user.authority
        if authority is None:
            raise PermissionDenied
        return authority

    def get_form_kwargs(self) -> dict[str, Any]:
        return {
            **super().get_form_kwargs(),
            "authority": self.get_authority(),
            "instance": self.get_cooperation(),
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        cooperation = self.get_cooperation()
        return super().get_context_data(
            cooperation=cooperation,
            heading=_("Kooperation bearbeiten") if cooperation else _("Kooperation erfassen"),
            **kwargs,
        )

    def form_valid(self, form: CooperationForm) -> HttpResponse:
        cooperation = self.get_cooperation()
        partners = list(form.cleaned_data["partners"])
        conferences = list(form.cleaned_data["discussed_at"])
        try:
            if cooperation is None:
                services.create_cooperation(
                    self.get_authority(),
                    data=form.values(),
                    partners=partners,
                    conferences=conferences,
                    status=form.cleaned_data["status"],
                    by=self.request.user,
                )
            else:
                # The ModelForm changed the instance in memory; the service compares the
                # values with the stored row.
                cooperation.refresh_from_db()
                services.update_cooperation(
                    cooperation,
                    data=form.values(),
                    partners=partners,
                    conferences=conferences,
                    status=form.cleaned_data["status"],
                    by=self.request.user,
                )
        except services.CooperationError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("Die Kooperation ist gespeichert."))
        return HttpResponseRedirect(reverse("cooperations:cooperation_list"))


class CooperationCreateView(CooperationFormView):
    permission_required = "cooperations.add_cooperation"


class CooperationUpdateView(CooperationFormView):
    permission_required = "cooperations.change_cooperation"


class CooperationImportView(CsvImportView[CooperationPreview]):
    """As for the partner directory (CsvImportView); confirming checks every row again and
    stores the whole file or, on any error, nothing."""

    permission_required = "cooperations.import_cooperations"
    upload_template = "cooperations/cooperation/import.html"
    preview_template = "cooperations/cooperation/import_preview.html"
    token_salt = "cooperations.import"
    file_error_status = 400

    def parse(self, data: bytes) -> CooperationPreview:
        return parse_cooperation_csv(data, user=self.request.user)

    def apply(self, preview: CooperationPreview) -> HttpResponse:
        try:
            result = apply_cooperation_import(preview, by=self.request.user)
        except services.CooperationError as error:
            return self.reject(str(error))
        messages.success(
            self.request,
            _(
                "Import abgeschlossen: %(created)s neu angelegt, %(updated)s geändert, "
                "%(unchanged)s unverändert."
            )
            % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
        )
        return HttpResponseRedirect(reverse("cooperations:cooperation_list"))

    def get_upload_context(self) -> dict[str, Any]:
        return {**super().get_upload_context(), "kinds": CooperationKind.choices}


class CooperationExportView(SikoPermissionMixin, View):
    """The cooperations as CSV in the import format: a KPB its own, state bodies all."""

    request: AuthenticatedHttpRequest
    permission_required = "cooperations.list_cooperations"

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        # The scope already narrows a KPB to its own cooperations.
        authority = request.user.authority
        scope_name = authority.slug if authority is not None else "nrw"
        # The byte order mark makes Excel read the file as UTF-8.
        response = HttpResponse(
            "\ufeff" + export_cooperation_csv(Cooperation.objects.all()),
            content_type="text/csv; charset=utf-8",
        )
        filename = f"kooperationen-{scope_name}-{timezone.localdate():%Y-%m-%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class AgendaCooperationsMixin(SikoPermissionMixin):
    """Resolves the conference in the scope (another authority's: 404); only its host may
    mark cooperations as discussed."""

    kwargs: dict[str, Any]
    permission_required = "cooperations.record_discussed"

    def get_conference(self) -> Conference:
        if not hasattr(self, "_conference"):
            self._conference = get_object_or_404(
                Conference.objects.select_related("host"), pk=self.kwargs["pk"]
            )
        return self._conference

    def get_permission_object(self) -> Conference:
        return self.get_conference()


class AgendaOfferView(AgendaCooperationsMixin, View):
    """The fragment on the agenda page: when an item with the mandated topic
    "Kooperationsstrukturen" is planned, the host's active cooperations, each with the button
    "in dieser Konferenz besprochen". Two queries."""

    request: AuthenticatedHttpRequest

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        conference = self.get_conference()
        planned = conference.status != ConferenceStatus.CANCELLED and (
            selectors.plans_cooperation_topic(conference)
        )
        cooperations = list(selectors.offered_cooperations(conference)) if planned else []
        return render(
            request,
            "cooperations/cooperation/_agenda_offer.html",
            {"conference": conference, "planned": planned, "cooperations": cooperations},
        )


class RecordDiscussedView(AgendaCooperationsMixin, View):
    """POST only: records the discussed-at link (a second click changes nothing)."""

    request: AuthenticatedHttpRequest

    def post(self, request: AuthenticatedHttpRequest, pk: int, cooperation_pk: int) -> HttpResponse:
        conference = self.get_conference()
        cooperation = get_object_or_404(
            Cooperation.objects.select_related("authority"), pk=cooperation_pk
        )
        try:
            recorded = services.record_discussed(
                cooperation, conference=conference, by=request.user
            )
        except services.CooperationError as error:
            messages.error(request, str(error))
        else:
            if recorded:
                message = _("„%(name)s“ ist als in dieser Konferenz besprochen vermerkt.")
            else:
                message = _("„%(name)s“ war bereits als in dieser Konferenz besprochen vermerkt.")
            messages.success(request, message % {"name": cooperation.name})
        return redirect("conferences:agenda", pk=conference.pk)
