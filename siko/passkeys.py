"""Passkeys (WebAuthn) as a second factor: django-otp-webauthn's views with SiKo's policy.

The library's JSON endpoints keep their own checks (signed in; a user who already has a second
factor must have confirmed it before adding a passkey; an inactive user's passkey is refused).
Their names stay in the namespace ``otp_webauthn`` that the library's template tags reverse.
"""

from django.urls import path
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import views as webauthn

from siko.views_base import SikoPermissionMixin

PERMISSION = "siko.manage_second_factor"


class BeginRegistrationView(SikoPermissionMixin, webauthn.BeginCredentialRegistrationView):
    permission_required = PERMISSION


class CompleteRegistrationView(SikoPermissionMixin, webauthn.CompleteCredentialRegistrationView):
    permission_required = PERMISSION


class BeginAuthenticationView(SikoPermissionMixin, webauthn.BeginCredentialAuthenticationView):
    permission_required = PERMISSION


class CompleteAuthenticationView(
    SikoPermissionMixin, webauthn.CompleteCredentialAuthenticationView
):
    permission_required = PERMISSION


class ScriptTextsView(SikoPermissionMixin, JavaScriptCatalog):
    public = True
    public_reason = "Texte des Passkey-Skripts"


urlpatterns = [
    path(
        "registrierung/beginn/",
        BeginRegistrationView.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registrierung/abschluss/",
        CompleteRegistrationView.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "anmeldung/beginn/",
        BeginAuthenticationView.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "anmeldung/abschluss/",
        CompleteAuthenticationView.as_view(),
        name="credential-authentication-complete",
    ),
    path(
        "texte.js",
        ScriptTextsView.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]
