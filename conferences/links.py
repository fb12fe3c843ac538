"""Signed links for partners without accounts (Django's signing, no clear database ids)."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import Invitation

ANSWER_SALT = "siko.invitation.answer"


def answer_token(invitation: Invitation) -> str:
    return signing.Signer(salt=ANSWER_SALT).sign(str(invitation.public_id))


def answer_url(invitation: Invitation) -> str:
    return settings.SITE_URL + reverse("conferences:answer", kwargs={"token": answer_token(invitation)})


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a token was made for, or None for a forged, altered or foreign token."""
    try:
        public_id = signing.Signer(salt=ANSWER_SALT).unsign(token)
    except signing.BadSignature:
        return None
    from django_scopes import scopes_disabled

    with scopes_disabled():
        return (Invitation.objects.filter(public_id=public_id)
                .select_related("conference", "conference__host", "agency").first())
