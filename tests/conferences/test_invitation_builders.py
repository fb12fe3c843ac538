"""A large fan-out is built by two worker processes: the build task starts one helper after its
first chunk, and both together build each invitation's mail once."""

import pytest
from django.urls import reverse

from conferences import sending
from conferences.models import Invitation
from notifications.enums import MailKind
from notifications.models import OutgoingMail
from siko.celery import app as celery_app
from tests.conftest import client_for
from tests.factories.conferences import invite_new_agencies, make_conference

pytestmark = pytest.mark.django_db


@pytest.fixture
def marked(kpb_a_user, django_capture_on_commit_callbacks, monkeypatch):
    """A conference whose 12 invitations the click marked; the build task has not run."""
    monkeypatch.setattr(sending, "FIRST_CHUNK", 2)
    monkeypatch.setattr(sending, "BUILD_CHUNK", 3)
    monkeypatch.setattr(sending, "SHARE_FROM", 6)
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        conference = make_conference(kpb_a_user, days_ahead=30)
        invite_new_agencies(conference, kpb_a_user, 12)
        with django_capture_on_commit_callbacks(execute=False):
            response = client_for(kpb_a_user).post(
                reverse("conferences:send", kwargs={"pk": conference.pk})
            )
        assert response.status_code == 302
        yield conference
    finally:
        celery_app.conf.task_always_eager = saved


def _helpers_run_at_once(monkeypatch) -> list[dict]:
    """sending.enqueue replaced: the helper task runs at once, between the first builder's
    first and second chunk."""
    started: list[dict] = []

    def enqueue(task, **kwargs):
        started.append(kwargs)
        task.run(**kwargs)
        return True

    monkeypatch.setattr(sending, "enqueue", enqueue)
    return started


def test_the_build_task_starts_one_helper_and_together_they_build_each_mail_once(
    marked, monkeypatch, django_capture_on_commit_callbacks
):
    started = _helpers_run_at_once(monkeypatch)
    with django_capture_on_commit_callbacks(execute=False):
        sending.task_build_invitation_mails.run(conference_id=marked.pk)

    assert started == [{"conference_id": marked.pk, "helper": True}]  # and no helper of its own
    rows = OutgoingMail.objects.filter(conference=marked, kind=MailKind.INVITATION)
    assert rows.count() == 12
    assert len(set(rows.values_list("dedup_key", flat=True))) == 12
    assert not Invitation._base_manager.filter(conference=marked, mail_pending=True).exists()


def test_a_small_fan_out_and_the_request_build_start_no_helper(
    marked, monkeypatch, django_capture_on_commit_callbacks
):
    started = _helpers_run_at_once(monkeypatch)
    monkeypatch.setattr(sending, "SHARE_FROM", 11)  # 10 left after the first chunk
    with django_capture_on_commit_callbacks(execute=False):
        sending.task_build_invitation_mails.run(conference_id=marked.pk)
    assert started == []
    assert OutgoingMail.objects.filter(conference=marked).count() == 12
    Invitation._base_manager.filter(conference=marked).update(mail_pending=True)
    OutgoingMail.objects.filter(conference=marked).delete()
    with django_capture_on_commit_callbacks(execute=False):
        assert sending.build_invitation_mails(marked.pk) == 12  # in-process: no helper
    assert started == []
