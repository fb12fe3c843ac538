"""Minutes (Protokoll): the approval round with real mails, frozen PDF versions, reminders.

The SMTP server is real (aiosmtpd); the clock is moved by putting dates into the past.
"""

import hashlib
import re
from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conferences.enums import ConferenceStatus
from conferences.services import ConferenceError
from followup import minutes as services_minutes
from followup.models import (
    Minutes,
    MinutesComment,
    MinutesEntry,
    MinutesFrozen,
    MinutesStatus,
    OutcomeType,
)
from notifications.enums import MailKind
from notifications.models import OutgoingMail, Reminder
from notifications.reminders import send_due_reminders
from tests.conftest import client_for
from tests.factories.conferences import make_conference
from tests.followup.test_attendance import attend, make_past_conference
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db

COMMENT_LINK = re.compile(r"https?://\S+(/konferenzen/protokoll/kommentar/\S+/)")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def held(kpb_a_user):
    conference = make_past_conference(kpb_a_user)
    return attend(conference, kpb_a_user)  # STA and HZA present, LG absent


def _draft(conference, organiser, *, report="Lagebild vorgestellt."):
    draft = services_minutes.get_or_create_draft(conference, by=organiser)
    entries = {
        e.pk: {
            "report": report,
            "outcome_type": OutcomeType.DECISION,
            "outcome": "Gemeinsame Streife ab März.",
        }
        for e in draft.entries.all()
    }
    return services_minutes.save_minutes_draft(
        draft, notes="Begrüßung durch die Leitung.", entries=entries, by=organiser
    )


def _circulated(conference, organiser, capture, *, days=10):
    minutes = _draft(conference, organiser)
    with capture(execute=True):
        return services_minutes.circulate_minutes(
            minutes, deadline=timezone.now() + timedelta(days=days), by=organiser
        )


def _end_comment_period(minutes):
    Minutes.objects.filter(pk=minutes.pk).update(
        comment_deadline=timezone.now() - timedelta(minutes=1)
    )
    minutes.refresh_from_db()


def _approved(conference, organiser, capture):
    minutes = _circulated(conference, organiser, capture)
    _end_comment_period(minutes)
    return services_minutes.approve_minutes(minutes, by=organiser)


def _edit_data(minutes, **values):
    data = {"notes": values.get("notes", "")}
    for entry in minutes.entries.all():
        data[f"report_{entry.pk}"] = values.get("report", "")
        data[f"type_{entry.pk}"] = values.get("type", OutcomeType.INFORMATION)
        data[f"outcome_{entry.pk}"] = values.get("outcome", "")
    return data


def test_approval_round_end_to_end_with_real_mails(
    held, kpb_a_user, smtp_server, django_capture_on_commit_callbacks
):
    organiser = client_for(kpb_a_user)
    pk = held.pk
    smtp_server.received.clear()

    # The organiser starts and writes the draft (Markdown, with an attempt at raw HTML).
    organiser.post(reverse("conferences:minutes_edit", kwargs={"pk": pk}), {"start": "1"})
    draft = Minutes.objects.get(conference=held)
    assert draft.entries.count() == held.agenda_items.count()
    organiser.post(
        reverse("conferences:minutes_edit", kwargs={"pk": pk}),
        _edit_data(
            draft,
            notes="**Begrüßung** durch die Behördenleitung",
            report="Lage: <script>alert(1)</script><a href='javascript:x'>Link</a>",
            type=OutcomeType.ACTION,
            outcome="- Streife verstärken\n- Bericht im Juni",
        ),
    )
    # …and circulates it to the attending agencies.
    deadline = timezone.localtime() + timedelta(days=10)
    with django_capture_on_commit_callbacks(execute=True):
        response = organiser.post(
            reverse("conferences:minutes_circulate", kwargs={"pk": pk}),
            {"deadline": deadline.strftime("%Y-%m-%dT%H:%M")},
        )
    assert response.status_code == 302

    received = smtp_server.wait_for(2)
    assert sorted(r for m in received for r in m.recipients) == [
        "leitung@hza-dortmund.example",
        "leitung@sta-dortmund.example",
    ]  # not the absent court
    mail = next(m for m in received if "sta-dortmund" in m.recipients[0])
    assert mail.header("Subject").startswith("Protokollentwurf zur Abstimmung: SiKo Dortmund")
    text = mail.parts()["text/plain"].get_content()
    assert "Lage:" not in text  # the mail carries the link, never the minutes
    link = COMMENT_LINK.search(text).group(1)

    # The partner reads the draft through the link: rendered safely, no raw HTML.
    partner = Client()
    page = partner.get(link).content.decode()
    assert "<strong>Begrüßung</strong>" in page
    assert "<script>alert(1)</script>" not in page
    assert "javascript:" not in page
    assert "<li>Streife verstärken</li>" in page
    assert "Anmerkungen sind bis" in page

    # A forged link is refused and adds nothing.
    forged = link.replace("/kommentar/", "/kommentar/x")
    assert partner.post(forged, {"text": "Gefälscht"}).status_code == 404
    other_version = signing.Signer(salt=services_minutes.COMMENT_SALT).sign_object(
        {"i": str(held.invitations.get(agency__slug="lg-dortmund").public_id), "v": 1}
    )
    absent = reverse("conferences:minutes_comment", kwargs={"token": other_version})
    assert partner.post(absent, {"text": "Nicht anwesend"}).status_code == 404
    tampered = link.rstrip("/")[:-3] + "abc/"
    assert partner.post(tampered, {"text": "Verändert"}).status_code == 404
    assert MinutesComment.objects.count() == 0

    # The real link adds a comment.
    response = partner.post(link, {"text": "Bitte Datum der Streife ergänzen."}, follow=True)
    assert "Ihr Kommentar ist eingegangen" in response.content.decode()
    comment = MinutesComment.objects.get()
    assert comment.invitation.agency.slug == "sta-dortmund"

    # Approval waits for the deadline and for resolved comments.
    minutes_page = reverse("conferences:minutes", kwargs={"pk": pk})
    approve = reverse("conferences:minutes_approve", kwargs={"pk": pk})
    response = organiser.post(approve, follow=True)
    assert "Die Kommentarfrist läuft noch bis" in response.content.decode()
    _end_comment_period(draft)
    response = organiser.post(approve, follow=True)
    assert "Bitte erledigen Sie zuerst alle offenen Kommentare." in response.content.decode()
    organiser.post(
        reverse("conferences:minutes_comment_resolve", kwargs={"pk": pk, "comment_pk": comment.pk}),
        {"resolution": "Datum ergänzt."},
    )
    # After the deadline, the partner can no longer comment.
    late = partner.post(link, {"text": "Zu spät"})
    assert late.status_code == 409
    assert "Die Kommentarfrist ist am" in late.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = organiser.post(approve, follow=True)
    assert "Das Protokoll ist freigegeben" in response.content.decode()
    approved = Minutes.objects.get(pk=draft.pk)
    assert approved.status == MinutesStatus.APPROVED
    assert approved.approved_by == kpb_a_user
    with approved.pdf.open("rb") as handle:
        stored = handle.read()
    assert stored.startswith(b"%PDF")
    assert hashlib.sha256(stored).hexdigest() == approved.sha256
    assert approved.sha256 in approved.pdf.name
    assert MinutesComment.objects.count() == 1
    page = organiser.get(minutes_page).content.decode()
    assert approved.sha256 in page
    held_page = organiser.get(held.get_absolute_url()).content.decode()
    assert "freigegeben" in held_page

    # The attending agencies are told; their link now offers the frozen PDF.
    received = smtp_server.wait_for(4)
    approved_mail = next(m for m in received[2:] if "sta-dortmund" in m.recipients[0])
    assert approved_mail.header("Subject").startswith("Protokoll freigegeben: SiKo Dortmund")
    final_link = COMMENT_LINK.search(approved_mail.parts()["text/plain"].get_content()).group(1)
    assert final_link == link
    assert "Protokoll als PDF" in partner.get(link).content.decode()
    download = partner.get(link + "protokoll.pdf")
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == approved.sha256
    assert partner.get(forged + "protokoll.pdf").status_code == 404


def test_minutes_for_a_conference_that_has_not_taken_place_are_refused(kpb_a_user):
    conference = make_conference(kpb_a_user, days_ahead=5)
    client = client_for(kpb_a_user)

    page = client.get(reverse("conferences:minutes_edit", kwargs={"pk": conference.pk}))
    response = client.post(
        reverse("conferences:minutes_edit", kwargs={"pk": conference.pk}),
        {"start": "1"},
        follow=True,
    )

    assert "Die Konferenz hat noch nicht stattgefunden" in page.content.decode()
    assert "Die Konferenz hat noch nicht stattgefunden" in response.content.decode()
    assert not Minutes.objects.filter(conference=conference).exists()
    with pytest.raises(ConferenceError, match="noch nicht stattgefunden"):
        services_minutes.get_or_create_draft(conference, by=kpb_a_user)


def test_minutes_of_an_ended_conference_need_the_attendance_first(kpb_a_user):
    conference = make_past_conference(kpb_a_user)

    with pytest.raises(ConferenceError, match="zuerst die Anwesenheit"):
        services_minutes.get_or_create_draft(conference, by=kpb_a_user)

    assert conference.status == ConferenceStatus.SCHEDULED
    assert not Minutes.objects.exists()


def test_comment_after_the_deadline_is_refused_and_nothing_changes(
    held, kpb_a_user, django_capture_on_commit_callbacks
):
    minutes = _circulated(held, kpb_a_user, django_capture_on_commit_callbacks)
    invitation = held.invitations.get(agency__slug="hza-dortmund")
    _end_comment_period(minutes)

    with pytest.raises(ConferenceError, match="Die Kommentarfrist ist am .* abgelaufen"):
        services_minutes.add_comment(minutes, invitation=invitation, text="Zu spät")
    page = (
        Client()
        .get(
            reverse(
                "conferences:minutes_comment",
                kwargs={"token": services_minutes.comment_token(invitation, minutes)},
            )
        )
        .content.decode()
    )

    assert not MinutesComment.objects.exists()
    assert "Die Kommentarfrist ist abgelaufen" in page
    assert "Kommentar senden" not in page


def test_frozen_minutes_cannot_change(held, kpb_a_user, django_capture_on_commit_callbacks):
    minutes = _approved(held, kpb_a_user, django_capture_on_commit_callbacks)
    entry = minutes.entries.first()
    before = (
        Minutes.objects.filter(pk=minutes.pk).values().get(),
        list(MinutesEntry.objects.filter(minutes=minutes).values()),
    )
    client = client_for(kpb_a_user)

    minutes.notes = "Nachträglich geändert"
    with pytest.raises(MinutesFrozen):
        minutes.save()
    entry.report = "Nachträglich geändert"
    with pytest.raises(MinutesFrozen):
        entry.save()
    with pytest.raises(MinutesFrozen):
        Minutes.objects.get(pk=minutes.pk).delete()
    with pytest.raises(ConferenceError, match="freigegeben und kann nicht mehr geändert"):
        services_minutes.save_minutes_draft(minutes, notes="x", entries={}, by=kpb_a_user)
    edit = reverse("conferences:minutes_edit", kwargs={"pk": held.pk})
    response = client.post(edit, _edit_data(minutes, notes="Geändert"), follow=True)

    assert "freigegeben und kann nicht mehr geändert werden" in response.content.decode()
    assert (
        "freigegeben und kann nicht mehr geändert werden"
        in client.get(edit, follow=True).content.decode()
    )
    after = (
        Minutes.objects.filter(pk=minutes.pk).values().get(),
        list(MinutesEntry.objects.filter(minutes=minutes).values()),
    )
    assert after == before
    assert services_minutes.verify_pdf(Minutes.objects.get(pk=minutes.pk))


def test_a_correction_is_a_new_version_and_the_old_one_stays(
    held, kpb_a_user, django_capture_on_commit_callbacks
):
    first = _approved(held, kpb_a_user, django_capture_on_commit_callbacks)
    first_state = Minutes.objects.filter(pk=first.pk).values().get()
    client = client_for(kpb_a_user)

    client.post(
        reverse("conferences:minutes_correction", kwargs={"pk": held.pk}),
        {"reason": "Name des Vertreters korrigiert"},
    )
    second = Minutes.objects.get(conference=held, version=2)
    services_minutes.save_minutes_draft(
        second,
        notes="Korrigiert",
        entries={
            e.pk: {"report": "Neu", "outcome_type": "decision", "outcome": ""}
            for e in second.entries.all()
        },
        by=kpb_a_user,
    )
    second = _circulated_again(second, kpb_a_user, django_capture_on_commit_callbacks)
    _end_comment_period(second)
    second = services_minutes.approve_minutes(second, by=kpb_a_user)

    assert list(
        Minutes.objects.filter(conference=held).order_by("version").values_list("version", "status")
    ) == [(1, "approved"), (2, "approved")]
    assert Minutes.objects.filter(pk=first.pk).values().get() == first_state
    assert second.correction_reason == "Name des Vertreters korrigiert"
    assert second.sha256 != first.sha256
    assert services_minutes.verify_pdf(first) and services_minutes.verify_pdf(second)
    assert first.entries.count() == second.entries.count()
    with pytest.raises(ConferenceError, match="neuere Fassung"):
        services_minutes.start_correction(first, reason="noch einmal", by=kpb_a_user)
    # Version 3 counts up from the latest.
    third = services_minutes.start_correction(second, reason="Tippfehler", by=kpb_a_user)
    assert third.version == 3


def _circulated_again(minutes, organiser, capture):
    with capture(execute=True):
        return services_minutes.circulate_minutes(
            minutes, deadline=timezone.now() + timedelta(days=3), by=organiser
        )


def test_stored_pdf_is_served_as_stored_and_only_to_the_own_authority(
    held, kpb_a_user, kpb_b_user, partner_user, django_capture_on_commit_callbacks
):
    minutes = _approved(held, kpb_a_user, django_capture_on_commit_callbacks)
    url = reverse("conferences:minutes_pdf", kwargs={"pk": held.pk, "version": 1})

    response = client_for(kpb_a_user).get(url)
    body = b"".join(response.streaming_content)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert hashlib.sha256(body).hexdigest() == minutes.sha256
    assert client_for(kpb_b_user).get(url).status_code == 404
    assert client_for(partner_user).get(url).status_code == 403


def test_comment_link_is_bound_to_its_version(held, kpb_a_user, django_capture_on_commit_callbacks):
    first = _approved(held, kpb_a_user, django_capture_on_commit_callbacks)
    invitation = held.invitations.get(agency__slug="sta-dortmund")
    second = services_minutes.start_correction(first, reason="Korrektur", by=kpb_a_user)
    _circulated_again(second, kpb_a_user, django_capture_on_commit_callbacks)
    old_link = reverse(
        "conferences:minutes_comment",
        kwargs={"token": services_minutes.comment_token(invitation, first)},
    )

    response = Client().post(old_link, {"text": "Zur alten Fassung"})

    assert response.status_code == 409
    assert "bereits freigegeben" in response.content.decode()
    assert not MinutesComment.objects.exists()


def test_organiser_is_reminded_at_14_and_28_days_each_once(
    held, kpb_a_user, smtp_server, django_capture_on_commit_callbacks
):
    def sweep(days):
        with django_capture_on_commit_callbacks(execute=True):
            return send_due_reminders(now=held.end + timedelta(days=days))

    runs = [sweep(13), sweep(14), sweep(14), sweep(20), sweep(28), sweep(29)]

    assert [r.sent for r in runs] == [0, 1, 0, 0, 1, 0]
    mails = smtp_server.wait_for(2)
    assert [m.recipients for m in mails] == [[kpb_a_user.email], [kpb_a_user.email]]
    assert mails[0].header("Subject") == "Protokoll fehlt: SiKo Dortmund Herbst (vor 14 Tagen)"
    assert mails[1].header("Subject") == "Protokoll fehlt: SiKo Dortmund Herbst (vor 28 Tagen)"


def test_no_missing_minutes_reminder_once_a_draft_exists(
    held, kpb_a_user, django_capture_on_commit_callbacks
):
    services_minutes.get_or_create_draft(held, by=kpb_a_user)

    with django_capture_on_commit_callbacks(execute=True):
        run = send_due_reminders(now=held.end + timedelta(days=30))

    assert run.sent == 0
    assert not OutgoingMail.objects.filter(kind=MailKind.REMINDER).exists()


def test_partners_are_reminded_once_before_the_comment_deadline(
    held, kpb_a_user, smtp_server, django_capture_on_commit_callbacks
):
    minutes = _circulated(held, kpb_a_user, django_capture_on_commit_callbacks, days=10)
    commenter = held.invitations.get(agency__slug="hza-dortmund")
    smtp_server.received.clear()

    def sweep(before):
        with django_capture_on_commit_callbacks(execute=True):
            return send_due_reminders(now=minutes.comment_deadline - before)

    runs = [
        sweep(timedelta(days=3)),
        sweep(timedelta(days=2)),
        sweep(timedelta(days=2)),
        sweep(timedelta(days=1)),
    ]

    assert [r.sent for r in runs] == [0, 2, 0, 0]
    mails = smtp_server.wait_for(2)
    assert sorted(m.recipients[0] for m in mails) == [
        "leitung@hza-dortmund.example",
        "leitung@sta-dortmund.example",
    ]
    assert mails[0].header("Subject").startswith("Erinnerung: Anmerkungen zum Protokoll")
    text = mails[0].parts()["text/plain"].get_content()
    assert COMMENT_LINK.search(text)
    assert commenter.attended


def test_no_partner_reminder_after_approval(held, kpb_a_user, django_capture_on_commit_callbacks):
    minutes = _approved(held, kpb_a_user, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        run = send_due_reminders(now=minutes.approved_at + timedelta(days=9))

    assert run.sent == 0
    assert (
        Reminder.objects.filter(
            rule=services_minutes.COMMENT_DEADLINE, cancelled_at__isnull=False
        ).count()
        == 2
    )


def test_circulating_needs_a_deadline_at_least_a_day_ahead(held, kpb_a_user):
    minutes = _draft(held, kpb_a_user)

    with pytest.raises(ConferenceError, match="mindestens einen Tag"):
        services_minutes.circulate_minutes(
            minutes, deadline=timezone.now() + timedelta(hours=2), by=kpb_a_user
        )

    assert Minutes.objects.get(pk=minutes.pk).status == MinutesStatus.DRAFT
    assert not OutgoingMail.objects.filter(dedup_key__startswith="minutes-").exists()


def test_minutes_page_queries_do_not_grow_with_comments(
    held, kpb_a_user, django_capture_on_commit_callbacks
):
    minutes = _circulated(held, kpb_a_user, django_capture_on_commit_callbacks)
    invitations = list(held.invitations.filter(attended=True))
    url = reverse("conferences:minutes", kwargs={"pk": held.pk})

    def grow():
        for number in range(6):
            services_minutes.add_comment(
                minutes, invitation=invitations[number % 2], text=f"Kommentar {number}"
            )

    assert_constant_queries(client_for(kpb_a_user), url, grow)


def test_conference_detail_queries_do_not_grow_with_minutes_versions(
    held, kpb_a_user, django_capture_on_commit_callbacks
):
    first = _approved(held, kpb_a_user, django_capture_on_commit_callbacks)

    def grow():
        services_minutes.start_correction(first, reason="Korrektur", by=kpb_a_user)

    assert_constant_queries(client_for(kpb_a_user), held.get_absolute_url(), grow)
