"""Reminders to the LZPD about the annual report (DESIGN §4): 1 July, 1 August, before 31 August.

Each stage reaches each LZPD user once; the job's clock is an argument (`now`); mails are the
outbox rows the sweep queues (and the messages the in-process task sends).
"""

from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.core import mail as django_mail
from django.urls import reverse
from django.utils import timezone

from notifications.enums import MailKind
from notifications.models import OutgoingMail, Reminder
from notifications.reminders import run_reminder_job
from reports.annual.reminders import ANNUAL_REPORT_DUE, plan_report_reminders
from reports.models import AnnualReport, ReportStatus
from reports.outline import DEFAULT_OUTLINE
from siko.organisations import OrganisationKind
from tests.conftest import client_for, make_user
from tests.factories.reports import agree_outline

BERLIN = timezone.get_default_timezone()


def at(month, day, year=2027, hour=6):
    return datetime(year, month, day, hour, 0, tzinfo=BERLIN)


@pytest.fixture
def lzpd_users(lzpd_user):
    second = make_user("lzpd-2", OrganisationKind.LZPD)
    no_address = make_user("lzpd-ohne-mail", OrganisationKind.LZPD)
    no_address.email = ""
    no_address.save()
    make_user("lzpd-inaktiv", OrganisationKind.LZPD, is_active=False)
    return [lzpd_user, second]


def report_mails(**filters):
    keys = [
        f"reminder:{pk}"
        for pk in Reminder.objects.filter(rule=ANNUAL_REPORT_DUE).values_list("pk", flat=True)
    ]
    return OutgoingMail.objects.filter(kind=MailKind.REMINDER, dedup_key__in=keys, **filters)


def sent_stages():
    return sorted(
        Reminder.objects.filter(rule=ANNUAL_REPORT_DUE, sent_at__isnull=False).values_list(
            "stage", "recipient"
        )
    )


def run(now, capture):
    with capture(execute=True):
        return run_reminder_job(now=now)


@pytest.mark.parametrize(
    ("month", "day", "stage", "phrase"),
    [
        (7, 1, "07-01", "Vorbereitung"),
        (8, 1, "08-01", "Entwurf zur Abstimmung mit dem LKA fällig"),
        (8, 24, "08-24", "Abgabe bis 31.08.2027"),
    ],
)
def test_each_stage_mails_every_lzpd_user_once(
    month, day, stage, phrase, lzpd_users, django_capture_on_commit_callbacks
):
    agree_outline(2027, DEFAULT_OUTLINE)  # no reminder about the outline on top
    run(at(month, day), django_capture_on_commit_callbacks)
    run(at(month, day, hour=18), django_capture_on_commit_callbacks)

    emails = sorted(user.email for user in lzpd_users)
    assert sent_stages() == [(stage, email) for email in emails]
    assert sorted(report_mails().values_list("to", flat=True)) == emails
    assert all(phrase in subject for subject in report_mails().values_list("subject", flat=True))
    delivered = [m for m in django_mail.outbox if "Jahresbericht 2027" in m.subject]
    assert sorted(address for m in delivered for address in m.to) == emails


def test_mail_says_what_is_due_when_and_links_to_the_report_list(
    lzpd_user, django_capture_on_commit_callbacks
):
    AnnualReport.objects.create(year=2027, period_year=2026)
    run(at(7, 1), django_capture_on_commit_callbacks)

    mail = report_mails().get()
    assert mail.to == lzpd_user.email
    assert mail.subject == (
        "Jahresbericht 2027: Vorbereitung – Entwurf bis 01.08.2027, Abgabe bis 31.08.2027"
    )
    assert "wertet das Kalenderjahr 2026 aus" in mail.body_text
    assert "bis Sonntag, 1. August 2027" in mail.body_text
    assert "bis Dienstag, 31. August 2027" in mail.body_text
    assert "Fassung 1 liegt als Entwurf vor." in mail.body_text
    link = settings.SITE_URL + reverse("reports:annual_report_list")
    assert link in mail.body_text
    assert f'href="{link}"' in mail.body_html


def test_stages_in_turn_send_three_mails_per_user_and_a_late_run_nothing(
    lzpd_users, django_capture_on_commit_callbacks
):
    for month, day in ((6, 30), (7, 1), (7, 20), (8, 1), (8, 2), (8, 24), (8, 30), (9, 15)):
        run(at(month, day), django_capture_on_commit_callbacks)

    assert [stage for stage, _r in sent_stages()] == ["07-01"] * 2 + ["08-01"] * 2 + ["08-24"] * 2
    assert report_mails().count() == 6


def test_first_run_after_a_downtime_sends_only_the_latest_stage(
    lzpd_users, django_capture_on_commit_callbacks
):
    run(at(8, 26), django_capture_on_commit_callbacks)
    run(at(8, 27), django_capture_on_commit_callbacks)

    assert {stage for stage, _r in sent_stages()} == {"08-24"}
    assert report_mails().count() == 2


def test_nothing_before_the_first_stage_or_after_the_deadline(
    lzpd_user, django_capture_on_commit_callbacks
):
    run(at(6, 30, hour=23), django_capture_on_commit_callbacks)
    run(at(9, 1), django_capture_on_commit_callbacks)

    assert not Reminder.objects.filter(rule=ANNUAL_REPORT_DUE).exists()


def test_no_reminder_once_the_final_version_exists(lzpd_users, django_capture_on_commit_callbacks):
    AnnualReport.objects.create(year=2027, period_year=2026, status=ReportStatus.FINAL)

    run(at(8, 1), django_capture_on_commit_callbacks)

    assert report_mails().count() == 0


def test_planned_reminder_is_cancelled_when_the_final_version_came_meanwhile(
    lzpd_users, django_capture_on_commit_callbacks
):
    plan_report_reminders(now=at(8, 24))
    AnnualReport.objects.create(year=2027, period_year=2026, status=ReportStatus.FINAL)

    run(at(8, 24), django_capture_on_commit_callbacks)

    assert report_mails().count() == 0
    rows = Reminder.objects.filter(rule=ANNUAL_REPORT_DUE)
    assert rows.count() == 2
    assert all(row.cancelled_at is not None for row in rows)


def test_final_version_of_another_year_does_not_stop_the_reminder(
    lzpd_user, django_capture_on_commit_callbacks
):
    AnnualReport.objects.create(year=2026, period_year=2025, status=ReportStatus.FINAL)

    run(at(7, 1), django_capture_on_commit_callbacks)

    assert sent_stages() == [("07-01", lzpd_user.email)]


def test_kpb_and_other_state_users_get_no_report_reminder(
    kpb_a_user, kpb_b_user, lka_user, im_user, lzpd_user, django_capture_on_commit_callbacks
):
    for month, day in ((7, 1), (8, 1), (8, 24)):
        run(at(month, day), django_capture_on_commit_callbacks)

    assert {recipient for _s, recipient in sent_stages()} == {lzpd_user.email}
    for user in (kpb_a_user, kpb_b_user, lka_user, im_user):
        assert not report_mails(to=user.email).exists()


def test_stages_are_a_setting(lzpd_user, settings, django_capture_on_commit_callbacks):
    settings.SIKO_REPORT_REMINDER_STAGES = ["07-15"]

    run(at(7, 1), django_capture_on_commit_callbacks)
    run(at(7, 15) + timedelta(hours=1), django_capture_on_commit_callbacks)

    assert sent_stages() == [("07-15", lzpd_user.email)]


def test_the_report_list_shows_the_sent_reminders_to_state_bodies(lzpd_user, kpb_a_user):
    today = timezone.localdate()
    Reminder.objects.create(
        rule=ANNUAL_REPORT_DUE,
        subject_key=f"annual_report:{today.year}",
        stage="07-01",
        recipient=lzpd_user.email,
        due_at=timezone.now(),
        sent_at=timezone.now(),
    )
    url = reverse("reports:annual_report_list")
    assert lzpd_user.email in client_for(lzpd_user).get(url).content.decode()
    assert lzpd_user.email not in client_for(kpb_a_user).get(url).content.decode()
