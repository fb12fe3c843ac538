from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConferencesConfig(AppConfig):
    name = "conferences"
    verbose_name = _("Konferenzen")

    def ready(self) -> None:
        # Unanswered invitations are reminded by the daily sweep of the notifications app.
        from conferences import personal_data
        from conferences.reminders import INVITATION_UNANSWERED, remind_unanswered_invitation
        from conferences.sending import resume_unbuilt
        from notifications.reminders import register_handler
        from notifications.tasks import SWEEP_HOOKS

        register_handler(INVITATION_UNANSWERED, remind_unanswered_invitation)
        personal_data.register()
        # Invitation mails a killed worker left unbuilt are built by the outbox sweep.
        if resume_unbuilt not in SWEEP_HOOKS:
            SWEEP_HOOKS.append(resume_unbuilt)
