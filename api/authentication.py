"""`Authorization: Bearer <token>`: the only way into the API (no session, no password)."""

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from api.models import ApiToken, hash_token

KEYWORD = "Bearer"
#: last_used_at is written at most this often per token, not on every request.
LAST_USED_PRECISION = timedelta(minutes=5)


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].decode(errors="replace").lower() != KEYWORD.lower():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Ungültiger Authorization-Header: erwartet „Bearer <Schlüssel>“.")
            )
        try:
            text = parts[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Ungültiger API-Schlüssel.")) from None
        token = (
            ApiToken.objects.usable()
            .select_related("user", "user__authority")
            .filter(key_hash=hash_token(text))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("Ungültiger, widerrufener oder deaktivierter API-Schlüssel.")
            )
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{KEYWORD} realm="api"'
