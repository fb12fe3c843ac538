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
from django.db.models import Q, TextChoices
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
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
from siko.page_cache import CSRF_PLACEHOLDER, cached_html, fill_csrf
from siko.page_version import page_token
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


def _answer_link_expired(request: HttpRequest, expires_at: datetime) -> HttpResponse:
    return expired_link(
        request,
        expires_at=expires_at,
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
        return _answer_link_expired(request, invitation.answer_link_expires_at)
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
    """The partner's answer page. GET is served from siko.page_cache under the page version
    (siko.page_version), which every write to what the page shows replaces: the signature is
    checked first, then the link's lifetime and whether the conference has started, from the
    cached facts of the link; only then the page. A cached GET reads one row (the version)."""

    public = True
    public_reason = "Partner answer through the signed link in their invitation mail"

    template_name = "conferences/partner/answer.html"
    body_template_name = "conferences/partner/_answer_body.html"

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        public_id = links.answer_public_id(token)
        if public_id is None:
            return _bad_link(request)
        version = page_token()  # first: everything read afterwards is at least as new
        found: list[Invitation] = []
        with scopes_disabled():
            facts = cached_html(
                "answer-link", (token,), lambda: _link_facts(token, found), token=version
            )
            if not facts["expires_at"]:
                return _bad_link(request)
            now = timezone.now()
            expires_at = datetime.fromisoformat(facts["expires_at"])
            if now >= expires_at:
                return _answer_link_expired(request, expires_at)
            started = now >= datetime.fromisoformat(facts["starts_at"])
            parts = (token, started)

            def render_body() -> dict[str, str]:
                invitation = found[0] if found else _invitation(token)
                form = self._form(invitation)
                return {"body": self._body(request, invitation, form, csrf=CSRF_PLACEHOLDER)}

            def body() -> SafeString:
                return cached_html("answer", parts, render_body, token=version)["body"]

            if _personal(request):  # the frame shows the viewer's name or a message: now
                html = self._frame(request, body())
            else:  # an anonymous viewer without messages: the whole page, kept
                html = cached_html(
                    "answer-page",
                    parts,
                    lambda: {"page": self._frame(request, body())},
                    token=version,
                )["page"]
        return HttpResponse(fill_csrf(html, request))

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

    def _frame(self, request: HttpRequest, body: str) -> str:
        """The whole page around the content; kept only for an anonymous request without
        messages or query string (_personal), the same for every such request."""
        return render_to_string(
            self.template_name, {"body": body, "csrf_token": CSRF_PLACEHOLDER}, request
        )

    def _page(
        self,
        request: HttpRequest,
        invitation: Invitation,
        form: AnswerForm | None,
        *,
        status: int = 200,
    ) -> HttpResponse:
        """The page rendered now, uncached: after a POST with errors."""
        body = self._body(request, invitation, form)
        return render(request, self.template_name, {"body": body}, status=status)

    def _body(
        self,
        request: HttpRequest,
        invitation: Invitation,
        form: AnswerForm | None,
        *,
        csrf: str | None = None,
    ) -> SafeString:
        conference = invitation.conference
        closed = services.answer_closed_reason(conference)
        # Two columns of the agencies, not sixty invitations with their agencies as objects,
        # and their list items in one call instead of a template loop.
        invited = format_html_join(
            "",
            '<li>{} <span class="small text-body-secondary">({})</span></li>',
            (
                (name, partner_category_label(category))
                for name, category in conference.invitations.order_by(
                    "agency__category", german("agency__name")
                ).values_list("agency__name", "agency__category")
            ),
        )
        context = {
            "invitation": invitation,
            "conference": conference,
            "agenda": conference.agenda_items.values(
                "title", "duration_minutes", "presenter", "notes"
            ),
            "invited": invited,
            "co_hosts": conference.authorities.exclude(pk=conference.host_id).values_list(
                "short_name", flat=True
            ),
            "closed": closed,
            "cancelled": conference.status == ConferenceStatus.CANCELLED,
            "form": None if closed else form,
            "documents": uploads.partner_documents(conference),
            "token": links.answer_token(invitation),
            "state_label": _label(InvitationState, invitation.state),
            "via_label": _label(AnswerChannel, invitation.answered_via),
        }
        if csrf is not None:
            context["csrf_token"] = csrf
        return render_to_string(self.body_template_name, context, request)


def _label(choices: type[TextChoices], value: str) -> str:
    """get_FOO_display() without building the dict of every choice: the label, or the value
    itself outside the choices."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _invitation(token: str) -> Invitation:
    invitation = links.invitation_for_token(token)
    if invitation is None:  # deleted after its facts were read: a new version, a new request
        raise Http404
    return invitation


def _link_facts(token: str, found: list[Invitation]) -> dict[str, str]:
    """What decides, besides the data, which page a link gets: whether its invitation exists,
    until when the link works and when the conference starts (answers close then). The
    invitation read is handed on in `found` for the page's first rendering."""
    invitation = links.invitation_for_token(token)
    if invitation is None:
        return {"expires_at": "", "starts_at": ""}
    found.append(invitation)
    return {
        "expires_at": invitation.answer_link_expires_at.isoformat(),
        "starts_at": invitation.conference.start.isoformat(),
    }


def _personal(request: HttpRequest) -> bool:
    """The frame of the page shows something of this request: the signed-in viewer's name, a
    message (after an answer), the query string in the language form's return address."""
    return (
        request.user.is_authenticated
        or bool(request.META.get("QUERY_STRING"))
        or len(messages.get_messages(request)) > 0
    )


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
