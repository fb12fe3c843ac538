"""Celery task of the annual report: a thin interface to its generation."""

from celery import shared_task
from django_scopes import scopes_disabled

from reports.annual import generation


@shared_task(name="reports.generate_annual_report")
def task_generate_annual_report(*, report_id: int, generation: int) -> bool:
    with scopes_disabled():
        return _run(report_id, generation)


def _run(report_id: int, number: int) -> bool:
    return generation.run_generation(report_id, number)
