"""Calendar subscriptions: secret, revocable URLs of an authority or a partner agency.

The token is the only credential: 256 random bits, stored as issued, never logged or audited.
Who issues a URL: a KPB for its own authority only; a partner agency for itself (through its
signed overview link or a partner account), or LZPD/admin for any agency. An owner may hold
several active URLs (one per calendar or person); issuing one never revokes another, only the
explicit revocation does. Feeds are read without a login, hence outside any authority scope:
every query here names its owner explicitly, and an agency's feed carries only the answer links
of that agency's own invitations, an authority's feed none at all.
"""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from authorities.models import Authority, PartnerAgency, User
from conferences.documents.ical import conference_feed_ics
from conferences.enums import ConferenceStatus, InvitationState
from conferences.models import CalendarFeed, Conference, Invitation
from siko.audit import log_action

#: How far back a feed reaches; older conferences drop out of subscribed calendars.
FEED_HISTORY = timedelta(days=400)


class FeedError(Exception):
    """A rule of calendar subscriptions was broken; the message is German and for the user."""


def feed_url(feed: CalendarFeed) -> str:
    return feed.url


def agency_feeds(agency: PartnerAgency) -> list[CalendarFeed]:
    """The agency's active feeds, oldest first (each has its url and webcal_url)."""
    with scopes_disabled():
        return list(active_feeds().filter(agency=agency).order_by("created", "pk"))


def active_feeds() -> QuerySet[CalendarFeed]:
    return CalendarFeed.objects.filter(revoked_at__isnull=True)


def may_manage_feeds_of(
    user: User, *, authority: Authority | None = None, agency: PartnerAgency | None = None
) -> bool:
    """Whether a logged-in user may issue or revoke the feeds of this owner. A KPB manages its
    own authority's feeds and never an agency's, even one covering its area."""
    if authority is not None:
        return bool(user.is_authenticated and user.authority_id == authority.pk)
    return agency is not None and user.has_perm("conferences.manage_agency_feed", agency)


def _may_manage(
    by: User | None, *, authority: Authority | None, agency: PartnerAgency | None
) -> bool:
    if by is None:  # the agency itself, through its overview link (checked by the caller)
        return agency is not None
    return may_manage_feeds_of(by, authority=authority, agency=agency)


@transaction.atomic
def create_feed(
    *, authority: Authority | None = None, agency: PartnerAgency | None = None, by: User | None
) -> CalendarFeed:
    """Issues a new subscription URL for exactly one owner. Earlier URLs keep working.

    `by` is the user who asks, or None when the agency asks through its own signed overview
    link (the caller has checked the link); a user must be allowed to manage the owner's feeds.
    """
    if (authority is None) == (agency is None):
        raise FeedError(_("Ein Kalender-Abo gehört entweder einer KPB oder einer Partnerbehörde."))
    if not _may_manage(by, authority=authority, agency=agency):
        raise FeedError(_("Dieses Kalender-Abo dürfen Sie nicht anlegen."))
    feed = CalendarFeed.objects.create(
        token=secrets.token_urlsafe(32), authority=authority, agency=agency
    )
    log_action(
        "calendar_feed.created",
        feed,
        actor=by,
        authority=authority,
        data={"agency": agency.pk} if agency else {},
    )
    return feed


@transaction.atomic
def revoke_feed(feed: CalendarFeed, *, by: User | None) -> CalendarFeed:
    """Stops one URL; the owner's other URLs keep working. `by` as for create_feed."""
    feed = CalendarFeed.objects.select_for_update().get(pk=feed.pk)
    if not _may_manage(by, authority=feed.authority, agency=feed.agency):
        raise FeedError(_("Dieses Kalender-Abo dürfen Sie nicht widerrufen."))
    if feed.revoked_at is not None:
        raise FeedError(_("Dieses Kalender-Abo ist bereits widerrufen."))
    feed.revoked_at = timezone.now()
    feed.save(update_fields=["revoked_at"])
    log_action("calendar_feed.revoked", feed, actor=by, authority=feed.authority)
    return feed


def feed_for_token(token: str) -> CalendarFeed | None:
    """The active feed of a token, or None for an unknown or revoked one."""
    if not token or len(token) > 64:
        return None
    with scopes_disabled():
        return active_feeds().select_related("authority", "agency").filter(token=token).first()


def _since() -> datetime:
    return timezone.now() - FEED_HISTORY


def authority_feed_conferences(authority: Authority) -> list[Conference]:
    """Conferences the authority hosts or co-hosts, drafts included (marked tentative)."""
    with scopes_disabled():
        return list(
            Conference.objects.filter(authorities=authority, end__gte=_since())
            .select_related("host", "organiser")
            .prefetch_related("agenda_items")
            .order_by("start")
        )


def agency_feed_invitations(agency: PartnerAgency) -> list[Invitation]:
    """The agency's own invitations that went out (as on its overview page), to conferences
    beyond the draft stage. Invitations it merely forwards (Bezirksregierung) are not its own."""
    with scopes_disabled():
        return list(
            Invitation.objects.filter(agency=agency, conference__end__gte=_since())
            .exclude(state=InvitationState.PENDING)
            .exclude(conference__status=ConferenceStatus.DRAFT)
            .select_related("conference__host", "conference__organiser", "agency")
            .prefetch_related("conference__agenda_items")
            .order_by("conference__start")
        )


def render_feed(feed: CalendarFeed) -> str:
    from conferences.links import answer_url

    authority = feed.authority
    if authority is not None:
        # The authority's own conference pages, never a partner's answer link.
        return conference_feed_ics(
            authority_feed_conferences(authority),
            name=f"SiKo – {authority.short_name}",
            link_for=lambda conference: settings.SITE_URL + conference.get_absolute_url(),
        )
    agency = feed.agency
    assert agency is not None  # a feed has exactly one owner (calendar_feed_has_one_owner)
    invitations = agency_feed_invitations(agency)
    # One invitation per conference and agency (invitation_once_per_agency): each event carries
    # the answer link of this agency's own invitation and no other, none once the link expired.
    now = timezone.now()
    links = {
        i.conference_id: "" if i.answer_link_expired(now) else answer_url(i) for i in invitations
    }
    return conference_feed_ics(
        [i.conference for i in invitations],
        name=f"SiKo – {agency.name}",
        link_for=lambda conference: links[conference.pk],
    )
