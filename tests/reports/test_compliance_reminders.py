"""Reminders of the yearly rule (DESIGN §4): each at most once per recipient, subject and stage.

The job's clock is an argument (`now`); mails go through the outbox rows.
"""

import threading
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from authorities.models import Authority
from conferences.models import Conference
from notifications.enums import MailKind
from notifications.models import OutgoingMail, Reminder
from notifications.reminders import run_reminder_job
from tests.conftest import make_user
from tests.factories.conferences import make_conference

BERLIN = timezone.get_default_timezone()


def at(month, day, year=2027):
    return datetime(year, month, day, 6, 0, tzinfo=BERLIN)


def yearly_mails():
    return OutgoingMail.objects.filter(
        kind=MailKind.REMINDER,
        dedup_key__in=[
            f"reminder:{pk}"
            for pk in Reminder.objects.filter(
                rule__in=["siko_yearly", "siko_ap_yearly"]
            ).values_list("pk", flat=True)
        ],
    )


def sent(rule="siko_yearly", **filters):
    return sorted(
        Reminder.objects.filter(rule=rule, sent_at__isnull=False, **filters).values_list(
            "subject_key", "stage", "recipient"
        )
    )


def schedule(user, when, kind="siko"):
    conference = make_conference(user, kind=kind, start=when, end=when + timedelta(hours=3))
    Conference.objects.filter(pk=conference.pk).update(status="scheduled")
    return conference


def test_job_run_twice_on_a_day_reminds_each_kpb_user_once(
    kpb_a_user, kpb_b_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run_reminder_job(now=at(4, 1))
        run_reminder_job(now=at(4, 1) + timedelta(hours=5))

    assert sent() == [
        ("lr-borken:2027", "04-01", kpb_b_user.email),
        ("pp-dortmund:2027", "04-01", kpb_a_user.email),
    ]
    assert yearly_mails().count() == 3  # + Siko-AP for Dortmund


def test_job_forty_days_after_a_stage_sends_nothing_new(
    kpb_a_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run_reminder_job(now=at(4, 1))
        before = yearly_mails().count()
        run_reminder_job(now=at(4, 1) + timedelta(days=40))

    assert before == 2
    assert yearly_mails().count() == 2


def test_first_run_after_a_downtime_sends_only_the_latest_stage_with_lzpd_copy(
    kpb_a_user, lzpd_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run_reminder_job(now=at(10, 15))
        run_reminder_job(now=at(10, 16))

    dortmund = [r for r in sent() if r[0] == "pp-dortmund:2027"]
    assert dortmund == [
        ("pp-dortmund:2027", "10-01", kpb_a_user.email),
        ("pp-dortmund:2027", "10-01", lzpd_user.email),
    ]
    # The LZPD gets a copy for every overdue authority, once each.
    assert len(sent(recipient=lzpd_user.email)) == 47
    assert {stage for _s, stage, _r in sent()} == {"10-01"}


def test_lzpd_gets_no_copy_before_october(
    kpb_a_user, lzpd_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run_reminder_job(now=at(7, 2))

    assert sent(recipient=lzpd_user.email) == []
    assert sent(recipient=kpb_a_user.email) == [("pp-dortmund:2027", "07-01", kpb_a_user.email)]


def test_authority_with_a_scheduled_siko_gets_no_reminder(
    kpb_a_user, django_capture_on_commit_callbacks
):
    schedule(kpb_a_user, at(11, 20).replace(hour=10))
    with django_capture_on_commit_callbacks(execute=True):
        run_reminder_job(now=at(4, 1))

    assert sent() == []
    assert sent("siko_ap_yearly") == [("pp-dortmund:2027", "04-01", kpb_a_user.email)]


def test_siko_ap_reminder_only_for_authorities_with_autobahnpolizei(
    kpb_a_user, kpb_b_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run_reminder_job(now=at(4, 1))

    assert sent("siko_ap_yearly") == [("pp-dortmund:2027", "04-01", kpb_a_user.email)]


def test_reminder_mail_is_german_and_links_to_planning(
    kpb_a_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run_reminder_job(now=at(4, 1))

    mail = yearly_mails().get(subject__contains="Sicherheitskonferenz")
    assert mail.to == kpb_a_user.email
    assert "2027 noch keine Sicherheitskonferenz" in mail.subject
    assert "Frist: 31.12.2027" in mail.body_text
    assert settings.SITE_URL + reverse("conferences:conference_create") in mail.body_text
    assert "/lagebild/behoerde/pp-dortmund/" in mail.body_text


def test_stale_row_is_cancelled_when_a_siko_was_scheduled_meanwhile(
    kpb_a_user, django_capture_on_commit_callbacks
):
    from reports.reminders import plan_compliance_reminders

    plan_compliance_reminders(now=at(4, 1))
    schedule(kpb_a_user, at(11, 20).replace(hour=10))
    with django_capture_on_commit_callbacks(execute=True):
        run_reminder_job(now=at(4, 1))

    assert sent() == []
    assert Reminder.objects.get(rule="siko_yearly").cancelled_at is not None


@pytest.mark.django_db(transaction=True)
def test_two_processes_running_the_job_at_once_remind_each_once(seeded):
    """PostgreSQL: two threads with own sessions plan and sweep at the same time.
    SQLite has no row locks: the runs go one after the other."""
    kpb = make_user("kpb-a", "kpb", authority="pp-dortmund")
    lzpd = make_user("lzpd", "lzpd")
    now = at(10, 15)
    runs = []
    start = threading.Barrier(2)

    def job():
        try:
            start.wait(5)
            runs.append(run_reminder_job(now=now))
        finally:
            connection.close()

    if connection.vendor == "postgresql":
        threads = [threading.Thread(target=job) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    else:
        runs = [run_reminder_job(now=now), run_reminder_job(now=now)]
    runs.append(run_reminder_job(now=now))

    with_ap = Authority.objects.filter(has_autobahnpolizei=True).count()
    # SiKo: the LZPD's copy per authority and Dortmund's user; Siko-AP: the same where required.
    expected = 47 + 1 + with_ap + 1
    assert sum(run.sent for run in runs) == expected
    assert yearly_mails().count() == expected
    assert OutgoingMail.objects.filter(to=kpb.email).count() == 2
    assert OutgoingMail.objects.filter(to=lzpd.email).count() == 47 + with_ap


def test_reminder_log_lists_sent_reminders_for_lzpd(
    kpb_a_user, personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run_reminder_job(now=at(4, 1))

    page = personas["lzpd"].get("/lagebild/erinnerungen/?jahr=2027")
    other_year = personas["lzpd"].get("/lagebild/erinnerungen/?jahr=2026")

    assert page.status_code == 200
    assert kpb_a_user.email in page.content.decode()
    assert "04-01" in page.content.decode()
    assert kpb_a_user.email not in other_year.content.decode()
    assert personas["kpb_a"].get("/lagebild/erinnerungen/").status_code == 403


def test_reminder_log_with_a_bad_year_shows_a_german_message(personas):
    response = personas["lzpd"].get("/lagebild/erinnerungen/?jahr=abc")

    assert response.status_code == 200
    assert "Bitte wählen Sie ein gültiges Jahr." in response.content.decode()
