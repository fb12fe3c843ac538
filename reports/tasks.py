"""Celery tasks of the reports app: thin interfaces to the report workflow."""

from celery import shared_task
from django_scopes import scopes_disabled

from . import report_workflow


@shared_task(name="reports.generate_annual_report")
def task_generate_annual_report(*, report_id: int, generation: int) -> bool:
    with scopes_disabled():
        return report_workflow.run_generation(report_id, generation)
