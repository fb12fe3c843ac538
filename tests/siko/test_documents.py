"""`manage.py verify_documents`: every frozen minutes and annual report file against its SHA-256;
the weekly job stores the result, which administrators read in the admin."""

from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse

from followup import minutes as minutes_services
from followup.models import Minutes
from reports.annual import workflow as report_workflow
from reports.models import AnnualReport
from siko.models import DocumentCheck
from siko.tasks import task_verify_documents
from tests.conftest import client_for
from tests.factories.conferences import make_recorded_conference
from tests.factories.reports import agree_outline
from tests.followup.test_minutes_approval import circulated_minutes

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def freeze_documents(kpb_a_user, lzpd_user, capture) -> tuple[Minutes, AnnualReport]:
    """Approved minutes and a generated annual report, stored in the default storage."""
    minutes = minutes_services.approve_minutes(circulated_minutes(kpb_a_user), by=kpb_a_user)
    make_recorded_conference(
        "pp-hagen", datetime(2025, 5, 6, 10, tzinfo=BERLIN), organiser=kpb_a_user
    )
    agree_outline(2026, [{"key": "summary", "intro": ""}])
    with capture(execute=True):
        report = report_workflow.start_report(
            year=2026,
            by=lzpd_user,
            state_as_of=date(2026, 3, 1),
            outline=[{"key": "summary", "intro": ""}],
        )
        report_workflow.request_generation(report, by=lzpd_user)
    return minutes, AnnualReport.objects.get(pk=report.pk)


def run_verify() -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_documents", stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, out.getvalue(), err.getvalue()


def overwrite(name: str, content: bytes) -> None:
    default_storage.delete(name)
    assert default_storage.save(name, ContentFile(content)) == name


def test_all_documents_matching_exit_0_and_say_how_many(
    kpb_a_user, lzpd_user, django_capture_on_commit_callbacks
):
    freeze_documents(kpb_a_user, lzpd_user, django_capture_on_commit_callbacks)

    code, out, err = run_verify()

    assert (code, err) == (0, "")
    assert "Alle 2 Dokumente stimmen mit der Datenbank überein." in out
    assert DocumentCheck.objects.latest().ok


def test_a_changed_and_a_missing_file_exit_1_naming_each_object(
    kpb_a_user, lzpd_user, django_capture_on_commit_callbacks
):
    minutes, report = freeze_documents(kpb_a_user, lzpd_user, django_capture_on_commit_callbacks)
    overwrite(minutes.pdf.name, b"%PDF-1.7 manipuliert")
    default_storage.delete(report.pdf.name)

    code, out, err = run_verify()

    assert code == 1
    lines = err.strip().splitlines()
    assert lines[0].startswith(
        f"{minutes}: Datei {minutes.pdf.name} weicht ab (SHA-256 gespeichert"
    )
    assert minutes.sha256 in lines[0]
    assert lines[1] == f"{report}: Datei {report.pdf.name} fehlt."
    assert lines[2] == "2 von 2 Dokumenten weichen ab."
    assert out == ""


def test_weekly_job_stores_the_result_and_the_admin_shows_it(
    kpb_a_user, lzpd_user, admin_user, django_capture_on_commit_callbacks
):
    minutes, _report = freeze_documents(kpb_a_user, lzpd_user, django_capture_on_commit_callbacks)
    overwrite(minutes.pdf.name, b"%PDF-1.7 manipuliert")

    task_verify_documents.apply()

    check = DocumentCheck.objects.latest()
    assert (check.checked, len(check.problems)) == (2, 1)
    admin = client_for(admin_user)
    listing = admin.get(reverse("admin:siko_documentcheck_changelist")).content.decode()
    assert "1 Abweichungen" in listing
    detail = admin.get(reverse("admin:siko_documentcheck_change", args=[check.pk]))
    assert f"{minutes}: Datei {minutes.pdf.name} weicht ab" in detail.content.decode()
    assert client_for(lzpd_user).get(
        reverse("admin:siko_documentcheck_changelist")
    ).status_code in {
        302,
        403,
    }


def test_beat_runs_the_check_weekly_and_the_retention_daily(settings):
    from siko.celery import app

    schedule = settings.CELERY_BEAT_SCHEDULE
    weekly, daily = schedule["verify-documents"], schedule["apply-retention"]

    assert (weekly["task"], weekly["schedule"].day_of_week) == ("siko.verify_documents", {0})
    assert (daily["task"], len(daily["schedule"].day_of_week)) == ("siko.apply_retention", 7)
    app.loader.import_default_modules()
    assert {"siko.verify_documents", "siko.apply_retention"} <= set(app.tasks)
