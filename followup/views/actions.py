"""The Beschlusskontrolle: actions of one conference, the table of all open actions across
conferences (LZPD: of all authorities), CSV export, state changes, and the partner's signed
link to report progress (thin views; rules in followup.actions)."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView
from django_scopes import scopes_disabled

from authorities.requests import AuthenticatedHttpRequest
from conferences.enums import ConferenceStatus, InvitationState
from conferences.views.partner import expired_link
from conferences.views.planning import ConferenceMixin
from followup import actions
from followup import links as followup_links
from followup.forms.actions import ActionFilterForm, ActionForm, ActionStateForm
from followup.forms.offers import OfferedActionsForm
from followup.models import Action, ActionState
from siko.collation import german
from siko.views_base import SikoPermissionMixin

BAD_LINK_TEMPLATE = "conferences/partner/bad_link.html"


def _save(
    view: TemplateView,
    form: forms.Form,
    change: Callable[[dict[str, Any]], object],
    *,
    done: str,
) -> HttpResponse:
    """The KPB's POST on an action page: a valid form goes to the service (`change`); the
    service's ActionError shows on the form (400), success as a message on the same page."""
    if form.is_valid():
        try:
            change(form.cleaned_data)
        except actions.ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(view.request, done)
            return HttpResponseRedirect(view.request.path)
    return view.render_to_response(view.get_context_data(form=form), status=400)


class ActionFilterMixin(SikoPermissionMixin):
    permission_required = "conferences.list_actions"
    request: AuthenticatedHttpRequest
    _filter_form: ActionFilterForm

    def get_filter_form(self) -> ActionFilterForm:
        if not hasattr(self, "_filter_form"):
            owners = list(
                Action.objects.filter(owner_agency__isnull=False)
                .order_by(german("owner_agency__name"))
                .values_list("owner_agency__slug", "owner_agency__name")
                .distinct()
            )
            self._filter_form = ActionFilterForm(
                self.request.GET or None,
                show_authority=not self.request.user.authority_id,
                owner_choices=owners,
            )
        return self._filter_form

    def filtered_actions(self) -> QuerySet[Action]:
        return actions.action_table(**self.get_filter_form().filters(), today=timezone.localdate())


class ActionListView(ActionFilterMixin, ListView):
    """All actions of the authority across its conferences, with the traffic light."""

    template_name = "conferences/actions/list.html"
    context_object_name = "actions"
    paginate_by = 50
    request: AuthenticatedHttpRequest

    def get_queryset(self) -> QuerySet[Action]:
        return self.filtered_actions()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(form=self.get_filter_form(), **kwargs)
        context["actions"] = actions.annotate_light(context["actions"], timezone.localdate())
        context["export_query"] = self.request.GET.urlencode()
        return context


class ActionExportView(ActionFilterMixin, View):
    request: AuthenticatedHttpRequest

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        today = timezone.localdate()
        body = actions.render_actions_csv(self.filtered_actions(), today=today)
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="massnahmen-{today:%Y-%m-%d}.csv"'
        return response


class ConferenceActionsView(ConferenceMixin, TemplateView):
    """The actions agreed at one conference; KPB staff add new ones here (POST)."""

    permission_required = "conferences.view_conference"
    template_name = "conferences/actions/conference.html"
    request: AuthenticatedHttpRequest

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        conference = self.get_conference()
        can_change = self.request.user.has_perm("conferences.change_action", conference)
        kwargs.setdefault("form", ActionForm(conference=conference) if can_change else None)
        rows = conference.actions.select_related("owner_agency", "conference__host")
        return super().get_context_data(
            actions=actions.annotate_light(rows, timezone.localdate()), **kwargs
        )

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        conference = self.get_conference()
        if not request.user.has_perm("conferences.change_action", conference):
            raise PermissionDenied
        form = ActionForm(request.POST, conference=conference)
        return _save(
            self,
            form,
            lambda data: actions.create_action(
                conference,
                text=data["text"],
                due_date=data["due_date"],
                owner_agency=data["owner"],
                by=request.user,
            ),
            done=_("Maßnahme angelegt."),
        )


class AgendaActionsView(ConferenceMixin, TemplateView):
    """The open actions a planned conference's agenda may still take; for a conference whose
    invitations are out, adding them sends the update notice (POST)."""

    permission_required = "conferences.change_conference"
    template_name = "conferences/agenda/actions.html"
    request: AuthenticatedHttpRequest

    def get_form(self, data: Any = None) -> OfferedActionsForm:
        conference = self.get_conference()
        offered = actions.offered_actions(conference)
        return OfferedActionsForm(data, conference=conference, offered=offered)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        conference = self.get_conference()
        kwargs.setdefault("form", self.get_form())
        return super().get_context_data(
            closed=not conference.is_editable or conference.has_started,
            recipients=conference.invitations.exclude(state=InvitationState.PENDING).count(),
            **kwargs,
        )

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        conference = self.get_conference()
        return _save(
            self,
            self.get_form(request.POST),
            lambda data: actions.add_offered_actions(
                conference, action_ids=[a.pk for a in data["actions"]], by=request.user
            ),
            done=_("Die Maßnahmen stehen auf der Tagesordnung.")
            + (
                " " + _("Alle Eingeladenen erhalten eine Änderungsmitteilung.")
                if conference.status == ConferenceStatus.SCHEDULED
                else ""
            ),
        )


class ActionDetailView(SikoPermissionMixin, TemplateView):
    """One action with its history; KPB staff record state changes here (POST)."""

    permission_required = "conferences.view_action"
    template_name = "conferences/actions/detail.html"
    request: AuthenticatedHttpRequest
    _action: Action

    def get_action(self) -> Action:
        if not hasattr(self, "_action"):
            self._action = get_object_or_404(
                Action.objects.select_related("conference", "conference__host", "owner_agency"),
                pk=self.kwargs["pk"],
            )
        return self._action

    def get_permission_object(self) -> Action:
        return self.get_action()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        action = self.get_action()
        if self.request.user.has_perm("conferences.change_action", action):
            kwargs.setdefault("form", ActionStateForm(initial={"state": action.state}))
        return super().get_context_data(
            action=action,
            light=action.traffic_light(timezone.localdate()),
            light_label=action.traffic_light_label(timezone.localdate()),
            changes=action.changes.select_related("by"),
            **kwargs,
        )

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("conferences.change_action", self.get_action()):
            raise PermissionDenied
        return _save(
            self,
            ActionStateForm(request.POST),
            lambda data: actions.change_action_state(
                self.get_action(), state=data["state"], note=data["note"], by=request.user
            ),
            done=_("Status der Maßnahme gespeichert."),
        )


def _action_link_expired(request: HttpRequest, action: Action) -> HttpResponse:
    return expired_link(
        request,
        expires_at=action.link_expires_at,
        reason=_(
            "Die Maßnahme ist seit Längerem fällig oder abgeschlossen; der Link für Rückmeldungen "
            "wird nicht mehr angeboten."
        ),
    )


def _linked_action(request: HttpRequest, token: str) -> Action | HttpResponse:
    """The action of a genuine, current update link, or the page that says why there is none."""
    action = followup_links.action_for_token(token)
    if action is None:
        return render(request, BAD_LINK_TEMPLATE, status=404)
    if action.link_expired():
        return _action_link_expired(request, action)
    return action


class ActionLinkView(SikoPermissionMixin, View):
    """A partner owner reports progress through the signed link in its mail: GET shows, only
    POST changes (mail scanners open links)."""

    public = True
    public_reason = "Partner owner updates its action through the signed link in its mail"
    template_name = "conferences/actions/link.html"

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        with scopes_disabled():
            action = _linked_action(request, token)
            if isinstance(action, HttpResponse):
                return action
            return self._page(request, action, self._form(action))

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        with scopes_disabled():
            action = _linked_action(request, token)
            if isinstance(action, HttpResponse):
                return action
            if not action.is_active:
                messages.error(
                    request,
                    _("Diese Maßnahme ist abgeschlossen; Änderungen sind nicht mehr möglich."),
                )
                return self._page(request, action, None, status=409)
            form = ActionStateForm(request.POST)
            if not form.is_valid():
                return self._page(request, action, form, status=400)
            try:
                actions.change_action_state(
                    action,
                    state=form.cleaned_data["state"],
                    note=form.cleaned_data["note"],
                    by_name=_("%(agency)s (über den Link)") % {"agency": action.owner_name},
                )
            except actions.ActionError as error:
                form.add_error(None, str(error))
                return self._page(request, action, form, status=400)
        messages.success(request, _("Vielen Dank. Ihre Rückmeldung zur Maßnahme ist gespeichert."))
        return HttpResponseRedirect(request.path)

    @staticmethod
    def _form(action: Action) -> ActionStateForm | None:
        if not action.is_active:
            return None
        return ActionStateForm(
            initial={"state": action.state}, submit_label=_("Rückmeldung senden")
        )

    def _page(
        self,
        request: HttpRequest,
        action: Action,
        form: ActionStateForm | None,
        *,
        status: int = 200,
    ) -> HttpResponse:
        today = timezone.localdate()
        context = {
            "action": action,
            "conference": action.conference,
            "form": form,
            "light": action.traffic_light(today),
            "light_label": action.traffic_light_label(today),
            "changes": list(action.changes.all()),
            "closed_states": (ActionState.DONE, ActionState.DROPPED),
        }
        return render(request, self.template_name, context, status=status)
