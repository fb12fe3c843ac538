"""Pages for partner agencies: the answer page and the overview of all invitations.

People without an account reach them through signed links (conferences.links); partner
accounts reach their overview after login. GET only shows, POST changes (mail scanners open
links). Anonymous requests run in an empty authority scope, so every read here happens with
scopes disabled and is narrowed by the token's invitation or agency instead.
"""

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django_scopes import scopes_disabled

from authorities.models import PartnerAgency, partner_category_label
from authorities.requests import AuthenticatedHttpRequest
from conferences import links, services, uploads
from conferences.documents import feeds
from conferences.enums import AnswerChannel, ConferenceStatus, InvitationState
from conferences.forms import AnswerForm, OverviewRequestForm
from conferences.models import CalendarFeed, Invitation
from conferences.views.documents import FEED_CREATED, FEED_REVOKED, run_feed_action
from siko.collation import german
from siko.views_base import SikoPermissionMixin

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

BAD_LINK_TEMPLATE = "conferences/partner/bad_link.html"
EXPIRED_LINK_TEMPLATE = "conferences/partner/expired_link.html"


def _bad_link(request: HttpRequest, *, expired_possible: bool = False) -> HttpResponse:
    return render(request, BAD_LINK_TEMPLATE, {"expired_possible": expired_possible}, status=404)


def expired_link(request: HttpRequest, *, reason: str, expires_at: datetime) -> HttpResponse:
    """A genuine link past its lifetime (the model's link_expires_at): 410, nothing changed."""
    context = {"reason": reason, "valid_until": expires_at - timedelta(seconds=1)}
    return render(request, EXPIRED_LINK_TEMPLATE, context, status=410)


def _answer_link_expired(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    return expired_link(
        request,
        expires_at=invitation.answer_link_expires_at,
        reason=_(
            "Die Konferenz liegt länger zurück; der Link zur Antwort auf die Einladung wird nicht "
            "mehr benötigt."
        ),
    )


def linked_invitation(request: HttpRequest, token: str) -> Invitation | HttpResponse:
    """The invitation of a genuine, current answer link, or the page that says why there is
    none."""
    invitation = links.invitation_for_token(token)
    if invitation is None:
        return _bad_link(request)
    if invitation.answer_link_expired():
        return _answer_link_expired(request, invitation)
    return invitation


def _answer_unchanged(invitation: Invitation, data: dict[str, Any]) -> bool:
    """The same answer again (a double click, a reload after POST) changes nothing."""
    delegated = data["state"] == InvitationState.DELEGATED
    return (
        invitation.state == data["state"]
        and invitation.answered_via == AnswerChannel.LINK
        and invitation.comment == data["comment"]
        and invitation.delegate_name == (data["delegate_name"] if delegated else "")
        and invitation.delegate_function == (data["delegate_function"] if delegated else "")
    )


class AnswerView(SikoPermissionMixin, View):
    public = True
    public_reason = "Partner answer through the signed link in their invitation mail"

    template_name = "conferences/partner/answer.html"

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        with scopes_disabled():
            invitation = linked_invitation(request, token)
            if isinstance(invitation, HttpResponse):
                return invitation
            return self._page(request, invitation, self._form(invitation))

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        with scopes_disabled():
            invitation = linked_invitation(request, token)
            if isinstance(invitation, HttpResponse):
                return invitation
            closed = services.answer_closed_reason(invitation.conference)
            if closed:
                messages.error(request, closed)
                return self._page(request, invitation, None, status=409)
            form = AnswerForm(request.POST)
            if not form.is_valid():
                return self._page(request, invitation, form, status=400)
            data = form.cleaned_data
            if not _answer_unchanged(invitation, data):
                try:
                    services.record_answer(
                        invitation,
                        state=data["state"],
                        via=AnswerChannel.LINK,
                        comment=data["comment"],
                        delegate_name=data["delegate_name"],
                        delegate_function=data["delegate_function"],
                    )
                except services.ConferenceError as error:
                    form.add_error(None, str(error))
                    return self._page(request, invitation, form, status=400)
        messages.success(
            request,
            _(
                "Vielen Dank. Ihre Antwort „%(answer)s“ ist gespeichert; "
                "Sie können sie bis zum Beginn der Konferenz ändern."
            )
            % {"answer": InvitationState(data["state"]).label},
        )
        return HttpResponseRedirect(request.path)

    @staticmethod
    def _form(invitation: Invitation) -> AnswerForm:
        initial = {}
        if invitation.is_answered:
            initial = {
                "state": invitation.state,
                "comment": invitation.comment,
                "delegate_name": invitation.delegate_name,
                "delegate_function": invitation.delegate_function,
            }
        return AnswerForm(initial=initial)

    def _page(
        self,
        request: HttpRequest,
        invitation: Invitation,
        form: AnswerForm | None,
        *,
        status: int = 200,
    ) -> HttpResponse:
        conference = invitation.conference
        closed = services.answer_closed_reason(conference)
        # Two columns of the agencies, not sixty invitations with their agencies as objects.
        invited = [
            (name, partner_category_label(category))
            for name, category in conference.invitations.order_by(
                "agency__category", german("agency__name")
            ).values_list("agency__name", "agency__category")
        ]
        context = {
            "invitation": invitation,
            "conference": conference,
            "agenda": list(conference.agenda_items.select_related("topic")),
            "invited": invited,
            "co_hosts": [
                a.short_name for a in conference.authorities.all() if a.pk != conference.host_id
            ],
            "closed": closed,
            "cancelled": conference.status == ConferenceStatus.CANCELLED,
            "form": None if closed else form,
            "documents": list(uploads.partner_documents(conference)),
            "token": links.answer_token(invitation),
        }
        return render(request, self.template_name, context, status=status)


class OverviewRequestView(SikoPermissionMixin, View):
    """Asks for the overview link by mail. The answer never tells whether an address is known."""

    public = True
    public_reason = "Partner agencies without an account ask for their overview link by mail"

    template_name = "conferences/partner/overview_request.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": OverviewRequestForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = OverviewRequestForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        links.request_overview_link(form.cleaned_data["email"])
        messages.success(
            request,
            _(
                "Wenn die Adresse bei einer Polizeibehörde als Ansprechperson einer Partnerbehörde "
                "hinterlegt ist, erhalten Sie in wenigen Minuten eine E-Mail mit dem Link zur "
                "Übersicht. Der Link ist 14 Tage gültig."
            ),
        )
        return redirect("conferences:partner_overview_request")


def agency_invitations(agency: PartnerAgency) -> tuple[list[Invitation], list[Invitation]]:
    """All invitations the agency received (or forwards, as a Bezirksregierung), across KPBs:
    upcoming first by date, then past ones, newest first. Unsent drafts are not shown."""
    with scopes_disabled():
        invitations = list(
            Invitation.objects.filter(Q(agency=agency) | Q(routed_via=agency))
            .exclude(state=InvitationState.PENDING)
            .exclude(conference__status=ConferenceStatus.DRAFT)
            .select_related("conference", "conference__host", "agency")
            .order_by("conference__start", "pk")
        )
    now = timezone.now()
    for invitation in invitations:
        expired = invitation.answer_link_expired(now)
        invitation.answer_path = "" if expired else links.answer_path(invitation)
    upcoming = [i for i in invitations if i.conference.end > now]
    past = [i for i in reversed(invitations) if i.conference.end <= now]
    return upcoming, past


class _OverviewMixin:
    template_name = "conferences/partner/overview.html"

    def overview(self, request: HttpRequest, agency: PartnerAgency, **extra: Any) -> HttpResponse:
        upcoming, past = agency_invitations(agency)
        return render(
            request,
            self.template_name,
            {"agency": agency, "upcoming": upcoming, "past": past, **extra},
        )


class OverviewView(_OverviewMixin, SikoPermissionMixin, View):
    """The agency's invitations; its calendar subscriptions too, since the signed link is the
    agency itself asking (a KPB never issues an agency's feed). POST issues or revokes one."""

    public = True
    public_reason = "Partner agencies see their invitations through a signed, expiring link"

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        agency = links.agency_for_overview_token(token)
        if agency is None:
            return _bad_link(request, expired_possible=True)
        return self.overview(
            request, agency, calendar_feeds=feeds.agency_feeds(agency), feeds_here=True
        )

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        agency = links.agency_for_overview_token(token)
        if agency is None:
            return _bad_link(request, expired_possible=True)

        def create() -> "StrOrPromise":
            feeds.create_feed(agency=agency, by=None)
            return FEED_CREATED

        def revoke() -> "StrOrPromise":
            feeds.revoke_feed(self._own_feed(agency, request.POST.get("feed")), by=None)
            return FEED_REVOKED

        run_feed_action(request, {"create_feed": create, "revoke_feed": revoke})
        return HttpResponseRedirect(request.path)

    @staticmethod
    def _own_feed(agency: PartnerAgency, feed_id: str | None) -> CalendarFeed:
        """A feed of this agency; another owner's feed is a 404, as if it did not exist."""
        feed = None
        if feed_id and feed_id.isdecimal():
            feed = CalendarFeed.objects.filter(agency=agency, pk=int(feed_id)).first()
        if feed is None:
            raise Http404
        return feed


class MyInvitationsView(_OverviewMixin, SikoPermissionMixin, View):
    """The same overview for a logged-in partner account, for its own agency."""

    request: AuthenticatedHttpRequest
    permission_required = "conferences.view_own_invitations"

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        if not request.user.partner_agency_id:
            raise PermissionDenied  # superusers pass every rule but have no agency
        with scopes_disabled():
            agency = PartnerAgency.objects.get(pk=request.user.partner_agency_id)
        return self.overview(request, agency, logged_in=True)
