from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Berichte")

    def ready(self) -> None:
        # The yearly-rule and annual-report reminders join the daily job of the conferences app.
        from conferences import reminders as daily_job

        from . import reminders, report_reminders

        daily_job.HANDLERS.update(reminders.HANDLERS)
        daily_job.HANDLERS.update(report_reminders.HANDLERS)
        for planner in (reminders.plan_compliance_reminders,
                        report_reminders.plan_report_reminders):
            if planner not in daily_job.PLANNERS:
                daily_job.PLANNERS.append(planner)
