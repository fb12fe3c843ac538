"""Konferenz nachtragen (issue 12): a conference held outside SiKo entered afterwards counts
like any held one, sends nothing, is audited, and is refused for the future, for a year closed
by a final annual report and for a file that is not a PDF."""

import io
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfWriter

from authorities.models import Authority, PartnerAgency
from conferences.enums import ConferenceStatus, InvitationState
from conferences.models import Conference, MandatedTopic
from conferences.services import ConferenceError
from followup import records
from followup.minutes import verify_pdf
from followup.models import Minutes, MinutesStatus
from notifications.models import OutgoingMail, Reminder
from reports.compliance import compute_compliance
from reports.models import AnnualReport, ReportStatus
from siko.formats import BERLIN
from siko.models import AuditEntry
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 5, 10, 0, tzinfo=BERLIN)
AGENCIES = ("sta-dortmund", "hza-dortmund", "lg-dortmund")


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _data(start: datetime = START) -> dict:
    return {
        "kind": "siko",
        "title": "SiKo Dortmund Frühjahr",
        "start": start,
        "end": start + timedelta(hours=3),
        "place": "Polizeipräsidium Dortmund",
    }


def enter(user, *, start: datetime = START, minutes_pdf: bytes | None = None) -> Conference:
    agencies = list(PartnerAgency.objects.filter(slug__in=AGENCIES).order_by("slug"))
    return records.record_past_conference(
        host=user.authority,
        data=_data(start),
        topics=MandatedTopic.objects.active()[:2],
        free_titles=["Verschiedenes"],
        attendance={a: (a.slug != "lg-dortmund", "") for a in agencies},
        minutes_pdf=minutes_pdf,
        by=user,
    )


def test_entered_conference_counts_as_held_and_sends_nothing(kpb_a_user):
    conference = enter(kpb_a_user, minutes_pdf=pdf_bytes())

    assert conference.status == ConferenceStatus.HELD
    assert conference.entered_afterwards is True
    assert [i.title for i in conference.agenda_items.all()][-1] == "Verschiedenes"
    assert conference.agenda_items.filter(topic__isnull=False).count() == 2
    invitations = {i.agency.slug: i for i in conference.invitations.select_related("agency")}
    assert {s: (i.state, i.attended) for s, i in invitations.items()} == {
        "hza-dortmund": (InvitationState.SENT, True),
        "lg-dortmund": (InvitationState.SENT, False),
        "sta-dortmund": (InvitationState.SENT, True),
    }
    record = compute_compliance([2026], authorities=[kpb_a_user.authority])[0]
    assert record.siko_held is True
    assert conference.pk in record.siko_conference_ids
    # No invitation, calendar request, co-host notice or reminder.
    assert OutgoingMail.objects.count() == 0
    assert mail.outbox == []
    assert Reminder.objects.count() == 0
    assert list(
        AuditEntry.objects.filter(
            object_id=str(conference.pk), action__startswith="conference"
        ).values_list("action", "actor_id")
    ) == [("conference.entered_afterwards", kpb_a_user.pk)]
    minutes = Minutes.objects.get(conference=conference)
    assert (minutes.status, minutes.version) == (MinutesStatus.APPROVED, 1)
    assert verify_pdf(minutes)
    assert AuditEntry.objects.filter(action="minutes.uploaded", actor=kpb_a_user).count() == 1


def test_co_host_is_not_told_by_mail(kpb_a_user):
    hamm = Authority.objects.get(slug="pp-hamm")
    agencies = PartnerAgency.objects.filter(slug="sta-dortmund")
    conference = records.record_past_conference(
        host=kpb_a_user.authority,
        data=_data(),
        co_hosts=[hamm],
        attendance={a: (True, "") for a in agencies},
        by=kpb_a_user,
    )
    assert set(conference.authorities.values_list("slug", flat=True)) == {"pp-dortmund", "pp-hamm"}
    assert OutgoingMail.objects.count() == 0
    assert compute_compliance([2026], authorities=[hamm])[0].siko_held is True


def test_future_date_is_refused(kpb_a_user):
    tomorrow = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    with pytest.raises(ConferenceError, match="bereits stattgefunden"):
        enter(kpb_a_user, start=tomorrow + timedelta(days=1))
    assert Conference.objects.count() == 0


def test_topic_that_did_not_apply_in_the_year_is_refused(kpb_a_user):
    later = MandatedTopic.objects.create(
        key="kinderschutz", title="Kinderschutz", valid_from_year=2027
    )
    with pytest.raises(ConferenceError, match="Im Jahr 2026 kein Pflichtthema: Kinderschutz."):
        records.record_past_conference(
            host=kpb_a_user.authority,
            data=_data(),
            topics=[later],
            attendance={PartnerAgency.objects.get(slug="sta-dortmund"): (True, "")},
            by=kpb_a_user,
        )
    assert Conference.objects.count() == 0


def test_date_outside_the_window_is_refused(kpb_a_user):
    with pytest.raises(ConferenceError, match="zwischen dem"):
        enter(kpb_a_user, start=datetime(2001, 3, 5, 10, 0, tzinfo=BERLIN))
    assert Conference.objects.count() == 0


def _final_report(period_year: int, version: int = 1) -> AnnualReport:
    return AnnualReport.objects.create(
        year=period_year + 1, version=version, period_year=period_year, status=ReportStatus.FINAL
    )


def test_year_of_a_final_report_is_refused_until_a_correction_reopens_it(kpb_a_user):
    _final_report(2026)
    with pytest.raises(ConferenceError, match="Endfassung des Jahresberichts 2027"):
        enter(kpb_a_user)
    assert Conference.objects.count() == 0

    AnnualReport.objects.create(year=2027, version=2, period_year=2026)  # the LZPD's correction
    assert enter(kpb_a_user).entered_afterwards is True


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html><body>kein PDF</body></html>", "kein lesbares PDF"),
        (b"%PDF-1.7\n kaputt", "kein lesbares PDF"),
        (b"%PDF-1.7" + b"0" * records.MINUTES_UPLOAD_MAX_BYTES, "höchstens 10 MB"),
    ],
)
def test_bad_pdf_is_refused_and_nothing_is_stored(kpb_a_user, settings, tmp_path, content, message):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ConferenceError, match=message):
        enter(kpb_a_user, minutes_pdf=content)
    assert Conference.objects.count() == 0
    assert Minutes.objects.count() == 0
    assert list(tmp_path.rglob("*.pdf")) == []


def test_kpb_staff_enter_a_conference_through_the_page(kpb_a_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(kpb_a_user)
    page = client.get(reverse("conferences:conference_list"))
    assert reverse("conferences:conference_record") in page.content.decode()
    agencies = {a.slug: a.pk for a in PartnerAgency.objects.filter(slug__in=AGENCIES)}
    topic = MandatedTopic.objects.active().first()
    uploaded = pdf_bytes()
    response = client.post(
        reverse("conferences:conference_record"),
        {
            "kind": "siko",
            "title": "SiKo Dortmund Frühjahr",
            "start": "2026-03-05T10:00",
            "end": "2026-03-05T13:00",
            "place": "Polizeipräsidium Dortmund",
            "topics": [topic.pk],
            "free_items": "Verschiedenes\n\n",
            "invited": list(agencies.values()),
            "present": [agencies["sta-dortmund"]],
            "minutes_pdf": SimpleUploadedFile("protokoll.pdf", uploaded, "application/pdf"),
        },
    )
    conference = Conference.objects.get()
    assert response.status_code == 302
    assert response["Location"] == conference.get_absolute_url()
    detail = client.get(conference.get_absolute_url()).content.decode()
    assert "nachgetragen am" in detail
    assert conference.minutes_versions.get().is_approved
    minutes_page = client.get(reverse("conferences:minutes", args=[conference.pk]))
    assert minutes_page.status_code == 200
    pdf = client.get(reverse("conferences:minutes_pdf", args=[conference.pk, 1]))
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content) == uploaded


def test_page_shows_the_refusal_in_german(kpb_a_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = client_for(kpb_a_user).post(
        reverse("conferences:conference_record"),
        {
            "kind": "siko",
            "title": "SiKo",
            "start": "2026-03-05T10:00",
            "end": "2026-03-05T13:00",
            "place": "Dortmund",
            "invited": [PartnerAgency.objects.get(slug="sta-dortmund").pk],
            "minutes_pdf": SimpleUploadedFile("protokoll.pdf", b"MZ\x90\x00", "application/pdf"),
        },
    )
    assert response.status_code == 200
    assert "kein lesbares PDF-Dokument" in response.content.decode()
    assert Conference.objects.count() == 0


def test_another_kpbs_entry_stays_hidden(kpb_a_user, kpb_b_user):
    conference = enter(kpb_a_user)
    response = client_for(kpb_b_user).get(conference.get_absolute_url())
    assert response.status_code == 404
    with pytest.raises(ConferenceError, match="gastgebende Behörde selbst"):
        records.record_past_conference(
            host=kpb_a_user.authority,
            data=_data(),
            attendance={PartnerAgency.objects.get(slug="sta-dortmund"): (True, "")},
            by=kpb_b_user,
        )
