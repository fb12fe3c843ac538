"""A broker that is down is not the user's problem: the work is saved and done once it is back.

Celery is pointed at a port where nothing listens (redis://127.0.0.1:1/0) with eager mode off,
so every publish really fails the way it fails when Redis is down. The tests are transactional:
the enqueue happens in the on_commit callback at the service's commit, inside the request,
which is what decides the message the user sees.
"""

import time
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conferences import services
from conferences.enums import InvitationState
from notifications import outbox
from notifications import tasks as notification_tasks
from notifications.enums import MailState
from notifications.models import OutgoingMail
from reports.annual import generation as report_generation
from reports.annual import workflow as report_workflow
from reports.models import AnnualReport, GenerationState
from siko import tasks_queue
from siko.celery import app as celery_app
from tests.conftest import client_for, make_user
from tests.factories.conferences import agencies_with_heads, make_conference
from tests.factories.reports import agree_outline

pytestmark = pytest.mark.django_db(transaction=True)

DEAD_BROKER = "redis://127.0.0.1:1/0"
#: The click must not hang on the broker (settings: connect timeout, one publish retry).
MAX_SECONDS = 5.0


def _reset_broker_pools() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker_down() -> Iterator[None]:
    """Celery talks to a real broker URL on which nobody answers; eager mode is off."""
    saved = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    celery_app.conf.broker_url = DEAD_BROKER
    celery_app.conf.task_always_eager = False
    _reset_broker_pools()
    tasks_queue.reset()
    try:
        yield
    finally:
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = saved
        _reset_broker_pools()
        tasks_queue.reset()


def _broker_back() -> None:
    """The broker answers again: here, tasks run in-process as in the embedded mode."""
    celery_app.conf.task_always_eager = True
    tasks_queue.reset()


@pytest.fixture
def organiser(seeded):
    return make_user("kpb-a", "kpb", authority="pp-dortmund")


@pytest.fixture
def conference(organiser):
    conference = make_conference(organiser)
    agencies = agencies_with_heads(("sta-dortmund", "lg-dortmund"))
    services.add_invitations(conference, agencies=agencies, by=organiser)
    return conference


def test_send_invitations_with_the_broker_down_saves_the_mails_and_the_sweeper_sends_each_once(
    conference, organiser, smtp_server, broker_down
):
    client = client_for(organiser)

    started = time.monotonic()
    response = client.post(reverse("conferences:send", kwargs={"pk": conference.pk}))
    elapsed = time.monotonic() - started
    page = client.get(response["Location"])

    assert response.status_code == 302
    assert elapsed < MAX_SECONDS
    assert (
        "2 Einladungen sind gespeichert und werden versendet, sobald der Versanddienst "
        "wieder erreichbar ist."
    ) in page.content.decode()
    rows = OutgoingMail.objects.filter(conference=conference)
    assert sorted((m.to, m.state) for m in rows) == [
        ("leitung0@sta-dortmund.example", MailState.QUEUED),
        ("leitung1@lg-dortmund.example", MailState.QUEUED),
    ]
    assert {i.state for i in conference.invitations.all()} == {InvitationState.SENT}
    assert smtp_server.messages() == []

    _broker_back()
    later = timezone.now() + outbox.QUEUED_GRACE + timedelta(seconds=1)
    sweep = notification_tasks.sweep_outbox(now=later)
    notification_tasks.sweep_outbox(now=later + timedelta(minutes=10))

    assert sorted(sweep.enqueued) == sorted(m.pk for m in rows)
    assert smtp_server.count_by_recipient() == {
        "leitung0@sta-dortmund.example": 1,
        "leitung1@lg-dortmund.example": 1,
    }
    assert sorted(smtp_server.count_by_message_id().values()) == [1, 1]
    assert {m.state for m in rows.all()} == {MailState.SENT}


def test_sweep_with_the_broker_still_down_keeps_the_rows_queued(conference, organiser, broker_down):
    services.send_invitations(conference, by=organiser)

    sweep = notification_tasks.sweep_outbox(
        now=timezone.now() + outbox.QUEUED_GRACE + timedelta(seconds=1)
    )

    assert sweep.enqueued == []
    assert set(OutgoingMail.objects.values_list("state", flat=True)) == {MailState.QUEUED}


def test_report_generation_with_the_broker_down_fails_visibly_and_can_be_requested_again(
    seeded, broker_down
):
    lzpd = make_user("lzpd", "lzpd")
    agree_outline(2026, [{"key": "summary", "intro": ""}])
    report = report_workflow.start_report(
        year=2026, by=lzpd, state_as_of=date(2026, 3, 1), outline=[{"key": "summary", "intro": ""}]
    )
    client = client_for(lzpd)
    generate = reverse("reports:annual_report_generate", kwargs={"pk": report.pk})

    started = time.monotonic()
    response = client.post(generate)
    elapsed = time.monotonic() - started
    page = client.get(response["Location"]).content.decode()

    assert response.status_code == 302
    assert elapsed < MAX_SECONDS
    assert page.count("Der Hintergrunddienst für die Erzeugung ist gerade nicht erreichbar.") == 2
    report.refresh_from_db()
    assert report.generation_state == GenerationState.FAILED

    _broker_back()
    again = client.post(generate)

    assert again.status_code == 302
    report = AnnualReport.objects.get(pk=report.pk)
    assert (report.generation_state, report.has_pdf) == (GenerationState.DONE, True)
    assert report_generation.verify_pdf(report)
