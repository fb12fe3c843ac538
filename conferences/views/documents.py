"""Documents of a conference (invitation letter, .ics) and calendar subscriptions (thin views)."""

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotFound
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from authorities.models import PartnerAgency
from authorities.requests import AuthenticatedHttpRequest
from conferences.documents import feeds
from conferences.documents.ical import conference_feed_ics
from conferences.models import CalendarFeed, Invitation
from conferences.views.planning import ConferenceMixin
from siko.collation import german
from siko.views_base import SikoPermissionMixin

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _attachment(content: bytes | str, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Personal answer links inside: no shared caches.
    response["Cache-Control"] = "private, no-store"
    return response


class InvitationLetterView(ConferenceMixin, View):
    """The printable letter for a partner reached by post or fax."""

    request: AuthenticatedHttpRequest
    permission_required = "conferences.view_conference"
    http_method_names = ["get"]

    def get(self, request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
        conference = self.get_conference()
        invitation: Invitation = get_object_or_404(
            Invitation.objects.select_related(
                "agency", "contact", "routed_via", "conference__host", "conference__organiser"
            ),
            pk=invitation_pk,
            conference=conference,
        )
        if not conference.is_editable:
            messages.error(
                request,
                _(
                    "Für eine abgesagte oder durchgeführte Konferenz gibt es kein "
                    "Einladungsschreiben mehr."
                ),
            )
            return redirect(conference)
        # WeasyPrint takes a second to import: only when a letter is wanted, not at URL loading.
        from conferences.documents.letters import render_invitation_letter

        pdf = render_invitation_letter(invitation)
        return _attachment(
            pdf, content_type="application/pdf", filename=f"einladung-{invitation.agency.slug}.pdf"
        )


class ConferenceIcsView(ConferenceMixin, View):
    """One conference as a calendar file for the organiser's own calendar (METHOD:PUBLISH)."""

    request: AuthenticatedHttpRequest
    permission_required = "conferences.view_conference"
    http_method_names = ["get"]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        conference = self.get_conference()
        ics = conference_feed_ics(
            [conference],
            name=conference.title,
            link_for=lambda c: settings.SITE_URL + c.get_absolute_url(),
        )
        return _attachment(
            ics, content_type="text/calendar; charset=utf-8", filename=f"siko-{conference.pk}.ics"
        )


class CalendarFeedView(SikoPermissionMixin, View):
    public = True
    public_reason = "secret subscription URL: calendar clients cannot log in"
    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        feed = feeds.feed_for_token(token)
        if feed is None:
            return HttpResponseNotFound(
                _(
                    "Dieses Kalender-Abo gibt es nicht oder es wurde widerrufen. Bitte fragen "
                    "Sie bei der Kreispolizeibehörde nach einer neuen Adresse."
                ),
                content_type="text/plain; charset=utf-8",
            )
        response = HttpResponse(
            feeds.render_feed(feed), content_type="text/calendar; charset=utf-8"
        )
        response["Content-Disposition"] = 'inline; filename="siko.ics"'
        # The URL is the secret: no cache keeps a copy (calendar clients poll anyway).
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
        return response


def _int(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None


FEED_CREATED = gettext_lazy(
    "Neue Abo-Adresse erzeugt. Bisherige Adressen gelten weiter, bis sie widerrufen werden."
)
FEED_REVOKED = gettext_lazy("Das Kalender-Abo ist widerrufen; die Adresse funktioniert nicht mehr.")


def run_feed_action(
    request: HttpRequest, handlers: Mapping[str, Callable[[], "StrOrPromise"]]
) -> None:
    """Runs the POSTed `action` of a calendar subscription page (KPB, LZPD, partner) and shows
    its message, or the FeedError's. Each handler calls the feeds service and returns what to
    tell the user."""
    handler = handlers.get(request.POST.get("action", ""))
    if handler is None:
        messages.error(request, _("Unbekannte Aktion."))
        return
    try:
        messages.success(request, handler())
    except feeds.FeedError as error:
        messages.error(request, str(error))


class CalendarFeedsView(SikoPermissionMixin, TemplateView):
    """Create and revoke subscription URLs: a KPB its own authority's, a partner account its
    own agency's, LZPD and admins any agency's. A KPB never manages an agency's feed, not even
    one of its area: that feed carries the agency's answer links of every KPB."""

    request: AuthenticatedHttpRequest
    permission_required = "conferences.manage_calendar_feeds"
    template_name = "conferences/feeds/manage.html"

    def agencies(self) -> QuerySet[PartnerAgency]:
        user = self.request.user
        if not user.has_perm("conferences.manage_agency_feed"):
            return PartnerAgency.objects.none()
        if user.is_partner:
            if user.partner_agency_id is None:  # never: user_belongs_to_one_organisation
                return PartnerAgency.objects.none()
            return PartnerAgency.objects.filter(pk=user.partner_agency_id)
        return PartnerAgency.objects.filter(active=True).order_by(german("name"))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        own_feeds = (
            list(feeds.active_feeds().filter(authority_id=user.authority_id).order_by("created"))
            if user.authority_id
            else []
        )
        agencies = list(self.agencies().only("pk", "name"))
        agency_feeds = list(
            feeds.active_feeds()
            .filter(agency_id__in=self.agencies().values("pk"))
            .select_related("agency")
            .order_by(german("agency__name"), "created")
        )
        return super().get_context_data(
            authority=user.authority if user.authority_id else None,
            own_feeds=own_feeds,
            manages_agency_feeds=user.has_perm("conferences.manage_agency_feed"),
            agency_feeds=agency_feeds,
            agencies=agencies,
            **kwargs,
        )

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        run_feed_action(
            request,
            {
                "create_authority": self._create_authority_feed,
                "create_agency": lambda: self._create_agency_feed(_int(request.POST.get("agency"))),
                "revoke": lambda: self._revoke_feed(_int(request.POST.get("feed"))),
            },
        )
        return redirect("conferences:calendar_feeds")

    def _create_authority_feed(self) -> "StrOrPromise":
        user = self.request.user
        if not user.authority_id:
            raise feeds.FeedError(_("Nur eine Kreispolizeibehörde hat ein eigenes Kalender-Abo."))
        feeds.create_feed(authority=user.authority, by=user)
        return FEED_CREATED

    def _create_agency_feed(self, agency_id: int | None) -> "StrOrPromise":
        if not self.request.user.has_perm("conferences.manage_agency_feed"):
            raise PermissionDenied  # a KPB: the agency asks for its feed itself
        if agency_id is None:
            raise feeds.FeedError(_("Bitte wählen Sie eine Partnerbehörde."))
        agency = get_object_or_404(self.agencies(), pk=agency_id)
        if not feeds.may_manage_feeds_of(self.request.user, agency=agency):
            raise PermissionDenied
        feeds.create_feed(agency=agency, by=self.request.user)
        return _(
            "Neue Abo-Adresse für %(agency)s erzeugt. Bisherige Adressen gelten weiter, bis "
            "sie widerrufen werden."
        ) % {"agency": agency.name}

    def _revoke_feed(self, feed_id: int | None) -> "StrOrPromise":
        feeds.revoke_feed(self._own_feed(feed_id), by=self.request.user)
        return FEED_REVOKED

    def _own_feed(self, feed_id: int | None) -> CalendarFeed:
        """A feed the user may revoke; any other feed is a 404, as if it did not exist."""
        feed = (
            CalendarFeed.objects.filter(pk=feed_id).select_related("authority", "agency").first()
            if feed_id is not None
            else None
        )
        if feed is None or not feeds.may_manage_feeds_of(
            self.request.user, authority=feed.authority, agency=feed.agency
        ):
            raise Http404
        return feed
