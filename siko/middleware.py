import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .scoping import scope_for_user

LOGIN_AT_KEY = "siko_login_at"


class SessionLifetimeMiddleware:
    """Idle sessions end through SESSION_COOKIE_AGE; this ends every session after 12 hours."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            login_at = request.session.get(LOGIN_AT_KEY)
            now = time.time()
            if login_at is None:
                request.session[LOGIN_AT_KEY] = now
            elif now - login_at > settings.SESSION_MAX_LIFETIME_SECONDS:
                logout(request)
                messages.info(request, _("Ihre Sitzung ist abgelaufen. Bitte melden Sie sich neu an."))
                return redirect(settings.LOGIN_URL)
        return self.get_response(request)


class SecondFactorMiddleware:
    """Police and state users must confirm a TOTP code before anything else (when required)."""

    ALLOWED_URL_NAMES = {"otp_verify", "otp_setup", "logout", "healthz", "set_language"}

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            settings.OTP_REQUIRED
            and user.is_authenticated
            and user.needs_second_factor
            and not user.is_verified()
        ):
            try:
                url_name = resolve(request.path_info).url_name
            except Resolver404:
                url_name = None
            if url_name not in self.ALLOWED_URL_NAMES:
                return redirect(f"{reverse('otp_verify')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class AuthorityScopeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with scope_for_user(request.user):
            return self.get_response(request)
