from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConferencesConfig(AppConfig):
    name = "conferences"
    verbose_name = _("Konferenzen")

    def ready(self) -> None:
        # Unanswered invitations are reminded by the daily sweep of the notifications app.
        from conferences import personal_data
        from conferences.reminders import INVITATION_UNANSWERED, remind_unanswered_invitation
        from notifications.reminders import register_handler

        register_handler(INVITATION_UNANSWERED, remind_unanswered_invitation)
        personal_data.register()
