"""Reminders of unanswered invitations: rows swept daily, each sent at most once.

The sweep's clock is an argument (`now`), the SMTP server is real (aiosmtpd).
"""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from authorities.enums import PartnerCategory
from authorities.models import Authority, Contact, Coverage, PartnerAgency
from conferences import services
from conferences.enums import AnswerChannel, InvitationState
from conferences.models import Invitation
from notifications.enums import MailKind, MailState
from notifications.models import OutgoingMail, Reminder
from notifications.reminders import send_due_reminders
from tests.conftest import make_user
from tests.factories.conferences import make_conference

AGENCIES = ("sta-dortmund", "lg-dortmund")


def _invite(conference, organiser, agencies):
    for number, agency in enumerate(agencies):
        Contact.objects.create(
            agency=agency,
            name=f"Leitung {number}",
            function="Leitung",
            email=f"leitung{number}@{agency.slug}.example",
        )
    services.add_invitations(conference, agencies=agencies, by=organiser)


@pytest.fixture
def scheduled(kpb_a_user, django_capture_on_commit_callbacks):
    """A conference 30 days ahead, invitations sent to two agencies, reminders planned."""
    conference = make_conference(kpb_a_user, days_ahead=30)
    _invite(conference, kpb_a_user, PartnerAgency.objects.filter(slug__in=AGENCIES))
    with django_capture_on_commit_callbacks(execute=True):
        services.send_invitations(conference, by=kpb_a_user)
    return conference


def remind(capture, now):
    with capture(execute=True):
        return send_due_reminders(now=now)


def reminder_mails():
    return OutgoingMail.objects.filter(kind=MailKind.REMINDER)


@pytest.mark.django_db
def test_due_reminders_are_sent_once_and_a_second_run_sends_nothing(
    scheduled, smtp_server, django_capture_on_commit_callbacks
):
    fourteen_days_before = scheduled.start - timedelta(days=14)
    invitations = list(scheduled.invitations.all())
    smtp_server.received.clear()

    early = remind(django_capture_on_commit_callbacks, fourteen_days_before - timedelta(days=1))
    first = remind(django_capture_on_commit_callbacks, fourteen_days_before)
    second = remind(django_capture_on_commit_callbacks, fourteen_days_before)

    assert (early.sent, first.sent, second.sent) == (0, 2, 0)
    assert smtp_server.count_by_recipient() == {i.recipient_email: 1 for i in invitations}
    mail = smtp_server.messages()[0]
    assert mail.header("Subject").startswith("Erinnerung: Sicherheitskonferenz 2027")
    assert mail.header("Auto-Submitted") == "auto-generated"
    assert {m.state for m in reminder_mails()} == {MailState.SENT}
    sent_rows = Reminder.objects.filter(sent_at__isnull=False)
    assert sorted(r.stage for r in sent_rows) == ["14d@0", "14d@0"]
    assert all(r.mail.kind == MailKind.REMINDER for r in sent_rows)
    assert all(i.reminded_at == fourteen_days_before for i in scheduled.invitations.all())


@pytest.mark.django_db
def test_both_stages_remind_on_their_day(
    scheduled, smtp_server, django_capture_on_commit_callbacks
):
    remind(django_capture_on_commit_callbacks, scheduled.start - timedelta(days=14))
    remind(django_capture_on_commit_callbacks, scheduled.start - timedelta(days=3))
    remind(django_capture_on_commit_callbacks, scheduled.start - timedelta(days=1))

    assert reminder_mails().count() == 4
    assert sorted(
        Reminder.objects.filter(sent_at__isnull=False).values_list("stage", flat=True)
    ) == ["14d@0", "14d@0", "3d@0", "3d@0"]


@pytest.mark.django_db
def test_reminder_is_due_on_its_day_at_the_morning_sweep(
    scheduled, smtp_server, django_capture_on_commit_callbacks
):
    due = Reminder.objects.filter(stage="14d@0").first().due_at
    morning = timezone.localtime(due).replace(hour=6, minute=0)

    run = remind(django_capture_on_commit_callbacks, morning)

    assert run.sent == 2


@pytest.mark.django_db
def test_after_a_forty_day_pause_each_invitee_gets_one_reminder(
    scheduled, smtp_server, django_capture_on_commit_callbacks
):
    # The sweeper last ran 40 days ago; now both stages are due at once.
    now = scheduled.start - timedelta(days=2)

    run = remind(django_capture_on_commit_callbacks, now)
    again = remind(django_capture_on_commit_callbacks, now + timedelta(days=1))

    assert (run.sent, run.cancelled, again.sent) == (2, 2, 0)
    assert smtp_server.count_by_recipient() == {
        i.recipient_email: 1 for i in scheduled.invitations.all()
    }
    assert reminder_mails().count() == 2
    assert sorted(
        Reminder.objects.filter(sent_at__isnull=False).values_list("stage", flat=True)
    ) == ["3d@0", "3d@0"]


@pytest.mark.django_db
def test_no_reminder_after_the_conference_started(scheduled, django_capture_on_commit_callbacks):
    run = remind(django_capture_on_commit_callbacks, scheduled.start + timedelta(hours=1))

    assert run.sent == 0
    assert reminder_mails().count() == 0
    assert not Reminder.objects.filter(cancelled_at__isnull=True, sent_at__isnull=True).exists()


@pytest.mark.django_db
def test_cancelled_conference_sends_no_reminders(
    scheduled, kpb_a_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_conference(scheduled, reason="Terminkollision", by=kpb_a_user)

    run = remind(django_capture_on_commit_callbacks, scheduled.start - timedelta(days=3))

    assert run.sent == 0
    assert reminder_mails().count() == 0


@pytest.mark.django_db
def test_reminder_rows_of_a_conference_cancelled_elsewhere_are_cancelled_not_sent(
    scheduled, django_capture_on_commit_callbacks
):
    type(scheduled).objects.filter(pk=scheduled.pk).update(status="cancelled")

    run = remind(django_capture_on_commit_callbacks, scheduled.start - timedelta(days=3))

    assert (run.sent, run.cancelled) == (0, 4)
    assert reminder_mails().count() == 0


@pytest.mark.django_db
def test_moved_conference_reminds_for_the_new_date_only(
    scheduled, kpb_a_user, smtp_server, django_capture_on_commit_callbacks
):
    old_start = scheduled.start
    new_start = old_start + timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        services.update_conference(
            scheduled,
            data={"start": new_start, "end": new_start + timedelta(hours=3)},
            by=kpb_a_user,
            confirmed=True,
        )

    at_old_date = remind(django_capture_on_commit_callbacks, old_start - timedelta(days=14))
    at_new_date = remind(django_capture_on_commit_callbacks, new_start - timedelta(days=14))

    assert at_old_date.sent == 0
    assert at_new_date.sent == 2
    assert sorted(
        Reminder.objects.filter(sent_at__isnull=False).values_list("stage", flat=True)
    ) == ["14d@1", "14d@1"]


@pytest.mark.django_db
def test_reminders_planned_for_an_old_calendar_sequence_are_stale(
    scheduled, django_capture_on_commit_callbacks
):
    # The date moved, but the old rows were not re-planned (e.g. an older release).
    type(scheduled).objects.filter(pk=scheduled.pk).update(ical_sequence=1)

    run = remind(django_capture_on_commit_callbacks, scheduled.start - timedelta(days=14))

    assert (run.sent, run.cancelled) == (0, 2)
    assert reminder_mails().count() == 0


@pytest.mark.django_db
def test_answered_invitation_gets_no_reminder(
    scheduled, smtp_server, django_capture_on_commit_callbacks
):
    answered, open_ = list(scheduled.invitations.all())
    services.record_answer(answered, state=InvitationState.ACCEPTED, via=AnswerChannel.PHONE)
    # …and one answered in a way that left its reminder rows untouched.
    Invitation.objects.filter(pk=open_.pk).update(state=InvitationState.DECLINED)

    run = remind(django_capture_on_commit_callbacks, scheduled.start - timedelta(days=14))

    assert run.sent == 0
    assert reminder_mails().count() == 0


@pytest.mark.django_db
def test_send_reminders_command_runs_the_sweep(
    scheduled, smtp_server, django_capture_on_commit_callbacks, capsys
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders")

    # Today no invitation reminder is due (the conference is 30 days ahead); the yearly rule's
    # reminders (reports.reminders) depend on the calendar day and are tested there.
    sent_by_rule = Reminder.objects.filter(sent_at__isnull=False, rule="invitation_unanswered")
    assert sent_by_rule.count() == 0
    assert "Erinnerungen: " in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_send_each_reminder_once(seeded, smtp_server):
    """Two sweeps race (PostgreSQL: two threads, own sessions) while a third holds some rows:
    held rows are skipped without waiting, and every reminder goes out exactly once."""
    organiser = make_user("kpb-a", "kpb", authority="pp-dortmund")
    host = Authority.objects.get(slug="pp-dortmund")
    agencies = PartnerAgency.objects.bulk_create(
        PartnerAgency(
            slug=f"stadt-test-{n}",
            name=f"Stadtverwaltung Test {n}",
            category=PartnerCategory.KOMMUNE,
        )
        for n in range(40)
    )
    Coverage.objects.bulk_create(Coverage(agency=a, authority=host) for a in agencies)
    conference = make_conference(organiser, days_ahead=30)
    _invite(conference, organiser, agencies)
    services.send_invitations(conference, by=organiser)
    now = conference.start - timedelta(days=14)
    held = list(
        Reminder.objects.filter(stage="14d@0").order_by("pk").values_list("pk", flat=True)[:5]
    )
    smtp_server.received.clear()
    holding, release, start = threading.Event(), threading.Event(), threading.Barrier(2)
    runs = []

    def sweep_in_progress():  # another beat process, in the middle of its batch
        try:
            with transaction.atomic():
                list(Reminder.objects.select_for_update().filter(pk__in=held))
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    def sweep():
        try:
            start.wait(5)
            runs.append(send_due_reminders(now=now))
        finally:
            connection.close()

    if connection.vendor == "postgresql":
        other = threading.Thread(target=sweep_in_progress)
        other.start()
        holding.wait(10)
        sweepers = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in sweepers:
            thread.start()
        for thread in sweepers:
            thread.join(60)
        sent_while_held = sum(run.sent for run in runs)
        release.set()
        other.join(10)
    else:  # SQLite has no row locks: the runs go one after the other.
        runs = [send_due_reminders(now=now), send_due_reminders(now=now)]
        sent_while_held = None
    runs.append(send_due_reminders(now=now))

    assert sent_while_held in (None, 40 - len(held))
    assert sum(run.sent for run in runs) == 40
    assert reminder_mails().count() == 40
    smtp_server.wait_for(40)
    assert smtp_server.count_by_recipient() == {
        i.recipient_email: 1 for i in conference.invitations.all()
    }
