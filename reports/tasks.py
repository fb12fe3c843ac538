"""Celery discovers each app's tasks module; the reports app's task lives with the annual report."""

from reports.annual.tasks import task_generate_annual_report

__all__ = ["task_generate_annual_report"]
