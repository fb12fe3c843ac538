from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Berichte")

    def ready(self) -> None:
        # The yearly-rule and annual-report reminders join the daily job of notifications.
        from conferences.closed_years import register_closed_year_check
        from notifications.reminders import register_handler, register_planner
        from reports import reminders as compliance_reminders
        from reports.annual import outline_reminders
        from reports.annual import reminders as report_reminders
        from reports.annual.workflow import closed_year_reason

        for handlers in (
            compliance_reminders.HANDLERS,
            report_reminders.HANDLERS,
            outline_reminders.HANDLERS,
        ):
            for rule, handler in handlers.items():
                register_handler(rule, handler)
        register_planner(compliance_reminders.plan_compliance_reminders)
        register_planner(report_reminders.plan_report_reminders)
        register_planner(outline_reminders.plan_outline_reminders)
        # A year covered by a final report takes no conference entered afterwards.
        register_closed_year_check("reports.final_annual_report", closed_year_reason)

        # The data version's triggers (reports.data_version): back after a table rebuild (SQLite).
        from django.db.models.signals import post_migrate

        from reports.data_version import ensure_triggers

        post_migrate.connect(ensure_triggers, sender=self, dispatch_uid="reports-data-triggers")
