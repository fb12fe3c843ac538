import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, load_backend, logout
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware as DjangoOTPMiddleware

from siko.accounts import LOGIN_AT_KEY
from siko.scoping import scope_for_user
from siko.signed_in import MODEL_BACKEND, SignedIn, load_signed_in, user_pk_from


def signed_in_user(request: HttpRequest) -> AbstractBaseUser | AnonymousUser:
    """django.contrib.auth.get_user (Django 5.2) with the user, the device and the authority read
    in one query (siko.signed_in), or read along with the session (siko.sessions) already.

    The same checks in the same order: the session's backend among AUTHENTICATION_BACKENDS, the
    backend's user_can_authenticate (`is_active`), the session hash (a changed password ends the
    session; a rotated SECRET_KEY renews it). Sessions of another backend take Django's own way.
    """
    session = request.session
    try:
        user_pk = user_pk_from(session)
        backend_path = session[BACKEND_SESSION_KEY]
    except KeyError:
        return AnonymousUser()
    if backend_path != MODEL_BACKEND or backend_path not in settings.AUTHENTICATION_BACKENDS:
        return auth.get_user(request)
    device_id = session.get(DEVICE_ID_SESSION_KEY)
    found: SignedIn | None = getattr(session, "signed_in", None)
    if found is None or found.user_pk != user_pk or found.device_id != device_id:
        found, _alive = load_signed_in(user_pk, device_id)
    request._siko_signed_in = found  # type: ignore[attr-defined]  # for OTPMiddleware
    user = found.user
    if user is None or not load_backend(backend_path).user_can_authenticate(user):  # type: ignore[attr-defined]
        return AnonymousUser()
    session_hash = session.get(HASH_SESSION_KEY)
    session_auth_hash = user.get_session_auth_hash()
    if session_hash and constant_time_compare(session_hash, session_auth_hash):
        return user
    if session_hash and any(
        constant_time_compare(session_hash, fallback_auth_hash)
        for fallback_auth_hash in user.get_session_auth_fallback_hash()
    ):
        session.cycle_key()
        session[HASH_SESSION_KEY] = session_auth_hash
        return user
    session.flush()
    return AnonymousUser()


class UserMiddleware(AuthenticationMiddleware):
    """Django's AuthenticationMiddleware, the user read by signed_in_user() (request.auser, for
    async code, stays Django's)."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _cached_user(request))  # type: ignore[assignment]


def _cached_user(request: HttpRequest) -> Any:
    if not hasattr(request, "_cached_user"):
        request._cached_user = signed_in_user(request)  # type: ignore[attr-defined]
    return request._cached_user  # type: ignore[attr-defined]


class OTPMiddleware(DjangoOTPMiddleware):
    """django_otp's OTPMiddleware taking the device signed_in_user() read with the user; its own
    checks stay (the device belongs to the user and is confirmed, else it leaves the session)."""

    def _verify_user_sync(self, request: HttpRequest, user: Any) -> Any:
        if not user.is_authenticated:  # first: this reads the user (and sets _siko_signed_in)
            return super()._verify_user_sync(request, user)
        found: SignedIn | None = getattr(request, "_siko_signed_in", None)
        device_id = request.session.get(DEVICE_ID_SESSION_KEY)
        if (
            found is None
            or found.user_pk != user.pk
            or not device_id
            or found.device_id != device_id
        ):
            return super()._verify_user_sync(request, user)
        self._init_user_fields(user)
        user.otp_device = self._finalize_device(request, user, found.device)
        return user


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
