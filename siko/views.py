import functools
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import ListView, RedirectView, TemplateView

from siko.models import LocalMail
from siko.version import __version__
from siko.views_base import SikoPermissionMixin

if TYPE_CHECKING:
    import redis


class HealthzView(SikoPermissionMixin, View):
    """Database and broker state as JSON: 200 when both answer, else 503 (DESIGN §6)."""

    public = True
    public_reason = "Load balancers and monitoring ask without an account."

    def get(self, request: HttpRequest) -> JsonResponse:
        checks = {"database": _check_database(), "broker": _check_broker()}
        healthy = all(state in {"ok", "in-process"} for state in checks.values())
        return JsonResponse(
            {"status": "ok" if healthy else "error", "version": __version__, **checks},
            status=200 if healthy else 503,
        )


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure means "not answering"
        return f"error: {type(error).__name__}"
    return "ok"


def _check_broker() -> str:
    from django.conf import settings

    if not settings.REDIS_URL:
        return "in-process"
    try:
        _broker_client(settings.REDIS_URL).ping()
    except Exception as error:  # noqa: BLE001
        return f"error: {type(error).__name__}"
    return "ok"


@functools.cache
def _broker_client(url: str) -> "redis.Redis":
    """One client (and connection pool) per process: a check does not open a connection."""
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)


class HomeView(SikoPermissionMixin, TemplateView):
    """Start page: each organisation starts where its work is."""

    permission_required = "siko.view_home"
    template_name = "siko/home.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user  # signed in: SikoPermissionMixin sent visitors to the login
        if user.is_authenticated and user.is_kpb:
            return redirect("reports:my_dashboard")
        if user.is_authenticated and user.is_partner:
            return redirect("conferences:partner_invitations")
        if user.has_perm("reports.view_state"):
            # LZPD, LKA and IM (and administrators) start on the Lagebild, their daily question
            # (issue 15); the master data of the 47 authorities is one click away.
            return redirect("reports:state")
        return redirect("authorities:authority_list")


class MailboxView(SikoPermissionMixin, ListView):
    """The local mailbox of the embedded mode, read by administrators in the browser."""

    permission_required = "siko.read_mailbox"
    template_name = "siko/mailbox.html"
    paginate_by = 25
    model = LocalMail
    context_object_name = "mails"


class AdminLoginRedirectView(SikoPermissionMixin, RedirectView):
    """The admin has no login page of its own: lockout, second factor and German texts apply."""

    public = True
    public_reason = "Leitet zur einen Anmeldeseite von SiKo weiter"
    pattern_name = "login"
    query_string = True
