"""The German invitation, update, cancellation and reminder mails."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from authorities.models import PartnerAgency
from conferences import mails, services
from conferences.links import answer_url
from conferences.models import Invitation
from notifications.compose import build_message
from notifications.enums import MailKind
from notifications.models import OutgoingMail
from tests.factories.conferences import add_head, invite_schulaemter, make_conference

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")


def _long(day: datetime) -> str:
    return f"{WEEKDAYS[day.weekday()]}, {day.day}. Juli {day.year}"


@pytest.fixture
def organiser(organiser):
    """Petra Planer (tests/conferences/conftest.py) with her function, for the signature."""
    organiser.function = "Leiterin Leitungsstab"
    organiser.save()
    return organiser


@pytest.fixture
def start():
    return datetime(timezone.now().year + 1, 7, 1, 10, 0, tzinfo=BERLIN)


@pytest.fixture
def scheduled(organiser, start):
    conference = make_conference(
        organiser,
        start=start,
        end=start + timedelta(hours=3),
        place="Polizeipräsidium Dortmund, Saal 1",
    )
    sta = add_head(
        "sta-dortmund", "Erika Beispiel", function="LOStA", email="erika.beispiel@example.org"
    )
    services.add_invitations(conference, agencies=[sta], by=organiser)
    services.send_invitations(conference, by=organiser)
    return conference


def test_invitation_mail_carries_date_place_agenda_link_and_inviter(scheduled, start):
    mail = OutgoingMail.objects.get(kind=MailKind.INVITATION)
    invitation = scheduled.invitations.get()

    assert mail.subject == f"Einladung: Sicherheitskonferenz 2027 am 01.07.{start.year}"
    assert f"Termin: {_long(start)}, 10:00 bis 13:00 Uhr" in mail.body_text
    assert "Ort: Polizeipräsidium Dortmund, Saal 1" in mail.body_text
    assert "Eingeladen: Staatsanwaltschaft Dortmund" in mail.body_text
    assert "1. Sicherheitslage (Einsatz-, Kriminalitäts- und Verkehrsunfalllage)" in mail.body_text
    assert answer_url(invitation) in mail.body_text
    assert "Petra Planer, Leiterin Leitungsstab" in mail.body_text
    assert "Polizeipräsidium Dortmund" in mail.body_text.split("Mit freundlichen Grüßen")[1]
    assert f'href="{answer_url(invitation)}"' in mail.body_html
    assert '<li value="1">Sicherheitslage' in mail.body_html


def test_invitation_mail_leaves_out_agenda_notes(organiser):
    conference = make_conference(organiser)
    item = conference.agenda_items.first()
    item.notes = "VS-NfD: Ermittlungsstand zur Gruppe X"
    item.save()
    invitation = Invitation.objects.create(
        conference=conference, agency=PartnerAgency.objects.get(slug="sta-dortmund")
    )

    composed = mails.compose_invitation(invitation)

    assert "Ermittlungsstand" not in composed.text + composed.html + composed.ics


def test_invitation_mail_is_german_when_the_organiser_works_in_english(scheduled, start):
    invitation = scheduled.invitations.get()

    with translation.override("en"):
        composed = mails.compose_invitation(invitation)

    assert composed.text.startswith("Sehr geehrte Damen und Herren,")
    assert f"{_long(start)}, 10:00 bis 13:00 Uhr" in composed.text


def test_schulamt_mail_asks_the_bezirksregierung_to_forward(organiser):
    conference = make_conference(organiser)
    [schulamt] = invite_schulaemter(conference, organiser)
    services.send_invitations(conference, by=organiser)

    mail = OutgoingMail.objects.get(kind=MailKind.INVITATION)

    assert mail.to == "dez48@example.org"
    assert (
        f"Diese Einladung erreicht Sie daher bei der {schulamt.routed_via.name}. Bitte leiten "
        f"Sie sie mit dem Antwort-Link weiter an: {schulamt.name}."
    ) in mail.body_text
    assert "Bitte weiterleiten" in mail.body_html


def test_update_mail_says_plainly_what_changed(scheduled, organiser, start):
    later = start + timedelta(days=7)
    services.update_conference(
        scheduled,
        by=organiser,
        confirmed=True,
        data={"start": later, "end": later + timedelta(hours=3), "place": "Rathaus Dortmund"},
    )

    mail = OutgoingMail.objects.get(kind=MailKind.UPDATE)

    assert mail.subject == f"Geändert: Sicherheitskonferenz 2027 – jetzt am 08.07.{start.year}"
    assert f"- Beginn: {_long(start)}, 10:00 Uhr → {_long(later)}, 10:00 Uhr" in mail.body_text
    assert f"- Ende: {_long(start)}, 13:00 Uhr → {_long(later)}, 13:00 Uhr" in mail.body_text
    assert "- Ort: Polizeipräsidium Dortmund, Saal 1 → Rathaus Dortmund" in mail.body_text
    assert f"Termin: {_long(later)}, 10:00 bis 13:00 Uhr" in mail.body_text
    assert "start" not in mail.body_text
    assert "+00:00" not in mail.body_text
    assert "<del>Polizeipräsidium Dortmund, Saal 1</del>" in mail.body_html


def test_describe_changes_uses_german_labels_and_dates(start):
    lines = mails.describe_changes(
        [("start", start, start + timedelta(hours=1)), ("place", "Saal 1", "Saal 2")]
    )

    assert [str(line) for line in lines] == [
        f"Beginn: {_long(start)}, 10:00 Uhr → {_long(start)}, 11:00 Uhr",
        "Ort: Saal 1 → Saal 2",
    ]


def test_cancellation_mail_states_the_reason(scheduled, organiser, start):
    services.cancel_conference(scheduled, reason="Unwetterwarnung des DWD", by=organiser)

    mail = OutgoingMail.objects.get(kind=MailKind.CANCELLATION)

    assert mail.subject == f"Abgesagt: Sicherheitskonferenz 2027 am 01.07.{start.year}"
    assert f"am {_long(start)} ist abgesagt; sie findet nicht statt." in mail.body_text
    assert "Grund der Absage: Unwetterwarnung des DWD" in mail.body_text
    assert mail.ics_method == "CANCEL"


def test_reminder_mail_asks_for_the_missing_answer(scheduled):
    invitation = scheduled.invitations.get()

    composed = mails.compose_reminder(invitation)

    assert composed.subject.startswith("Erinnerung: Sicherheitskonferenz 2027")
    assert "noch keine Antwort erhalten" in composed.text
    assert answer_url(invitation) in composed.text


def test_message_carries_the_calendar_as_meeting_request(scheduled):
    mail = OutgoingMail.objects.get(kind=MailKind.INVITATION)

    message = build_message(mail).message()
    parts = {part.get_content_type(): part for part in message.walk()}

    assert parts["text/calendar"].get_param("method") == "REQUEST"
    assert "METHOD:REQUEST" in parts["text/calendar"].get_payload(decode=True).decode()
    assert parts["application/ics"].get_filename() == "einladung.ics"
    assert set(parts) >= {"text/plain", "text/html"}


def test_cancellation_message_carries_method_cancel(scheduled, organiser):
    services.cancel_conference(scheduled, reason="Unwetter", by=organiser)
    mail = OutgoingMail.objects.get(kind=MailKind.CANCELLATION)

    message = build_message(mail).message()
    calendar = next(p for p in message.walk() if p.get_content_type() == "text/calendar")

    assert calendar.get_param("method") == "CANCEL"
    assert "absage.ics" in [p.get_filename() for p in message.walk()]
