from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """The mail outbox and the reminder sweep; domain apps register their reminder handlers."""

    name = "notifications"
    verbose_name = _("Benachrichtigungen")

    def ready(self) -> None:
        from notifications import personal_data

        personal_data.register()
