"""Calendar subscriptions: a secret, revocable URL per authority or partner agency.

The token is the only credential: 256 random bits, stored as issued, never logged or audited.
A new URL for the same owner revokes the earlier one, so a leaked link is dealt with by
issuing a new one. Feeds are read without a login, hence outside any authority scope: every
query here names its owner explicitly.
"""

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from authorities.models import Authority, PartnerAgency
from siko.audit import log_action

from .enums import ConferenceStatus
from .ical import conference_feed_ics
from .models import CalendarFeed, Conference, Invitation

#: How far back a feed reaches; older conferences drop out of subscribed calendars.
FEED_HISTORY = timedelta(days=400)


class FeedError(Exception):
    """A rule of calendar subscriptions was broken; the message is German and for the user."""


def feed_url(feed: CalendarFeed) -> str:
    return settings.SITE_URL + reverse("conferences:calendar_feed", kwargs={"token": feed.token})


def active_feeds() -> Any:
    return CalendarFeed.objects.filter(revoked_at__isnull=True)


@transaction.atomic
def create_feed(
    *, authority: Authority | None = None, agency: PartnerAgency | None = None, by: Any
) -> CalendarFeed:
    """Issues a new subscription URL for exactly one owner; an earlier URL stops working."""
    if (authority is None) == (agency is None):
        raise FeedError(_("Ein Kalender-Abo gehört entweder einer KPB oder einer Partnerbehörde."))
    owner = {"authority": authority} if authority else {"agency": agency}
    audit_authority = authority or getattr(by, "authority", None)
    now = timezone.now()
    for old in active_feeds().select_for_update().filter(**owner):
        old.revoked_at = now
        old.save(update_fields=["revoked_at"])
        log_action("calendar_feed.revoked", old, actor=by, authority=audit_authority)
    feed = CalendarFeed.objects.create(token=secrets.token_urlsafe(32), **owner)
    log_action(
        "calendar_feed.created",
        feed,
        actor=by,
        authority=audit_authority,
        data={"agency": agency.pk} if agency else {},
    )
    return feed


@transaction.atomic
def revoke_feed(feed: CalendarFeed, *, by: Any) -> CalendarFeed:
    feed = CalendarFeed.objects.select_for_update().get(pk=feed.pk)
    if feed.revoked_at is not None:
        raise FeedError(_("Dieses Kalender-Abo ist bereits widerrufen."))
    feed.revoked_at = timezone.now()
    feed.save(update_fields=["revoked_at"])
    log_action(
        "calendar_feed.revoked",
        feed,
        actor=by,
        authority=feed.authority or getattr(by, "authority", None),
    )
    return feed


def feed_for_token(token: str) -> CalendarFeed | None:
    """The active feed of a token, or None for an unknown or revoked one."""
    if not token or len(token) > 64:
        return None
    with scopes_disabled():
        return active_feeds().select_related("authority", "agency").filter(token=token).first()


def _since() -> Any:
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
    """The agency's invitations to conferences beyond the draft stage."""
    with scopes_disabled():
        return list(
            Invitation.objects.filter(agency=agency, conference__end__gte=_since())
            .exclude(conference__status=ConferenceStatus.DRAFT)
            .select_related("conference__host", "conference__organiser", "agency")
            .prefetch_related("conference__agenda_items")
            .order_by("conference__start")
        )


def render_feed(feed: CalendarFeed) -> str:
    from .links import answer_url

    if feed.authority_id:
        authority = feed.authority
        return conference_feed_ics(
            authority_feed_conferences(authority),
            name=f"SiKo – {authority.short_name}",
            link_for=lambda conference: settings.SITE_URL + conference.get_absolute_url(),
        )
    agency = feed.agency
    invitations = agency_feed_invitations(agency)
    links = {i.conference_id: answer_url(i) for i in invitations}
    return conference_feed_ics(
        [i.conference for i in invitations],
        name=f"SiKo – {agency.name}",
        link_for=lambda conference: links[conference.pk],
    )
