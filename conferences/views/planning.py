"""KPB staff plan a conference: data, agenda, invitation list, sending (thin views)."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import FormView, ListView, TemplateView
from django_scopes import get_scope

from authorities.models import Authority, User
from authorities.requests import AuthenticatedHttpRequest
from conferences import selectors, services
from conferences.documents.exports import answers_context
from conferences.enums import InvitationState
from conferences.filters import ConferenceFilter
from conferences.forms import (
    AgendaItemForm,
    CancelForm,
    ConferenceForm,
    ConfirmUpdateForm,
    InviteForm,
)
from conferences.mails import compose_invitation, describe_changes
from conferences.models import AgendaItem, Conference, Invitation
from notifications.enums import MailState
from siko import tasks_queue
from siko.formats import BERLIN
from siko.page_cache import CSRF_PLACEHOLDER, cached_html, cached_page, cached_value, fill_csrf
from siko.page_version import page_token
from siko.views_base import SikoPermissionMixin

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class ConferenceListView(SikoPermissionMixin, ListView):
    request: AuthenticatedHttpRequest
    permission_required = "conferences.list_conferences"
    template_name = "conferences/conference/list.html"
    context_object_name = "conferences"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Conference]:
        self.filterset = ConferenceFilter(
            self.request.GET or None,
            queryset=selectors.conference_list(),
            show_authority=not self.request.user.authority_id,
        )
        return self.filterset.qs.annotate(
            invitation_count=Count("invitations", distinct=True),
            accepted_count=Count(
                "invitations",
                distinct=True,
                filter=Q(
                    invitations__state__in=[InvitationState.ACCEPTED, InvitationState.DELEGATED]
                ),
            ),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            filter_form=self.filterset.form,
            filtered=bool(self.filterset.is_bound and self.filterset.form.changed_data),
            **kwargs,
        )


class ConferenceMixin(SikoPermissionMixin):
    """Resolves the conference inside the scope: another authority's conference is a 404."""

    kwargs: dict[str, Any]  # the URL's, set by View.setup()
    _conference: Conference

    def get_conference(self) -> Conference:
        if not hasattr(self, "_conference"):
            self._conference = get_object_or_404(
                Conference.objects.select_related("host", "organiser"), pk=self.kwargs["pk"]
            )
        return self._conference

    def get_permission_object(self) -> Conference:
        return self.get_conference()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(conference=self.get_conference(), **kwargs)  # type: ignore[misc]


class ConferenceCreateView(SikoPermissionMixin, FormView):
    request: AuthenticatedHttpRequest
    permission_required = "conferences.add_conference"
    template_name = "conferences/conference/form.html"
    form_class = ConferenceForm

    def get_host(self) -> Authority:
        """Only a KPB hosts conferences (admins included)."""
        authority = self.request.user.authority
        if authority is None:
            raise PermissionDenied
        return authority

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = {**super().get_form_kwargs(), "host": self.get_host()}
        # Only when planning: a conference entered afterwards (followup's record form, a
        # subclass) lies in the past, where no scheduled conference can clash.
        if self.form_class is ConferenceForm:
            kwargs["clash_url"] = reverse("conferences:new_conference_clashes")
        return kwargs

    def form_valid(self, form: ConferenceForm) -> HttpResponse:
        data = {k: form.cleaned_data[k] for k in ("kind", "title", "start", "end", "place")}
        try:
            conference = services.create_conference(
                host=self.get_host(),
                data=data,
                co_hosts=form.cleaned_data["co_hosts"],
                by=self.request.user,
            )
        except services.ConferenceError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Entwurf gespeichert. Die Pflichtthemen stehen schon auf der Tagesordnung."),
        )
        return HttpResponseRedirect(conference.get_absolute_url())


@dataclass(frozen=True)
class Waiting:
    """An invitation still without an answer, and whether it was reminded today (Berlin
    time): such an invitation cannot be chosen for "Erinnerung jetzt senden" again."""

    invitation: Invitation
    reminded_today: bool


def non_responders(invitations: list[Invitation]) -> list[Waiting]:
    today = timezone.localdate(timezone=BERLIN)
    return [
        Waiting(
            i,
            i.reminded_at is not None and timezone.localdate(i.reminded_at, BERLIN) == today,
        )
        for i in invitations
        if i.state == InvitationState.SENT
    ]


#: Where the offer of open actions goes in the cached conference page (rendered per request).
OPEN_ACTIONS_OFFER = "siko-live-open-actions-offer-2b7e91"

#: The permissions the cached body of the conference page asks (with the conference as the
#: object, and without one): part of the cache key, so each combination has its own entry.
DETAIL_OBJECT_PERMISSIONS = ("conferences.change_conference", "conferences.leave_conference")
DETAIL_PERMISSIONS = ("conferences.manage_calendar_feeds", "conferences.view_calendar_replies")


class ConferenceDetailView(ConferenceMixin, TemplateView):
    """The conference page. Its body comes from siko.page_cache under the pages' data version
    (siko.page_version), read with the conference before anything else; the key names all else
    the body is rendered from: the conference, whether it has started, the day (the letterhead's
    date, "heute bereits erinnert") and the viewer's permissions that its templates ask. Around
    it, the whole page is cached as well (get). The offer of open actions depends on the clock
    (other conferences' start) and is rendered into the page on every request
    (followup.actions.offered_action_count)."""

    request: AuthenticatedHttpRequest
    permission_required = "conferences.view_conference"
    template_name = "conferences/conference/detail.html"

    def get_conference(self) -> Conference:
        """The conference with the pages' data version (`page_token`), read first: what is read
        afterwards is as new or newer. The row as the viewer's scope finds it is kept under the
        token too (one query less per page; another authority's conference is still a 404), and
        the permission is checked on it on every request."""
        if not hasattr(self, "_conference"):
            token = page_token()
            conference = cached_value(
                "conference-row",
                (self.kwargs["pk"], sorted(get_scope().items())),
                # Not the organiser: users are not in the token's tables, the page shows none.
                lambda: get_object_or_404(
                    Conference.objects.select_related("host"), pk=self.kwargs["pk"]
                ),
                token=token,
            )
            conference.page_token = token
            self._conference = conference
        return self._conference

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """The whole page from siko.page_cache (the scope and the permission are checked before,
        on every request) per conference, whether it has started, day and viewer; the offer of
        open actions is rendered into it on every request."""
        conference = self.get_conference()
        token = conference.page_token or ""  # type: ignore[attr-defined]
        return cached_page(
            request,
            "conference",
            (conference.pk, conference.has_started, timezone.localdate(timezone=BERLIN)),
            lambda: super(ConferenceDetailView, self).get(request, *args, **kwargs),
            token=token,
            live={OPEN_ACTIONS_OFFER: lambda: self.render_offer(token)},
        )

    def render_offer(self, token: str) -> str:
        return render_to_string(
            "conferences/conference/_open_actions_offer.html",
            {"conference": self.get_conference(), "page_token": token},
            self.request,
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        conference = self.get_conference()
        user = self.request.user
        viewer = (
            *(user.has_perm(p, conference) for p in DETAIL_OBJECT_PERMISSIONS),
            *(user.has_perm(p) for p in DETAIL_PERMISSIONS),
        )
        key = (conference.pk, conference.has_started, timezone.localdate(timezone=BERLIN), viewer)
        token = conference.page_token or ""  # type: ignore[attr-defined]
        body = cached_html("conference", key, self.render_body, token=token)
        return super().get_context_data(
            body={part: fill_csrf(html, self.request) for part, html in body.items()},
            open_actions_offer=OPEN_ACTIONS_OFFER,
            **kwargs,
        )

    def render_body(self) -> dict[str, str]:
        conference = self.get_conference()
        answers = answers_context(conference)  # invitations, state_counts, summary
        context = {
            "conference": conference,
            "agenda": conference.agenda_items.select_related("topic"),
            **answers,
            "non_responders": non_responders(answers["invitations"]),
            "co_hosts": [a for a in conference.authorities.all() if a.pk != conference.host_id],
            "missing": selectors.missing_categories(conference),
            "clashes": selectors.clashes(conference),
            "failed_mails": conference.mails.filter(state=MailState.FAILED).count(),
            "csrf_token": CSRF_PLACEHOLDER,  # the requester's own goes in per request
        }
        return {
            part: render_to_string(f"{self.template_name}#{part}", context, self.request)
            for part in ("head", "tail")
        }


class ConferenceUpdateView(ConferenceMixin, FormView):
    request: AuthenticatedHttpRequest
    permission_required = "conferences.change_conference"
    template_name = "conferences/conference/form.html"
    form_class = ConferenceForm

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.get_conference().is_editable:
            messages.error(
                request,
                _("Eine abgesagte oder durchgeführte Konferenz kann nicht mehr geändert werden."),
            )
            return redirect(self.get_conference())
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        conference = self.get_conference()
        # The saved dates' warning is there from the start, also without JavaScript.
        date_check = selectors.date_clashes(
            host=conference.host, start=conference.start, end=conference.end, conference=conference
        )
        return super().get_context_data(date_check=date_check, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        conference = self.get_conference()
        kwargs = super().get_form_kwargs()
        kwargs.update(
            host=conference.host,
            instance=conference,
            clash_url=reverse("conferences:conference_clashes", args=[conference.pk]),
        )
        kwargs.setdefault("initial", {})["co_hosts"] = [
            a.pk for a in conference.authorities.all() if a.pk != conference.host_id
        ]
        return kwargs

    def form_valid(self, form: ConferenceForm) -> HttpResponse:
        conference = Conference.objects.get(pk=self.get_conference().pk)
        data = {k: form.cleaned_data[k] for k in ("kind", "title", "start", "end", "place")}
        confirm = ConfirmUpdateForm(
            self.request.POST if "confirm_notify" in self.request.POST else None
        )
        if services.needs_update_notice(conference, data) and not confirm.is_valid():
            changes = describe_changes(
                c
                for c in services.pending_changes(conference, data)
                if c.field in services.RESCHEDULING_FIELDS
            )
            return render(
                self.request,
                "conferences/conference/confirm_update.html",
                {
                    "conference": conference,
                    "form": form,
                    "confirm_form": ConfirmUpdateForm(),
                    "changes": changes,
                    "recipients": conference.invitations.exclude(
                        state=InvitationState.PENDING
                    ).count(),
                },
            )
        try:
            services.update_conference(
                conference,
                data=data,
                co_hosts=form.cleaned_data["co_hosts"],
                by=self.request.user,
                confirmed=True,
            )
        except services.ConferenceError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("Änderungen gespeichert."))
        return HttpResponseRedirect(conference.get_absolute_url())


class ConferenceCancelView(ConferenceMixin, FormView):
    request: AuthenticatedHttpRequest
    permission_required = "conferences.change_conference"
    template_name = "conferences/conference/cancel.html"
    form_class = CancelForm

    def form_valid(self, form: CancelForm) -> HttpResponse:
        try:
            services.cancel_conference(
                self.get_conference(), reason=form.cleaned_data["reason"], by=self.request.user
            )
        except services.ConferenceError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Die Konferenz wurde abgesagt. Alle Eingeladenen werden benachrichtigt."),
        )
        return redirect(self.get_conference())


class ConferenceLeaveView(ConferenceMixin, TemplateView):
    """A co-host leaves a joint conference: GET asks for confirmation, POST leaves. Afterwards
    the conference is outside the authority's scope, so the page goes to the list."""

    request: AuthenticatedHttpRequest
    permission_required = "conferences.leave_conference"
    template_name = "conferences/conference/leave.html"

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        try:
            services.leave_conference(self.get_conference(), by=request.user)
        except services.ConferenceError as error:
            messages.error(request, str(error))
            return redirect(self.get_conference())
        messages.success(
            request,
            _(
                "Ihre Behörde ist nicht mehr Mitveranstalter von „%(title)s“. Die gastgebende "
                "Behörde wurde informiert."
            )
            % {"title": self.get_conference().title},
        )
        return redirect("conferences:conference_list")


class AgendaView(ConferenceMixin, FormView):
    """The agenda builder: items in order, a form for a new item, move and remove buttons."""

    request: AuthenticatedHttpRequest
    permission_required = "conferences.change_conference"
    template_name = "conferences/agenda/edit.html"
    form_class = AgendaItemForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            items=self.get_conference().agenda_items.select_related("topic"), **kwargs
        )

    def form_valid(self, form: AgendaItemForm) -> HttpResponse:
        try:
            services.add_agenda_item(
                self.get_conference(), item=form.instance, by=self.request.user
            )
        except services.ConferenceError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("Tagesordnungspunkt hinzugefügt."))
        return redirect("conferences:agenda", pk=self.get_conference().pk)


class AgendaItemUpdateView(ConferenceMixin, FormView):
    request: AuthenticatedHttpRequest
    permission_required = "conferences.change_conference"
    template_name = "conferences/agenda/item_form.html"
    form_class = AgendaItemForm

    def get_item(self) -> AgendaItem:
        return get_object_or_404(
            AgendaItem, pk=self.kwargs["item_pk"], conference=self.get_conference()
        )

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": self.get_item()}

    def form_valid(self, form: AgendaItemForm) -> HttpResponse:
        try:
            services.save_agenda_item(form.instance, by=self.request.user)
        except services.ConferenceError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        return redirect("conferences:agenda", pk=self.get_conference().pk)


class AgendaItemActionView(ConferenceMixin, View):
    """POST only: move an item up or down, or remove it."""

    request: AuthenticatedHttpRequest
    permission_required = "conferences.change_conference"
    http_method_names = ["post"]

    def post(self, request: AuthenticatedHttpRequest, pk: int, item_pk: int) -> HttpResponse:
        conference = self.get_conference()
        item = get_object_or_404(AgendaItem, pk=item_pk, conference=conference)
        action = request.POST.get("action")
        if action == "remove" and item.topic_id and not request.POST.get("confirmed"):
            # A mandated topic then counts as not covered: asked first, nothing changed yet.
            return render(
                request,
                "conferences/agenda/confirm_remove.html",
                {"conference": conference, "item": item},
            )
        try:
            if action in ("up", "down"):
                services.move_agenda_item(item, direction=action, by=request.user)
            elif action == "remove":
                services.remove_agenda_item(item, by=request.user)
            else:
                messages.error(request, _("Unbekannte Aktion."))
        except services.ConferenceError as error:
            messages.error(request, str(error))
        return redirect("conferences:agenda", pk=pk)


class InvitationPlanView(ConferenceMixin, FormView):
    """Proposals by R2 category, warnings for missing categories, clashes (R3)."""

    request: AuthenticatedHttpRequest
    permission_required = "conferences.change_conference"
    template_name = "conferences/invitation/plan.html"
    form_class = InviteForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "conference": self.get_conference()}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        conference = self.get_conference()
        return super().get_context_data(
            groups=selectors.invitation_proposals(conference),
            missing=selectors.missing_categories(conference),
            clashes=selectors.clashes(conference),
            invitations=conference.invitations.select_related("agency", "contact", "routed_via"),
            to_send=conference.invitations.filter(state=InvitationState.PENDING).count(),
            without_address=services.invitations_without_address(conference),
            **kwargs,
        )

    def form_valid(self, form: InviteForm) -> HttpResponse:
        try:
            created = services.add_invitations(
                self.get_conference(), agencies=form.cleaned_data["agencies"], by=self.request.user
            )
        except services.ConferenceError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(
            self.request,
            ngettext(
                "%(n)d Partnerbehörde zur Einladungsliste hinzugefügt. Versendet ist noch "
                "nichts: das geschieht mit „Einladungen versenden“.",
                "%(n)d Partnerbehörden zur Einladungsliste hinzugefügt. Versendet ist noch "
                "nichts: das geschieht mit „Einladungen versenden“.",
                len(created),
            )
            % {"n": len(created)},
        )
        return redirect("conferences:invitations", pk=self.get_conference().pk)


class InvitationPostView(ConferenceMixin, View):
    """POST only: one service call on one invitation of the conference, then back to the list."""

    request: AuthenticatedHttpRequest
    permission_required = "conferences.change_conference"
    http_method_names = ["post"]
    success_message: "StrOrPromise" = ""

    def perform(self, invitation: Invitation, user: User) -> None:
        raise NotImplementedError

    def post(self, request: AuthenticatedHttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
        invitation = get_object_or_404(
            Invitation, pk=invitation_pk, conference=self.get_conference()
        )
        try:
            self.perform(invitation, request.user)
            messages.success(request, self.success_message)
        except services.ConferenceError as error:
            messages.error(request, str(error))
        return redirect("conferences:invitations", pk=pk)


class InvitationRemoveView(InvitationPostView):
    success_message = gettext_lazy("Einladung entfernt.")

    def perform(self, invitation: Invitation, user: User) -> None:
        services.remove_invitation(invitation, by=user)


class InvitationLetterSentView(InvitationPostView):
    """The printed invitation went out by post or fax."""

    success_message = gettext_lazy("Als per Brief versendet vermerkt.")

    def perform(self, invitation: Invitation, user: User) -> None:
        services.mark_sent_by_letter(invitation, by=user)


class SendInvitationsView(ConferenceMixin, TemplateView):
    """GET shows exactly what will be sent; POST sends (idempotent)."""

    request: AuthenticatedHttpRequest
    permission_required = "conferences.change_conference"
    template_name = "conferences/invitation/send.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        conference = self.get_conference()
        pending = list(
            conference.invitations.filter(state=InvitationState.PENDING)
            .select_related("agency", "contact", "routed_via")
            .prefetch_related("routed_via__contacts")
        )
        sample = None
        with_address = [i for i in pending if i.recipient_email]
        if with_address:
            sample = compose_invitation(with_address[0], preview=True)
        return super().get_context_data(
            with_address=with_address,
            without_address=[i for i in pending if not i.recipient_email],
            missing=selectors.missing_categories(conference),
            sample=sample,
            started=conference.start <= timezone.now(),
            **kwargs,
        )

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        try:
            with tasks_queue.watching() as queue:
                count = services.send_invitations(self.get_conference(), by=request.user)
        except services.ConferenceError as error:
            messages.error(request, str(error))
            return redirect("conferences:send", pk=pk)
        if count and queue.broker_down:
            # The mails are rows in the outbox; the sweeper hands them over once it is back.
            messages.warning(
                request,
                ngettext(
                    "%(n)d Einladung ist gespeichert und wird versendet, sobald der "
                    "Versanddienst wieder erreichbar ist.",
                    "%(n)d Einladungen sind gespeichert und werden versendet, sobald der "
                    "Versanddienst wieder erreichbar ist.",
                    count,
                )
                % {"n": count},
            )
        elif count:
            messages.success(
                request,
                ngettext(
                    "%(n)d Einladung wird versendet.", "%(n)d Einladungen werden versendet.", count
                )
                % {"n": count},
            )
        else:
            messages.info(request, _("Es gab keine neuen Einladungen zu versenden."))
        return redirect(self.get_conference())


class MailLogView(ConferenceMixin, TemplateView):
    request: AuthenticatedHttpRequest
    permission_required = "conferences.view_conference"
    template_name = "conferences/conference/mail_log.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            mails=self.get_conference()
            .mails.select_related("invitation__agency")
            .order_by("-created", "-pk"),
            **kwargs,
        )
