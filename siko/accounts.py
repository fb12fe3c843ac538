"""Login, logout, password change and reset: Django's views with SiKo's policy.

Lockout (django-axes) counts failed logins per username *and* IP address: a whole authority
reaches SiKo through one proxy, so locking an IP alone would lock out the authority.
"""

import time
from datetime import timedelta
from typing import Any

from axes.helpers import get_cool_off
from axes.utils import reset as reset_axes_attempts
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from siko.otp_views import has_second_factor
from siko.views_base import SikoPermissionMixin

LOGIN_AT_KEY = "siko_login_at"
LOCKOUT_TEMPLATE = "registration/locked_out.html"


@receiver(user_logged_in, dispatch_uid="siko_record_login_time")
def record_login_time(
    sender: type[AbstractBaseUser],
    request: HttpRequest | None,
    user: AbstractBaseUser,
    **kwargs: Any,
) -> None:
    """The session's absolute lifetime counts from the moment the password was accepted."""
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT_KEY] = time.time()


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """German lockout page (HTTP 429) naming the cool-off; never echoes the username."""
    cool_off: timedelta | None = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    return render(
        request,
        LOCKOUT_TEMPLATE,
        {"cooloff_minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


class LoginForm(auth_forms.AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Benutzername oder Passwort ist falsch. Achten Sie auf Groß- und Kleinschreibung."
        ),
        "inactive": _("Dieses Konto ist deaktiviert. Wenden Sie sich an die Administration."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Autofocus would skip the skip link and the navigation for keyboard and screen readers.
        self.fields["username"].widget.attrs.pop("autofocus", None)


class LoginView(SikoPermissionMixin, auth_views.LoginView):
    public = True
    public_reason = "Anmeldung"
    redirect_authenticated_user = True
    authentication_form = LoginForm


class LogoutView(SikoPermissionMixin, auth_views.LogoutView):
    public = True
    public_reason = "Abmeldung"


class PasswordChangeView(SikoPermissionMixin, auth_views.PasswordChangeView):
    """The account page: new password, and the way to the second factor in the demo mode."""

    permission_required = "siko.view_home"
    success_url = reverse_lazy("password_change_done")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["has_second_factor"] = has_second_factor(self.request.user)
        return context


class PasswordChangeDoneView(SikoPermissionMixin, auth_views.PasswordChangeDoneView):
    permission_required = "siko.view_home"


class PasswordResetView(SikoPermissionMixin, auth_views.PasswordResetView):
    public = True
    public_reason = "Passwort vergessen: wer sich nicht anmelden kann"
    success_url = reverse_lazy("password_reset_done")
    subject_template_name = "registration/email/password_reset_subject.txt"
    email_template_name = "registration/email/password_reset.txt"
    html_email_template_name = "registration/email/password_reset.html"

    @property
    def extra_email_context(self) -> dict[str, Any]:
        return {"valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600}


class PasswordResetDoneView(SikoPermissionMixin, auth_views.PasswordResetDoneView):
    public = True
    public_reason = "Bestätigung nach Passwort-vergessen"


class PasswordResetConfirmView(SikoPermissionMixin, auth_views.PasswordResetConfirmView):
    public = True
    public_reason = "Signierter Link aus der Mail"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: auth_forms.SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        # The lockout page points here: a new password also lifts the lockout of the account.
        reset_axes_attempts(username=form.user.get_username())
        return response


class PasswordResetCompleteView(SikoPermissionMixin, auth_views.PasswordResetCompleteView):
    public = True
    public_reason = "Bestätigung nach neuem Passwort"
