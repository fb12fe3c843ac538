"""The mail outbox against a real SMTP server (aiosmtpd) and the real database.

Celery tasks run in the test process here (tests/smtp.py); test_worker_fanout.py runs a real
worker on Redis.
"""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from authorities.models import Authority
from conferences import mails, services
from notifications import outbox
from notifications import queue as delivery
from notifications import tasks as notification_tasks
from notifications.enums import MailKind, MailState
from notifications.models import OutgoingMail
from siko.celery import app as celery_app
from tests.conftest import client_for
from tests.factories.conferences import agencies_with_heads, make_conference
from tests.smtp import free_port

pytestmark = pytest.mark.django_db

AGENCIES = ("sta-dortmund", "lg-dortmund")


@pytest.fixture
def conference(kpb_a_user):
    conference = make_conference(kpb_a_user)
    services.add_invitations(conference, agencies=agencies_with_heads(AGENCIES), by=kpb_a_user)
    return conference


def send_invitations(conference, user, capture):
    with capture(execute=True):
        return services.send_invitations(conference, by=user)


def test_invitation_arrives_with_message_id_auto_submitted_correlation_id_and_calendar(
    conference, kpb_a_user, smtp_server, django_capture_on_commit_callbacks
):
    send_invitations(conference, kpb_a_user, django_capture_on_commit_callbacks)

    received = smtp_server.wait_for(2)
    rows = {mail.to: mail for mail in OutgoingMail.objects.filter(conference=conference)}
    assert sorted(r for mail in received for r in mail.recipients) == sorted(rows)
    for mail in received:
        row = rows[mail.recipients[0]]
        assert mail.message_id == row.message_id
        assert mail.header("Auto-Submitted") == "auto-generated"
        assert mail.header("X-SiKo-Correlation-ID") == str(row.correlation_id)
        assert mail.header("Subject") == row.subject
        parts = mail.parts()
        assert set(parts) >= {"text/plain", "text/html", "text/calendar", "application/ics"}
        assert parts["text/calendar"].get_param("method") == "REQUEST"
        assert "BEGIN:VEVENT" in parts["text/calendar"].get_content()
        assert parts["application/ics"].get_filename().endswith(".ics")
        assert (row.state, row.attempts, row.last_error) == (MailState.SENT, 1, "")
        assert row.sent_at is not None


def test_sender_name_is_plain_and_exchange_safe(
    conference, kpb_a_user, smtp_server, django_capture_on_commit_callbacks
):
    Authority.objects.filter(slug="pp-dortmund").update(
        short_name='Polizeipräsidium "Dortmund", Nord (Test); <x>'
    )

    send_invitations(conference, kpb_a_user, django_capture_on_commit_callbacks)

    mail = smtp_server.wait_for(1)[0]
    raw_from = mail.raw.split(b"\r\nTo:")[0].split(b"From: ")[1]
    assert raw_from.isascii()  # the umlaut travels as an RFC 2047 encoded word
    assert mail.message["From"].addresses[0].display_name == (
        "SiKo NRW - Polizeipräsidium Dortmund Nord Test x"
    )
    assert mail.message["From"].addresses[0].addr_spec == "siko@polizei.nrw.example"


def test_transient_451_is_retried_with_backoff_and_delivered_once(
    conference, kpb_a_user, smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.on_data = lambda envelope, number: (
        "451 4.3.0 Bitte später erneut versuchen" if number == 1 else None
    )

    send_invitations(conference, kpb_a_user, django_capture_on_commit_callbacks)

    assert len(smtp_server.wait_for(1)) == 1
    waiting = OutgoingMail.objects.get(state=MailState.QUEUED)
    assert waiting.attempts == 1
    assert "Vorübergehender Fehler (Versuch 1 von 6): 451 4.3.0" in waiting.last_error
    assert timedelta(seconds=55) < waiting.next_attempt_at - timezone.now() <= timedelta(minutes=1)

    later = waiting.next_attempt_at + outbox.QUEUED_GRACE
    result = notification_tasks.sweep_outbox(now=later)
    notification_tasks.sweep_outbox(now=later + timedelta(minutes=10))

    assert result.enqueued == [waiting.pk]
    assert smtp_server.count_by_recipient()[waiting.to] == 1
    assert len(smtp_server.messages()) == 2
    waiting.refresh_from_db()
    assert (waiting.state, waiting.attempts, waiting.last_error) == (MailState.SENT, 2, "")


def test_retry_countdowns_stay_below_the_visibility_timeout():
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    time_limit = settings.CELERY_TASK_TIME_LIMIT

    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < time_limit < visibility
    assert 0 < outbox.max_retry_countdown() < visibility - time_limit
    # Delays Celery would hold longer are left to the sweeper instead of a countdown.
    handed_to_celery = [
        d for d in outbox.BACKOFF if d.total_seconds() <= outbox.max_retry_countdown()
    ]
    assert handed_to_celery == list(outbox.BACKOFF[:4])
    assert outbox.SENDING_LEASE.total_seconds() > time_limit


def test_celery_is_configured_for_at_least_once_delivery():
    conf = celery_app.conf

    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.accept_content == ["json"]
    assert (conf.task_serializer, conf.result_serializer) == ("json", "json")
    assert conf.timezone == "Europe/Berlin"
    schedule = conf.beat_schedule
    assert schedule["send-due-reminders"]["task"] == "conferences.send_due_reminders"
    assert schedule["send-due-reminders"]["schedule"].hour == {6}
    assert schedule["send-due-reminders"]["schedule"].minute == {0}
    assert schedule["sweep-outbox"] == {
        "task": "conferences.sweep_outbox",
        "schedule": 60.0,
        "options": {"expires": 55},
    }
    assert {
        "conferences.send_mail",
        "conferences.sweep_outbox",
        "conferences.send_due_reminders",
    } <= set(celery_app.tasks)


def test_unreachable_server_is_a_transient_error(
    conference, kpb_a_user, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens

    send_invitations(conference, kpb_a_user, django_capture_on_commit_callbacks)

    rows = OutgoingMail.objects.filter(conference=conference)
    assert {(m.state, m.attempts) for m in rows} == {(MailState.QUEUED, 1)}
    assert all("Connection refused" in m.last_error for m in rows)


def test_rejected_recipient_fails_the_mail_and_the_log_says_why(
    conference, kpb_a_user, smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.on_rcpt = lambda address, number: (
        "550 5.1.1 Empfänger unbekannt" if address.startswith("leitung0@") else None
    )

    send_invitations(conference, kpb_a_user, django_capture_on_commit_callbacks)
    notification_tasks.sweep_outbox(now=timezone.now() + timedelta(hours=3))

    failed = OutgoingMail.objects.get(to__startswith="leitung0@")
    assert failed.state == MailState.FAILED
    assert failed.attempts == 1
    assert failed.last_error == (
        "Der Mailserver hat die Mail abgelehnt: 550 5.1.1 Empfänger unbekannt"
    )
    assert smtp_server.count_by_recipient() == {"leitung1@lg-dortmund.example": 1}
    page = client_for(kpb_a_user).get(reverse("conferences:mail_log", kwargs={"pk": conference.pk}))
    assert "Der Mailserver hat die Mail abgelehnt" in page.content.decode()
    assert "fehlgeschlagen" in page.content.decode()


def test_mail_fails_after_six_transient_errors(
    conference, kpb_a_user, smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.on_data = lambda envelope, number: "421 4.7.0 Zu viele Verbindungen"

    send_invitations(conference, kpb_a_user, django_capture_on_commit_callbacks)
    for _attempt in range(8):
        notification_tasks.sweep_outbox(now=timezone.now() + timedelta(hours=3))

    rows = OutgoingMail.objects.filter(conference=conference)
    assert {(m.state, m.attempts) for m in rows} == {(MailState.FAILED, 6)}
    assert rows[0].last_error.startswith("Nach 6 Versuchen aufgegeben: 421 4.7.0")
    assert smtp_server.messages() == []


def test_double_click_on_send_queues_and_delivers_nothing_new(
    conference, kpb_a_user, smtp_server, django_capture_on_commit_callbacks
):
    send_invitations(conference, kpb_a_user, django_capture_on_commit_callbacks)
    second = send_invitations(conference, kpb_a_user, django_capture_on_commit_callbacks)
    invitation = conference.invitations.first()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = delivery.queue_mail(
            kind=MailKind.INVITATION,
            dedup_key=f"invitation:{invitation.pk}",
            invitation=invitation,
            composed=mails.compose_invitation(invitation),
        )

    assert second == 0
    assert callbacks == []
    assert again.state == MailState.SENT
    assert OutgoingMail.objects.filter(conference=conference).count() == 2
    assert sorted(smtp_server.count_by_recipient().values()) == [1, 1]


def test_a_redelivered_task_does_not_send_a_sent_mail_again(
    conference, kpb_a_user, smtp_server, django_capture_on_commit_callbacks
):
    from notifications.tasks import task_send_mail

    send_invitations(conference, kpb_a_user, django_capture_on_commit_callbacks)
    row = OutgoingMail.objects.filter(conference=conference).first()

    task_send_mail.delay(mail_id=row.pk)
    task_send_mail.delay(mail_id=row.pk)

    assert smtp_server.count_by_message_id()[row.message_id] == 1
    row.refresh_from_db()
    assert row.attempts == 1


def test_sweeper_sends_a_row_whose_task_was_lost_once(
    conference, kpb_a_user, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # Redis was down at commit
        services.send_invitations(conference, by=kpb_a_user)
    rows = OutgoingMail.objects.filter(conference=conference)
    assert {m.state for m in rows} == {MailState.QUEUED}

    too_early = notification_tasks.sweep_outbox(now=timezone.now() + timedelta(minutes=1))
    later = timezone.now() + outbox.QUEUED_GRACE + timedelta(seconds=1)
    sweep = notification_tasks.sweep_outbox(now=later)
    notification_tasks.sweep_outbox(now=later)
    notification_tasks.sweep_outbox(now=later + timedelta(hours=1))

    assert too_early.enqueued == []
    assert sorted(sweep.enqueued) == sorted(m.pk for m in rows)
    assert sorted(smtp_server.count_by_message_id().values()) == [1, 1]
    assert {m.state for m in rows.all()} == {MailState.SENT}


def test_sweeper_resends_a_row_whose_worker_died_while_sending(
    conference, kpb_a_user, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        services.send_invitations(conference, by=kpb_a_user)
    row = OutgoingMail.objects.filter(conference=conference).first()
    # The worker claimed the row, then was killed inside the SMTP transaction.
    since = timezone.now() - outbox.SENDING_LEASE - timedelta(seconds=1)
    OutgoingMail.objects.filter(pk=row.pk).update(
        state=MailState.SENDING, attempts=1, sending_since=since
    )

    result = notification_tasks.sweep_outbox()
    notification_tasks.sweep_outbox()

    assert result.recovered == [row.pk]
    assert smtp_server.count_by_message_id() == {row.message_id: 1}
    row.refresh_from_db()
    assert (row.state, row.attempts) == (MailState.SENT, 2)


@contextmanager
def _sender_lock_held_elsewhere(mail_pk: int) -> Iterator[None]:
    """Another database session holds the mail row's sender lock while the block runs."""
    holding, release = threading.Event(), threading.Event()

    def other_session() -> None:
        try:
            with outbox._sender_lock(mail_pk):
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    sender = threading.Thread(target=other_session)
    sender.start()
    holding.wait(10)
    try:
        yield
    finally:
        release.set()
        sender.join()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="advisory locks exist on PostgreSQL only; SQLite relies on the lease",
)
def test_sweeper_leaves_a_row_alone_while_a_live_worker_sends_it(
    conference, kpb_a_user, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        services.send_invitations(conference, by=kpb_a_user)
    row = OutgoingMail.objects.filter(conference=conference).first()
    OutgoingMail.objects.filter(pk=row.pk).update(
        state=MailState.SENDING, attempts=1, sending_since=timezone.now() - timedelta(minutes=5)
    )
    # another worker's database session, in the middle of its SMTP talk
    with _sender_lock_held_elsewhere(row.pk):
        result = notification_tasks.sweep_outbox()
        redelivered = outbox.send_mail_row(row.pk)

    assert result.recovered == []
    assert not redelivered.claimed
    assert smtp_server.messages() == []
    row.refresh_from_db()
    assert row.state == MailState.SENDING


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="advisory locks exist on PostgreSQL only; SQLite relies on the lease",
)
def test_sweeper_frees_a_row_held_by_a_vanished_session_after_the_lease(
    conference, kpb_a_user, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        services.send_invitations(conference, by=kpb_a_user)
    row = OutgoingMail.objects.filter(conference=conference).first()
    since = timezone.now() - outbox.SENDING_LEASE - timedelta(minutes=1)
    OutgoingMail.objects.filter(pk=row.pk).update(
        state=MailState.SENDING, attempts=1, sending_since=since
    )
    # a session whose host died: its lock outlives every time limit
    with _sender_lock_held_elsewhere(row.pk):
        first = notification_tasks.sweep_outbox()  # ends the session that holds the lock
        deadline = time.monotonic() + 5
        while (
            second := notification_tasks.sweep_outbox()
        ).recovered == [] and time.monotonic() < deadline:
            time.sleep(0.05)

    assert first.recovered == []
    assert second.recovered == [row.pk]
    assert smtp_server.count_by_message_id() == {row.message_id: 1}


def test_sweep_outbox_command_reports_what_it_did(capsys):
    call_command("sweep_outbox")

    assert capsys.readouterr().out == (
        "Postausgang: 0 unterbrochene Mails wieder eingereiht, 0 aufgegeben, 0 erneut übergeben.\n"
    )


def test_mail_without_address_fails_visibly(smtp_server):
    mail = OutgoingMail.objects.create(
        kind=MailKind.NOTICE,
        dedup_key="notice:ohne-adresse",
        to="",
        subject="Hinweis",
        body_text="Text",
    )

    result = outbox.send_mail_row(mail.pk)

    mail.refresh_from_db()
    assert (result.state, mail.state) == (MailState.FAILED, MailState.FAILED)
    assert mail.last_error == "Die Mail hat keine Empfängeradresse."
    assert smtp_server.messages() == []


def test_a_delivery_batch_sends_each_queued_row_once_and_leaves_sent_rows_alone(
    conference, kpb_a_user, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the batch task did not run yet
        services.send_invitations(conference, by=kpb_a_user)
    first, second = OutgoingMail.objects.filter(conference=conference).order_by("pk")
    outbox.send_mail_row(first.pk)

    results = outbox.send_mail_rows([first.pk, second.pk, second.pk])

    assert results == {first.pk: outbox.NOT_CLAIMED, second.pk: outbox.SendResult("sent")}
    assert sorted(smtp_server.count_by_message_id().values()) == [1, 1]
    assert sorted(
        OutgoingMail.objects.filter(conference=conference).values_list("state", "attempts")
    ) == [(MailState.SENT, 1), (MailState.SENT, 1)]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="advisory locks exist on PostgreSQL only; SQLite relies on the lease",
)
def test_a_delivery_batch_skips_a_row_a_live_worker_sends_and_sends_the_others(
    conference, kpb_a_user, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        services.send_invitations(conference, by=kpb_a_user)
    busy, free = OutgoingMail.objects.filter(conference=conference).order_by("pk")
    OutgoingMail.objects.filter(pk=busy.pk).update(
        state=MailState.SENDING, attempts=1, sending_since=timezone.now()
    )

    with _sender_lock_held_elsewhere(busy.pk):
        results = outbox.send_mail_rows([busy.pk, free.pk])

    assert not results[busy.pk].claimed
    assert results[free.pk].state == MailState.SENT
    assert smtp_server.count_by_message_id() == {free.message_id: 1}
    busy.refresh_from_db()
    assert (busy.state, busy.attempts) == (MailState.SENDING, 1)
