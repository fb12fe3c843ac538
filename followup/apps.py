from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    """After the conference: attendance, minutes and agreed actions."""

    name = "followup"
    verbose_name = _("Nachbereitung")

    def ready(self) -> None:
        from conferences.signals import conference_created
        from followup import personal_data
        from followup.actions import carry_open_actions
        from followup.reminders import actions, minutes
        from notifications.reminders import register_handler

        register_handler(actions.ACTION_DUE, actions.remind_action_due)
        for rule, handler in minutes.HANDLERS.items():
            register_handler(rule, handler)
        conference_created.connect(carry_open_actions, dispatch_uid="followup.carry_open_actions")
        personal_data.register()
