"""Celery tasks of siko: the weekly check of stored documents and the data-protection jobs."""

from celery import shared_task
from django_scopes import scopes_disabled

from siko import housekeeping, personal_data
from siko.documents import record_document_check


@shared_task(name="siko.verify_documents")
def task_verify_documents() -> None:
    with scopes_disabled():
        record_document_check()


@shared_task(name="siko.apply_retention")
def task_apply_retention() -> None:
    personal_data.apply_retention()


@shared_task(name="siko.housekeeping")
def task_housekeeping() -> None:
    housekeeping.run_housekeeping()
