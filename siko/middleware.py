import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from siko.accounts import LOGIN_AT_KEY
from siko.scoping import scope_for_user


class SessionLifetimeMiddleware:
    """Ends every session 12 hours after the login, however active it was.

    Idle sessions end through SESSION_COOKIE_AGE (30 minutes), renewed at most once a minute
    (siko.sessions.RefreshSessionMiddleware). The login time is stored by the user_logged_in
    signal; a session without it predates this rule and is ended too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            login_at = request.session.get(LOGIN_AT_KEY)
            if login_at is None or time.time() - login_at > settings.SESSION_MAX_LIFETIME_SECONDS:
                logout(request)
                messages.info(
                    request, _("Ihre Sitzung ist abgelaufen. Bitte melden Sie sich neu an.")
                )
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class SecondFactorMiddleware:
    """Police and state users must confirm a TOTP code before anything else (when required)."""

    ALLOWED_URL_NAMES = {
        "otp_verify",
        "otp_setup",
        "login",
        "logout",
        "healthz",
        "set_language",
        # Passkeys: registered on the setup page, used on the verify page (the library refuses
        # a new passkey to an account whose second factor is set up but not confirmed).
        "otp_webauthn:credential-registration-begin",
        "otp_webauthn:credential-registration-complete",
        "otp_webauthn:credential-authentication-begin",
        "otp_webauthn:credential-authentication-complete",
        "otp_webauthn:js-i18n-catalog",
        # A new account's setup link: the password comes before any second factor.
        "authorities:account_setup",
    }

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            settings.OTP_REQUIRED
            and user.is_authenticated
            and user.needs_second_factor
            and not user.is_verified()
            and not self._allowed_unverified(request)
        ):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('otp_verify')}?{query}")
        return self.get_response(request)

    def _allowed_unverified(self, request: HttpRequest) -> bool:
        if request.path_info.startswith(self.static_prefix):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        # view_name, not url_name: "admin:login" is not our login. The API (namespace "api")
        # takes no session: a token lets a program in, and without one it answers 401.
        return match.view_name in self.ALLOWED_URL_NAMES or match.namespace == "api"


class AuthorityScopeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with scope_for_user(request.user):
            return self.get_response(request)


# Features SiKo never uses: no page of it, nor anything injected into one, may ask for them.
# Passkeys (WebAuthn) are SiKo's own pages' only: created and used by this origin, no frame.
PERMISSIONS_POLICY = ", ".join(
    [
        "publickey-credentials-create=(self)",
        "publickey-credentials-get=(self)",
    ]
    + [
        f"{feature}=()"
        for feature in (
            "accelerometer",
            "autoplay",
            "bluetooth",
            "browsing-topics",
            "camera",
            "display-capture",
            "geolocation",
            "gyroscope",
            "hid",
            "idle-detection",
            "magnetometer",
            "microphone",
            "midi",
            "payment",
            "screen-wake-lock",
            "serial",
            "usb",
            "xr-spatial-tracking",
        )
    ]
)


class ResponseHeadersMiddleware:
    """Permissions-Policy and Cache-Control: no-store on every response SiKo renders.

    No response is stored by a browser or a proxy: pages of signed-in users and downloads (CSV,
    XLSX, PDF, ICS) carry personal data, the pages and feeds behind signed links carry the link
    itself. Static files never get here: WhiteNoise answers them earlier, with their long cache.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "private, no-store"
        return response
