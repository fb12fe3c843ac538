"""DSGVO: access (Art. 15) and erasure (Art. 17) of one e-mail address through
`manage.py personal_data`, and the retention periods of the daily job.

The erasure test builds the person's data everywhere SiKo keeps it (contact, invitation and
answer, outbox mails with their calendar files, the local mailbox, reminders, a comment on the
minutes, an account, the frozen minutes PDF), erases, and then searches a full dump of the
database (SQLite's own dump or pg_dump, and dumpdata) and every stored file for the address.
"""

import json
import os
import subprocess
from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from authorities.models import Contact, User
from conferences.enums import CalendarReplyOutcome, ConferenceStatus
from conferences.models import CalendarReply, Conference, Invitation
from followup import minutes as minutes_services
from followup.models import Minutes, MinutesComment, OutcomeType
from notifications.models import OutgoingMail, Reminder
from siko.models import AuditEntry, LocalMail
from siko.organisations import OrganisationKind
from siko.personal_data import apply_retention, pseudonym
from tests.conftest import client_for, make_user
from tests.factories.practices import make_practice
from tests.followup.test_attendance import attend, make_past_conference
from tests.helpers import pdf_text

BERLIN = ZoneInfo("Europe/Berlin")
#: The contact of the Staatsanwaltschaft Dortmund in make_past_conference, spelt as a user
#: might type it.
ADDRESS = "Leitung@STA-Dortmund.example"
NEEDLE = ADDRESS.lower()


@pytest.fixture(autouse=True)
def _media_and_mailbox(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "siko.mail.LocalMailboxBackend"  # the embedded mode's mailbox


def person_everywhere(organiser, capture) -> Minutes:
    """Invitations sent and answered, mails delivered, minutes circulated, commented and
    approved; the partner also has an account with the address."""
    with capture(execute=True):
        conference = attend(make_past_conference(organiser), organiser)
        invitation = conference.invitations.get(agency__slug="sta-dortmund")
        Invitation.objects.filter(pk=invitation.pk).update(
            comment="Rückfragen bitte an leitung@sta-dortmund.example"
        )
        draft = minutes_services.get_or_create_draft(conference, by=organiser)
        entries = {
            e.pk: {"report": "Lage.", "outcome_type": OutcomeType.INFORMATION, "outcome": "."}
            for e in draft.entries.all()
        }
        draft = minutes_services.save_minutes_draft(
            draft, notes="Begrüßung.", entries=entries, by=organiser
        )
        minutes = minutes_services.circulate_minutes(
            draft, deadline=timezone.now() + timedelta(days=10), by=organiser
        )
        comment = minutes_services.add_comment(
            minutes, invitation=invitation, text="Bitte TOP 2 ergänzen. Leitung StA"
        )
        minutes_services.resolve_comment(comment, resolution="Ergänzt.", by=organiser)
        Minutes.objects.filter(pk=minutes.pk).update(
            comment_deadline=timezone.now() - timedelta(minutes=1)
        )
        minutes.refresh_from_db()
        approved = minutes_services.approve_minutes(minutes, by=organiser)
    account = make_user(
        "sta-leitung",
        OrganisationKind.PARTNER,
        agency="sta-dortmund",
        first_name="Petra",
        last_name="Leitung",
    )
    User.objects.filter(pk=account.pk).update(email=ADDRESS.upper())
    # The partner's calendar program answered the meeting request (the reply mailbox).
    CalendarReply.objects.create(
        message_id=f"<antwort-1.{ADDRESS}>",
        sender=f"Leitung StA <{ADDRESS}>",
        subject="Angenommen: SiKo Dortmund Herbst",
        attendee=f"mailto:{ADDRESS.lower()}",
        partstat="ACCEPTED",
        conference=approved.conference,
        outcome=CalendarReplyOutcome.RECORDED,
    )
    # An older audit entry that named the address in its text and data.
    AuditEntry.objects.create(
        action="partner.changed",
        object_type="authorities.Contact",
        object_id="1",
        object_repr=f"Leitung ({ADDRESS})",
        data={"fields": ["email"], "old": ADDRESS},
    )
    return approved


def database_dump() -> str:
    """The whole database as text: the engine's own dump plus Django's dumpdata."""
    out = StringIO()
    call_command("dumpdata", stdout=out)
    text = out.getvalue()
    if connection.vendor == "postgresql":
        name = connection.settings_dict["NAME"]
        env = {**os.environ, "PGPASSWORD": connection.settings_dict.get("PASSWORD") or ""}
        text += subprocess.run(
            [
                "pg_dump",
                "-h",
                connection.settings_dict["HOST"] or "127.0.0.1",
                "-p",
                str(connection.settings_dict["PORT"] or 5432),
                "-U",
                connection.settings_dict["USER"],
                name,
            ],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stdout
    else:
        connection.ensure_connection()
        text += "\n".join(connection.connection.iterdump())
    return text


def stored_texts() -> dict[str, str]:
    """Every stored file as text (PDFs also as their extracted text)."""
    texts = {}
    for path in Path(settings.MEDIA_ROOT).rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            text = content.decode("latin-1")
            if content.startswith(b"%PDF"):
                text += pdf_text(content)
            texts[str(path)] = text
    return texts


@pytest.mark.django_db(transaction=True)
def test_erasure_leaves_the_address_nowhere_in_the_database_or_the_storage(
    seeded, django_capture_on_commit_callbacks
):
    organiser = make_user("kpb-a", OrganisationKind.KPB, authority="pp-dortmund")
    minutes = person_everywhere(organiser, django_capture_on_commit_callbacks)
    # A good practice names the partner's account holder, with her consent.
    make_practice(organiser, contact_consent=True, contact_name="Petra Leitung")
    assert "petra leitung" in database_dump().lower()
    # The arrangement really holds the address in each place the issue names.
    assert OutgoingMail.objects.filter(to__iexact=NEEDLE, ics__icontains="mailto:").exists()
    assert LocalMail.objects.filter(recipients__icontains=NEEDLE).exists()
    assert Reminder.objects.filter(recipient__iexact=NEEDLE).exists()
    assert NEEDLE in database_dump().lower()
    assert stored_texts()

    out = StringIO()
    call_command("personal_data", "--email", ADDRESS, "--erase", stdout=out)

    assert "Datensätze gelöscht oder pseudonymisiert" in out.getvalue()
    dump = database_dump().lower()
    assert NEEDLE not in dump
    assert "petra leitung" not in dump
    for name, text in stored_texts().items():
        assert NEEDLE not in text.lower(), name
    # What stays: the answer for the yearly rule, the mail log with a pseudonym, the frozen
    # minutes unchanged, the comment's existence, the audit entry with the pseudonym.
    invitation = Invitation.objects.get(conference=minutes.conference, agency__slug="sta-dortmund")
    assert (invitation.state, invitation.contact, invitation.comment, invitation.delegate_name) == (
        "delegated",
        None,
        "",
        "",
    )
    alias = pseudonym(ADDRESS)
    assert OutgoingMail.objects.filter(
        invitation=invitation, to=f"{alias.lower()}@geloescht.invalid"
    )
    assert not Contact.objects.filter(email__iexact=NEEDLE).exists()
    account = User.objects.get(username__startswith=alias)
    assert (account.is_active, account.email, account.first_name) == (False, "", "")
    assert MinutesComment.objects.get(invitation=invitation).text == (
        f"[Kommentar gelöscht – {alias}]"
    )
    Minutes.objects.get(pk=minutes.pk).pdf.open("rb").close()
    erased = AuditEntry.objects.get(action="personal_data.erased")
    assert (erased.object_repr, erased.data["counts"]["contacts"]) == (alias, 1)


@pytest.mark.django_db
def test_export_lists_contact_invitations_answers_mails_and_comments(
    kpb_a_user, django_capture_on_commit_callbacks, tmp_path
):
    person_everywhere(kpb_a_user, django_capture_on_commit_callbacks)
    target = tmp_path / "auskunft.json"

    out = StringIO()
    call_command("personal_data", "--email", ADDRESS, "--export", str(target), stdout=out)

    exported = json.loads(target.read_text(encoding="utf-8"))
    data = exported["data"]
    assert exported["email"] == ADDRESS
    assert [(c["name"], c["agency_name"]) for c in data["contacts"]["rows"]] == [
        ("Leitung sta-dortmund", "Staatsanwaltschaft Dortmund")
    ]
    assert data["contacts"]["label"] == "Ansprechpersonen"
    [answer] = data["invitations"]["rows"]
    assert (answer["conference_title"], answer["state"], answer["delegate_name"]) == (
        "SiKo Dortmund Herbst",
        "delegated",
        "Dr. Max Vertreter",
    )
    assert answer["comment"] == "Rückfragen bitte an leitung@sta-dortmund.example"
    subjects = [m["subject"] for m in data["mails"]["rows"]]
    # The invitation, the confirmation of the answer, the draft minutes and the approved minutes.
    assert len(subjects) == 4 and all(m["to"].lower() == NEEDLE for m in data["mails"]["rows"])
    assert any(subject.startswith("Ihre Antwort ist eingegangen") for subject in subjects)
    assert [c["text"] for c in data["minutes_comments"]["rows"]] == [
        "Bitte TOP 2 ergänzen. Leitung StA"
    ]
    assert [a["username"] for a in data["accounts"]["rows"]] == ["sta-leitung"]
    assert data["local_mailbox"]["rows"]
    assert [r["partstat"] for r in data["calendar_replies"]["rows"]] == ["ACCEPTED"]
    assert "nach" in out.getvalue()
    # The export is audited under the pseudonym, never with the address.
    entry = AuditEntry.objects.get(action="personal_data.exported")
    assert NEEDLE not in (entry.object_repr + json.dumps(entry.data)).lower()


@pytest.mark.django_db
def test_an_invalid_address_is_refused_in_german_and_changes_nothing(kpb_a_user):
    with pytest.raises(CommandError, match="„kein-at-zeichen“ ist keine gültige E-Mail-Adresse."):
        call_command("personal_data", "--email", "kein-at-zeichen", "--erase")
    assert not AuditEntry.objects.filter(action__startswith="personal_data").exists()


def _age_conference(conference: Conference, end: datetime) -> None:
    Conference.objects.filter(pk=conference.pk).update(
        start=end - timedelta(hours=3), end=end, status=ConferenceStatus.HELD
    )


@pytest.mark.django_db
def test_retention_removes_mails_answers_and_comments_of_old_conferences_only(
    kpb_a_user, django_capture_on_commit_callbacks, caplog
):
    old = person_everywhere(kpb_a_user, django_capture_on_commit_callbacks).conference
    with django_capture_on_commit_callbacks(execute=True):
        recent = make_past_conference(kpb_a_user)
    # Five full calendar years after the conference's year (SIKO_RETENTION_CONFERENCE_YEARS).
    _age_conference(old, datetime(2020, 12, 31, 12, tzinfo=BERLIN))
    _age_conference(recent, datetime(2021, 1, 5, 12, tzinfo=BERLIN))
    now = datetime(2026, 1, 2, 12, tzinfo=BERLIN)

    with caplog.at_level("INFO", logger="siko.personal_data"):
        counts = apply_retention(now)

    assert not OutgoingMail.objects.filter(conference=old).exists()
    assert not Reminder.objects.filter(conference=old).exists()
    assert not CalendarReply.objects.filter(conference=old).exists()
    assert not MinutesComment.objects.filter(minutes__conference=old).exists()
    answer = old.invitations.get(agency__slug="sta-dortmund")
    assert (answer.state, answer.delegate_name, answer.comment, answer.attended_by) == (
        "delegated",
        "",
        "",
        "",
    )
    # Invitation, answer confirmation, draft and approved minutes: all kept.
    assert OutgoingMail.objects.filter(conference=recent).count() == 4
    assert recent.invitations.get(agency__slug="sta-dortmund").delegate_name == "Dr. Max Vertreter"
    assert counts["minutes_comments"] == 1 and counts["conference_mails"] > 0
    [record] = [r for r in caplog.records if r.getMessage().startswith("retention applied")]
    assert NEEDLE not in record.getMessage().lower()
    assert "Dr. Max" not in record.getMessage()


@pytest.mark.django_db
def test_a_practice_naming_the_person_with_consent_is_exported_and_loses_the_name_on_erasure(
    kpb_a_user, tmp_path
):
    account = make_user(
        "sta-leitung",
        OrganisationKind.PARTNER,
        agency="sta-dortmund",
        first_name="Petra",
        last_name="Leitung",
    )
    User.objects.filter(pk=account.pk).update(email=ADDRESS)
    named = make_practice(kpb_a_user, contact_consent=True, contact_name="petra  Leitung")
    other = make_practice(
        kpb_a_user, title="Sicherer Schulweg", contact_consent=True, contact_name="Paul Muster"
    )
    target = tmp_path / "auskunft.json"

    call_command("personal_data", "--email", ADDRESS, "--export", str(target), stdout=StringIO())
    exported = json.loads(target.read_text(encoding="utf-8"))["data"]["practice_contacts"]
    call_command("personal_data", "--email", ADDRESS, "--erase", stdout=StringIO())

    assert exported["label"] == "Namentliche Ansprechpersonen in guter Praxis"
    assert [(r["title"], r["contact_name"]) for r in exported["rows"]] == [
        (named.title, "petra Leitung")
    ]
    named.refresh_from_db()
    other.refresh_from_db()
    assert (named.contact_name, named.contact_consent, named.contact_function) == (
        "",
        False,
        "Leitungsstab, Sachgebiet Einsatz",
    )
    assert named.contact_text == "Leitungsstab, Sachgebiet Einsatz"
    assert (other.contact_name, other.contact_consent) == ("Paul Muster", True)
    erased = AuditEntry.objects.get(action="personal_data.erased")
    assert erased.data["counts"]["practice_contacts"] == 1


@pytest.mark.django_db
def test_the_data_protection_page_exports_and_erases_a_practice_contact_name(kpb_a_user, lzpd_user):
    account = make_user(
        "sta-leitung",
        OrganisationKind.PARTNER,
        agency="sta-dortmund",
        first_name="Petra",
        last_name="Leitung",
    )
    User.objects.filter(pk=account.pk).update(email=ADDRESS)
    practice = make_practice(kpb_a_user, contact_consent=True, contact_name="Petra Leitung")
    client = client_for(lzpd_user)
    url = reverse("personal_data")

    exported = client.post(url, {"email": ADDRESS, "export": "1"})
    rows = json.loads(exported.content)["data"]["practice_contacts"]["rows"]
    erased = client.post(url, {"email": ADDRESS, "erase": "1", "confirm_erase": "on"}, follow=True)

    assert [r["contact_name"] for r in rows] == ["Petra Leitung"]
    assert "Datensätze zu der Adresse wurden gelöscht" in erased.content.decode()
    practice.refresh_from_db()
    assert (practice.contact_name, practice.contact_consent) == ("", False)
