from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

import conferences.urls
import followup.urls
from siko import accounts, audit_views, otp_views, passkeys, privacy_views, views
from siko.views_base import declare_policy

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", views.HealthzView.as_view(), name="healthz"),
    path("postfach/", views.MailboxView.as_view(), name="mailbox"),
    path("datenschutz/", privacy_views.PrivacyNoticeView.as_view(), name="privacy"),
    path("datenschutz/auskunft/", privacy_views.PersonalDataView.as_view(), name="personal_data"),
    path(
        "barrierefreiheit/",
        privacy_views.AccessibilityStatementView.as_view(),
        name="accessibility",
    ),
    path("protokoll/", audit_views.AuditLogView.as_view(), name="audit_log"),
    path("anmelden/", accounts.LoginView.as_view(), name="login"),
    path("abmelden/", accounts.LogoutView.as_view(), name="logout"),
    path("passwort/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path(
        "passwort/fertig/", accounts.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
    path("passwort/vergessen/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path(
        "passwort/vergessen/gesendet/",
        accounts.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "passwort/neu/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "passwort/neu/fertig/",
        accounts.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("zweiter-faktor/", otp_views.VerifyView.as_view(), name="otp_verify"),
    path("zweiter-faktor/einrichten/", otp_views.SetupView.as_view(), name="otp_setup"),
    path("zweiter-faktor/verwalten/", otp_views.ManageView.as_view(), name="otp_manage"),
    path("zweiter-faktor/passkey/", include((passkeys.urlpatterns, "otp_webauthn"))),
    path(
        "sprache/",
        declare_policy(public_reason="Sprachwahl für alle")(set_language),
        name="set_language",
    ),
    path("verzeichnis/", include("authorities.urls")),
    path(
        "konferenzen/",
        include(
            (conferences.urls.urlpatterns + followup.urls.urlpatterns, "conferences"),
            namespace="conferences",
        ),
    ),
    path("kooperationen/", include("cooperations.urls")),
    path("lagebild/", include("reports.urls")),
    path("erfahrungsaustausch/", include("practices.urls")),
    path("api/v1/", include("api.urls")),
    path("admin/login/", views.AdminLoginRedirectView.as_view(), name="admin_login"),
    path("admin/", admin.site.urls),
]
