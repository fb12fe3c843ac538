"""Signed links for partners without accounts (Django's signing, no clear database ids).

Two kinds of link exist. The answer link is bound to one invitation: it signs the invitation's
random public_id and stays valid as long as the invitation exists (the page itself closes the
answer when the conference starts). The overview link shows all invitations of one agency: it
signs the agency's slug with a timestamp and expires after OVERVIEW_MAX_AGE.
"""

import time
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from authorities.models import Contact, PartnerAgency
from conferences.models import Invitation
from notifications import queue as delivery
from notifications.compose import ComposedMail
from notifications.enums import MailKind
from notifications.models import OutgoingMail
from siko.audit import log_action

ANSWER_SALT = "siko.invitation.answer"
OVERVIEW_SALT = "siko.partner.overview"
OVERVIEW_MAX_AGE = timedelta(days=14)
# Repeated requests for the same contact within this window send no further mail.
OVERVIEW_REQUEST_WINDOW = timedelta(minutes=10)


def answer_token(invitation: Invitation) -> str:
    return signing.Signer(salt=ANSWER_SALT).sign(str(invitation.public_id))


def answer_path(invitation: Invitation) -> str:
    return reverse("conferences:answer", kwargs={"token": answer_token(invitation)})


def answer_url(invitation: Invitation) -> str:
    return settings.SITE_URL + answer_path(invitation)


def answer_public_id(token: str) -> str | None:
    """The public_id an answer token signs (no database access), or None for a forged, altered
    or foreign token."""
    try:
        return signing.Signer(salt=ANSWER_SALT).unsign(token)
    except signing.BadSignature:
        return None


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a token was made for, or None for a forged, altered or foreign token."""
    public_id = answer_public_id(token)
    if public_id is None:
        return None
    with scopes_disabled():
        try:
            return (
                Invitation.objects.filter(public_id=public_id)
                .select_related("conference", "conference__host", "agency")
                .first()
            )
        except (ValidationError, ValueError, TypeError):  # signed, but no UUID
            return None


def overview_token(agency: PartnerAgency) -> str:
    """The agency's slug is a public name, not a database id; the timestamp lets it expire."""
    return signing.TimestampSigner(salt=OVERVIEW_SALT).sign_object({"a": agency.slug})


def overview_url(agency: PartnerAgency) -> str:
    return settings.SITE_URL + reverse(
        "conferences:partner_overview", kwargs={"token": overview_token(agency)}
    )


def agency_for_overview_token(token: str) -> PartnerAgency | None:
    """The agency of a valid, unexpired overview token; None for anything else."""
    try:
        payload = signing.TimestampSigner(salt=OVERVIEW_SALT).unsign_object(
            token, max_age=OVERVIEW_MAX_AGE
        )
    except (signing.BadSignature, ValueError):  # SignatureExpired is a BadSignature
        return None
    slug = payload.get("a") if isinstance(payload, dict) else None
    if not isinstance(slug, str):
        return None
    with scopes_disabled():
        return PartnerAgency.objects.filter(slug=slug, active=True).first()


def compose_overview_mail(agency: PartnerAgency) -> ComposedMail:
    context = {
        "agency": agency,
        "overview_url": overview_url(agency),
        "valid_days": OVERVIEW_MAX_AGE.days,
    }
    subject = render_to_string("conferences/partner/email/overview_subject.txt", context)
    return ComposedMail(
        subject=" ".join(subject.split()),
        text=render_to_string("conferences/partner/email/overview.txt", context),
        html=render_to_string("conferences/partner/email/overview.html", context),
    )


@transaction.atomic
def request_overview_link(email: str) -> int:
    """Mails the overview link of each agency whose contact has this address.

    Returns the number of mails queued, for tests only: the caller must answer the same way
    for known and unknown addresses. At most one mail per contact and request window (the
    dedup key carries the window), so repeated requests cannot flood a mailbox.
    """
    email = email.strip()
    if not email:
        return 0
    bucket = int(time.time() // OVERVIEW_REQUEST_WINDOW.total_seconds())
    queued = 0
    with scopes_disabled():
        contacts = (
            Contact.objects.filter(email__iexact=email, agency__active=True)
            .select_related("agency")
            .order_by("pk")
        )
        for contact in contacts:
            recent = OutgoingMail.objects.filter(
                kind=MailKind.PARTNER_OVERVIEW,
                dedup_key__startswith=f"overview:{contact.pk}:",
                created__gte=timezone.now() - OVERVIEW_REQUEST_WINDOW,
            )
            if recent.exists():
                continue
            delivery.queue_mail(
                kind=MailKind.PARTNER_OVERVIEW,
                dedup_key=f"overview:{contact.pk}:{bucket}",
                composed=compose_overview_mail(contact.agency),
                to=contact.email,
            )
            queued += 1
            log_action("partner.overview_link_sent", contact.agency)
    return queued
