"""'Einladungen versenden' marks the invitations and returns; the worker builds the mails in
chunks and sends them in batches, and the conference page shows '2 von 3 versendet' via htmx."""

import pytest
from django.urls import reverse
from django.utils import timezone

from conferences import sending
from conferences.models import Invitation
from notifications import outbox
from notifications import tasks as notification_tasks
from notifications.enums import MailKind, MailState
from notifications.models import OutgoingMail
from siko.celery import app as celery_app
from tests.conftest import client_for
from tests.factories.conferences import invite_new_agencies, make_conference
from tests.helpers import assert_constant_queries


@pytest.fixture
def worker_mode():
    """As deployed: tasks go to a broker (here: the on_commit callbacks, run or not by hand)."""
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = saved


def _progress(client, conference) -> str:
    response = client.get(reverse("conferences:send_progress", kwargs={"pk": conference.pk}))
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def test_the_click_only_marks_and_the_worker_builds_and_sends_with_progress(
    kpb_a_user, worker_mode, django_capture_on_commit_callbacks, mailoutbox
):
    conference = make_conference(kpb_a_user, days_ahead=30)
    invite_new_agencies(conference, kpb_a_user, 3)
    client = client_for(kpb_a_user)
    with django_capture_on_commit_callbacks() as started:
        response = client.post(reverse("conferences:send", kwargs={"pk": conference.pk}))
    assert response.status_code == 302
    assert len(started) == 1  # one build task, no mail built in the request
    assert not OutgoingMail.objects.exists()
    page = " ".join(client.get(conference.get_absolute_url()).content.decode().split())
    assert reverse("conferences:send_progress", kwargs={"pk": conference.pk}) in page
    text = _progress(client, conference)
    assert "3 Einladungen werden vorbereitet. 0 von 3 Einladungen versendet." in text
    assert 'hx-trigger="load delay:1s"' in text

    with django_capture_on_commit_callbacks() as deliveries:
        assert sending.build_invitation_mails(conference.pk) == 3
        assert sending.build_invitation_mails(conference.pk) == 0  # a second run builds nothing
    assert OutgoingMail.objects.filter(kind=MailKind.INVITATION).count() == 3
    assert len(deliveries) == 1  # one delivery task for the batch
    assert not Invitation.objects.filter(mail_pending=True).exists()
    text = _progress(client, conference)
    assert "vorbereitet" not in text
    assert "0 von 3 Einladungen versendet." in text

    first = OutgoingMail.objects.order_by("pk").first()
    outbox.send_mail_row(first.pk)
    assert "1 von 3 Einladungen versendet." in _progress(client, conference)
    notification_tasks.task_send_mails.apply(
        kwargs={"mail_ids": list(OutgoingMail.objects.values_list("pk", flat=True))}
    )
    assert len(mailoutbox) == 3  # the batch sends each row once, the first not again
    text = _progress(client, conference)
    assert "3 von 3 Einladungen versendet." in text
    assert "hx-get" not in text  # done: the polling stops


def test_the_progress_fragment_needs_the_same_queries_for_more_invitations(kpb_a_user, worker_mode):
    conference = make_conference(kpb_a_user, days_ahead=30)
    invite_new_agencies(conference, kpb_a_user, 2)
    client = client_for(kpb_a_user)
    client.post(reverse("conferences:send", kwargs={"pk": conference.pk}))
    url = reverse("conferences:send_progress", kwargs={"pk": conference.pk}) + "?n=2"
    conference.refresh_from_db()  # scheduled now

    def grow() -> None:
        invite_new_agencies(conference, kpb_a_user, 5)  # scheduled: marked for sending at once
        sending.build_invitation_mails(conference.pk)

    assert_constant_queries(client, url, grow)
    assert "0 von 7 Einladungen versendet." in _progress(client, conference)


def test_invitations_a_killed_worker_left_unbuilt_are_built_by_the_outbox_sweep(
    kpb_a_user, worker_mode, django_capture_on_commit_callbacks
):
    conference = make_conference(kpb_a_user, days_ahead=30)
    invite_new_agencies(conference, kpb_a_user, 2)
    with django_capture_on_commit_callbacks():  # the build task is lost with its worker
        client_for(kpb_a_user).post(reverse("conferences:send", kwargs={"pk": conference.pk}))
    celery_app.conf.task_always_eager = True  # the sweep's build task runs in-process here
    notification_tasks.sweep_outbox()
    assert not OutgoingMail.objects.exists()  # within QUEUED_GRACE the build may still run
    notification_tasks.sweep_outbox(now=timezone.now() + outbox.QUEUED_GRACE)
    assert OutgoingMail.objects.filter(kind=MailKind.INVITATION).count() == 2
    assert not Invitation.objects.filter(mail_pending=True).exists()


def test_in_process_mode_builds_in_the_request_as_before(kpb_a_user):
    conference = make_conference(kpb_a_user, days_ahead=30)
    invite_new_agencies(conference, kpb_a_user, 2)
    client_for(kpb_a_user).post(reverse("conferences:send", kwargs={"pk": conference.pk}))
    assert (
        OutgoingMail.objects.filter(kind=MailKind.INVITATION, state=MailState.QUEUED).count() == 2
    )
