from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Berichte")

    def ready(self) -> None:
        # The yearly-rule reminders join the daily reminder job of the conferences app.
        from conferences import reminders as daily_job

        from . import reminders

        daily_job.HANDLERS.update(reminders.HANDLERS)
        if reminders.plan_compliance_reminders not in daily_job.PLANNERS:
            daily_job.PLANNERS.append(reminders.plan_compliance_reminders)
