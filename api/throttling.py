from django.conf import settings
from django.core.cache import caches
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken


class PerTokenRateThrottle(SimpleRateThrottle):
    """SIKO_API_RATE requests per token, counted in the "api" cache (Redis where there is one).

    Keyed by the token's hash, not its row id: test databases and installations that share a
    Redis never count together."""

    scope = "api_token"
    cache = caches["api"]

    def get_rate(self) -> str:
        return settings.SIKO_API_RATE

    def get_cache_key(self, request: Request, view: object) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.key_hash}
