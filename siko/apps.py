from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SikoConfig(AppConfig):
    name = "siko"
    verbose_name = _("SiKo Grundfunktionen")

    def ready(self) -> None:
        # Registers the rules permissions and connects the login-time signal receiver.
        from siko import accounts, permissions, personal_data_siko  # noqa: F401

        # Personal data (siko.personal_data): each app registers where it keeps a person's.
        personal_data_siko.register()

        # German order of names (siko.collation): SQLite learns the collation per connection.
        from django.db.backends.signals import connection_created

        from siko.collation import register_sqlite_collation

        connection_created.connect(register_sqlite_collation, dispatch_uid="siko-german-collation")

        # The language LocaleMiddleware activates ends with the request (siko.request_language).
        from django.core.signals import request_finished, request_started

        from siko.request_language import remember_language, restore_language

        request_started.connect(remember_language, dispatch_uid="siko-remember-language")
        request_finished.connect(restore_language, dispatch_uid="siko-restore-language")

        # The page version's triggers (siko.page_version): back after a table rebuild (SQLite).
        from django.db.models.signals import post_migrate

        from siko.page_version import ensure_triggers

        post_migrate.connect(ensure_triggers, sender=self, dispatch_uid="siko-page-triggers")
