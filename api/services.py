"""Creating and revoking API tokens (from the admin), each with an audit entry."""

from django.db import transaction
from django.utils import timezone

from api.models import ApiToken
from authorities.models import User
from siko.audit import log_action


def create_token(*, name: str, user: User, by: User) -> tuple[ApiToken, str]:
    """A new token for `user`'s organisation; returns the row and the token text (shown once)."""
    token = ApiToken(name=name, user=user)
    return token, issue_token(token, by=by)


def issue_token(token: ApiToken, *, by: User) -> str:
    """Stores the new `token` (name and account set) with a fresh secret; returns the secret."""
    token.created_by = by
    token.full_clean(exclude=["key_hash", "key_start"])
    text = token.issue()
    with transaction.atomic():
        token.save()
        log_action(
            "api_token.created",
            token,
            actor=by,
            authority=token.user.authority,
            data={"user": token.user.username},
        )
    return text


def revoke_token(token: ApiToken, *, by: User) -> None:
    if token.revoked_at is not None:
        return
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        log_action("api_token.revoked", token, actor=by, authority=token.user.authority)
