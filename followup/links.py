"""Signed links of the follow-up: an action owner's update link (no account, no database id)."""

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_scopes import scopes_disabled

from followup.models import Action

UPDATE_SALT = "siko.action.update"


def action_token(action: Action) -> str:
    """Signs the action's random public_id: no database id in the link."""
    return signing.Signer(salt=UPDATE_SALT).sign(str(action.public_id))


def action_url(action: Action) -> str:
    return settings.SITE_URL + reverse(
        "conferences:action_link", kwargs={"token": action_token(action)}
    )


def action_for_token(token: str) -> Action | None:
    """The action a token was made for, or None for a forged or altered token."""
    try:
        public_id = signing.Signer(salt=UPDATE_SALT).unsign(token)
    except signing.BadSignature:
        return None
    with scopes_disabled():
        try:
            return (
                Action._base_manager.filter(public_id=public_id, owner_agency__isnull=False)
                .select_related("conference", "conference__host", "owner_agency")
                .first()
            )
        except (ValidationError, ValueError, TypeError):  # signed, but no UUID
            return None
