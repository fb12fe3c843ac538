"""Approving minutes under two users and approvals that fail after the PDF was set.

The PDF is set outside the database transaction (followup.minutes.approve_minutes); the file
exists only if the approval commits (siko.files). On SQLite the test database is a file in WAL
mode (settings_test), as in the embedded mode, so two threads with their own connections meet
the busy timeout and IMMEDIATE transactions for real; on PostgreSQL (CI) they meet row locks.
Something happening "while the PDF is set" is triggered from WeasyPrint's own progress log, the
database write failing by a trigger: no code of ours is replaced.
"""

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conferences.services import ConferenceError
from followup import minutes as minutes_services
from followup.models import Minutes, MinutesComment, MinutesStatus, OutcomeType
from reports.annual import workflow as report_workflow
from reports.models import AnnualReport, GenerationState
from siko.models import AuditEntry
from tests.conftest import client_for, make_user
from tests.factories.reports import agree_outline
from tests.followup.test_attendance import attend, make_past_conference

NOTES = "Begrüßung durch die Leitung."


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def circulated_minutes(organiser) -> Minutes:
    """Minutes whose comment period is over, ready for approval."""
    conference = attend(make_past_conference(organiser), organiser)
    draft = minutes_services.get_or_create_draft(conference, by=organiser)
    entries = {
        e.pk: {
            "report": "Lagebild vorgestellt.",
            "outcome_type": OutcomeType.DECISION,
            "outcome": "Gemeinsame Streife ab März.",
        }
        for e in draft.entries.all()
    }
    draft = minutes_services.save_minutes_draft(draft, notes=NOTES, entries=entries, by=organiser)
    minutes = minutes_services.circulate_minutes(
        draft, deadline=timezone.now() + timedelta(days=10), by=organiser
    )
    Minutes.objects.filter(pk=minutes.pk).update(
        comment_deadline=timezone.now() - timedelta(minutes=1)
    )
    minutes.refresh_from_db()
    return minutes


def approve_url(minutes: Minutes) -> str:
    return reverse("conferences:minutes_approve", kwargs={"pk": minutes.conference_id})


def edit_data(minutes: Minutes, notes: str) -> dict[str, str]:
    data = {"notes": notes}
    for entry in minutes.entries.all():
        data[f"report_{entry.pk}"] = entry.report
        data[f"type_{entry.pk}"] = entry.outcome_type
        data[f"outcome_{entry.pk}"] = entry.outcome
    return data


def messages_on(client: Client, response) -> str:
    return client.get(response["Location"]).content.decode()


def at_once(*requests: Callable[[], object]) -> list[object]:
    """Runs the calls in threads of their own (own database connections), released together."""
    start = threading.Barrier(len(requests))
    results: list[object] = [None] * len(requests)

    def run(index: int, request: Callable[[], object]) -> None:
        try:
            start.wait(10)
            results[index] = request()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


@contextmanager
def while_a_pdf_is_set(action: Callable[[], None], *, times: int = 1) -> Iterator[None]:
    """Runs `action` in the rendering thread when WeasyPrint starts on a document, for the
    first `times` documents (WeasyPrint logs "Step 1" there)."""
    lock, started = threading.Lock(), []

    class Trigger(logging.Handler):
        # handle, not emit: emit runs under the handler's lock, which would serialise the
        # renderings this trigger lets meet.
        def handle(self, record: logging.LogRecord) -> bool:
            if not str(record.msg).startswith("Step 1"):
                return True
            with lock:
                started.append(threading.get_ident())
                if len(started) > times:
                    return True
            action()
            return True

    logger = logging.getLogger("weasyprint.progress")
    handler, level = Trigger(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert len(started) >= times, "WeasyPrint did not start often enough"


@contextmanager
def failing_update(model, condition: str) -> Iterator[None]:
    """The database refuses an UPDATE of the model's rows that meets `condition` (SQL on NEW)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION siko_test_refuse() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'Datenträger voll'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER siko_test_refuse BEFORE UPDATE ON {table} "
                f"FOR EACH ROW WHEN ({condition}) EXECUTE FUNCTION siko_test_refuse()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER siko_test_refuse BEFORE UPDATE ON {table} "
                f"WHEN {condition} BEGIN SELECT RAISE(ABORT, 'Datenträger voll'); END"
            )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER siko_test_refuse ON {table}")
                cursor.execute("DROP FUNCTION siko_test_refuse()")
            else:
                cursor.execute("DROP TRIGGER siko_test_refuse")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the embedded mode's database")
def test_embedded_database_uses_wal_a_busy_timeout_and_immediate_transactions(db):
    with connection.cursor() as cursor:
        journal_mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        busy_timeout = cursor.execute("PRAGMA busy_timeout").fetchone()[0]

    assert (journal_mode, busy_timeout) == ("wal", 20000)
    assert connection.transaction_mode == "IMMEDIATE"


@pytest.mark.django_db(transaction=True)
def test_two_organisers_approving_at_once_get_no_error_and_one_stored_pdf(seeded):
    organiser = make_user("kpb-a", "kpb", authority="pp-dortmund")
    colleague = make_user("kpb-a-2", "kpb", authority="pp-dortmund")
    minutes = circulated_minutes(organiser)
    clients = [client_for(organiser), client_for(colleague)]
    url = approve_url(minutes)
    both_rendering = threading.Barrier(2)

    # Each approval waits in its rendering until the other renders too: both have passed
    # every check before either of them writes.
    with while_a_pdf_is_set(lambda: both_rendering.wait(30), times=2):
        responses = at_once(*(lambda c=c: c.post(url) for c in clients))

    assert [getattr(r, "status_code", r) for r in responses] == [302, 302]
    pages = [messages_on(c, r) for c, r in zip(clients, responses, strict=True)]
    assert sum("Das Protokoll ist freigegeben und als PDF gespeichert." in p for p in pages) == 1
    assert sum("kann nicht mehr geändert werden" in p for p in pages) == 1
    minutes.refresh_from_db()
    assert minutes.status == MinutesStatus.APPROVED
    assert stored_files() == {minutes.pdf.name}
    assert minutes_services.verify_pdf(minutes)
    assert AuditEntry.objects.filter(action="minutes.approved").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_colleague_saving_while_the_pdf_is_set_refuses_the_approval_without_a_file(seeded):
    organiser = make_user("kpb-a", "kpb", authority="pp-dortmund")
    colleague = make_user("kpb-a-2", "kpb", authority="pp-dortmund")
    minutes = circulated_minutes(organiser)
    approver, editor = client_for(organiser), client_for(colleague)
    edit = reverse("conferences:minutes_edit", kwargs={"pk": minutes.conference_id})
    late_note = "Nachtrag: Termin der Streife verschoben."
    approve, data = approve_url(minutes), edit_data(minutes, late_note)
    rendering, saved = threading.Event(), threading.Event()

    def save_while_rendering():
        rendering.wait(30)
        try:
            return editor.post(edit, data)
        finally:
            saved.set()

    def the_colleague_saves() -> None:
        rendering.set()
        saved.wait(30)

    with while_a_pdf_is_set(the_colleague_saves):
        approved, edited = at_once(lambda: approver.post(approve), save_while_rendering)

    assert [getattr(r, "status_code", r) for r in (approved, edited)] == [302, 302]
    assert "während der Freigabe geändert" in messages_on(approver, approved)
    minutes.refresh_from_db()
    assert (minutes.status, minutes.notes) == (MinutesStatus.CIRCULATED, late_note)
    assert stored_files() == set()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("comment", "Bitte erledigen Sie zuerst alle offenen Kommentare."),
        ("edit", "Das Protokoll wurde während der Freigabe geändert."),
    ],
)
def test_approval_refused_while_the_pdf_is_set_leaves_no_file(kpb_a_user, change, message):
    minutes = circulated_minutes(kpb_a_user)
    client = client_for(kpb_a_user)

    def late_change() -> None:
        if change == "comment":  # a partner's comment sent in the last second of the period
            MinutesComment.objects.create(
                minutes=minutes,
                invitation=minutes.conference.invitations.filter(attended=True).first(),
                text="Bitte Punkt 2 ergänzen.",
            )
        else:  # a colleague's edit in another tab
            Minutes.objects.filter(pk=minutes.pk).update(notes="Geändert während der Freigabe")

    with while_a_pdf_is_set(late_change):
        response = client.post(approve_url(minutes))

    assert response.status_code == 302
    assert message in messages_on(client, response)
    minutes.refresh_from_db()
    assert (minutes.status, minutes.sha256, bool(minutes.pdf)) == (
        MinutesStatus.CIRCULATED,
        "",
        False,
    )
    assert stored_files() == set()


@pytest.mark.django_db
def test_approval_whose_database_write_fails_leaves_no_file(kpb_a_user):
    minutes = circulated_minutes(kpb_a_user)

    with failing_update(Minutes, "NEW.status = 'approved'"), pytest.raises(DatabaseError):
        minutes_services.approve_minutes(minutes, by=kpb_a_user)

    assert stored_files() == set()
    assert Minutes.objects.get(pk=minutes.pk).status == MinutesStatus.CIRCULATED
    # The organiser may simply try again once the database takes writes.
    approved = minutes_services.approve_minutes(minutes, by=kpb_a_user)
    assert stored_files() == {approved.pdf.name}


@pytest.mark.django_db
def test_report_generation_whose_database_write_fails_leaves_no_file_and_says_so(
    lzpd_user, django_capture_on_commit_callbacks
):
    agree_outline(2026, [{"key": "summary", "intro": ""}])
    report = report_workflow.start_report(
        year=2026, by=lzpd_user, outline=[{"key": "summary", "intro": ""}]
    )

    with (
        failing_update(AnnualReport, "NEW.generation_state = 'done'"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        report_workflow.request_generation(report, by=lzpd_user)

    report.refresh_from_db()
    assert (report.generation_state, bool(report.pdf)) == (GenerationState.FAILED, False)
    assert stored_files() == set()


def test_a_second_approval_attempt_is_refused_before_anything_is_set(db, kpb_a_user):
    minutes = circulated_minutes(kpb_a_user)
    minutes_services.approve_minutes(minutes, by=kpb_a_user)
    before = stored_files()

    with pytest.raises(ConferenceError, match="freigegeben"):
        minutes_services.approve_minutes(minutes, by=kpb_a_user)

    assert stored_files() == before
