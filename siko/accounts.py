"""Login, logout, password change and reset, second factor: Django's views with SiKo's policy."""


from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from .views_base import SikoPermissionMixin


class LoginView(SikoPermissionMixin, auth_views.LoginView):
    public = True
    public_reason = "Anmeldung"
    redirect_authenticated_user = True


class LogoutView(SikoPermissionMixin, auth_views.LogoutView):
    public = True
    public_reason = "Abmeldung"


class PasswordChangeView(SikoPermissionMixin, auth_views.PasswordChangeView):
    permission_required = "siko.view_home"
    success_url = reverse_lazy("password_change_done")


class PasswordChangeDoneView(SikoPermissionMixin, auth_views.PasswordChangeDoneView):
    permission_required = "siko.view_home"


class PasswordResetView(SikoPermissionMixin, auth_views.PasswordResetView):
    public = True
    public_reason = "Passwort vergessen: wer sich nicht anmelden kann"
    success_url = reverse_lazy("password_reset_done")


class PasswordResetDoneView(SikoPermissionMixin, auth_views.PasswordResetDoneView):
    public = True
    public_reason = "Bestätigung nach Passwort-vergessen"


class PasswordResetConfirmView(SikoPermissionMixin, auth_views.PasswordResetConfirmView):
    public = True
    public_reason = "Signierter Link aus der Mail"
    success_url = reverse_lazy("password_reset_complete")


class PasswordResetCompleteView(SikoPermissionMixin, auth_views.PasswordResetCompleteView):
    public = True
    public_reason = "Bestätigung nach neuem Passwort"


