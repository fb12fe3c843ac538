"""Conference documents (issue 16, part 4): the organiser uploads slides and handouts, the
invited agencies download them through their answer link; bad files are refused with a German
message and leave nothing behind."""

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from conferences import links, services, uploads
from conferences.models import Conference, ConferenceDocument
from notifications.enums import MailKind
from notifications.models import OutgoingMail
from siko.documents import verify_documents
from siko.models import AuditEntry
from siko.personal_data import apply_retention, erase_personal_data, export_personal_data
from tests.conftest import client_for
from tests.factories.conferences import add_head, invite_new_agencies, make_conference
from tests.factories.documents import (
    docx_bytes,
    odt_bytes,
    pdf_bytes,
    png_bytes,
    renamed_executable,
    upload,
    xlsx_bytes,
    zip_bomb_docx,
)
from tests.siko import test_storage
from tests.siko.test_storage import bucket_objects

pytestmark = pytest.mark.django_db
# moto's S3 server and an empty bucket as the default storage (tests/siko/test_storage.py).
s3_endpoint = test_storage.s3_endpoint
s3_bucket = test_storage.s3_bucket


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return sorted(p for p in Path(media).rglob("*") if p.is_file())


@pytest.fixture
def conference(organiser):
    return make_conference(organiser, title="Sicherheitskonferenz Dortmund 2027")


@pytest.fixture
def scheduled(organiser, conference):
    sta = add_head("sta-dortmund", "Erika Beispiel", email="erika.beispiel@example.org")
    kommune = add_head("kommune-dortmund", "Max Beispiel", email="max.beispiel@example.org")
    services.add_invitations(conference, agencies=[sta, kommune], by=organiser)
    services.send_invitations(conference, by=organiser)
    conference.refresh_from_db()
    return conference


def documents_url(conference: Conference) -> str:
    return reverse("conferences:documents", args=[conference.pk])


def post_upload(client, conference, name, content, *, title="", visibility="partners"):
    return client.post(
        documents_url(conference),
        {"file": upload(name, content), "title": title, "visibility": visibility},
    )


def store(conference, organiser, name="lagebild.pdf", content=None, **kwargs):
    return uploads.upload_document(
        conference,
        upload=upload(name, content or pdf_bytes()),
        title=kwargs.pop("title", "Lagebild 2026"),
        visibility=kwargs.pop("visibility", "partners"),
        by=organiser,
    ).document


# Uploading ---------------------------------------------------------------------------------------


def test_organiser_uploads_a_pdf_and_the_conference_page_lists_it(organiser, conference, media):
    client = client_for(organiser)
    content = pdf_bytes(pages=2)

    response = post_upload(client, conference, "Lagebild 2026.pdf", content, title="Lagebild")

    assert response.status_code == 302
    document = ConferenceDocument.objects.get()
    assert (document.title, document.original_name) == ("Lagebild", "Lagebild 2026.pdf")
    assert (document.content_type, document.size) == ("application/pdf", len(content))
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.uploaded_by == organiser
    assert [p.read_bytes() for p in stored_files(media)] == [content]
    page = client.get(conference.get_absolute_url()).content.decode()
    assert "Lagebild" in page
    assert reverse("conferences:document_download", args=[conference.pk, document.pk]) in page
    assert AuditEntry.objects.filter(action="conference_document.uploaded").count() == 1


@pytest.mark.parametrize(
    ("name", "content", "content_type", "download"),
    [
        ("handout.docx", docx_bytes(), uploads.DOCX.content_type, "handout.docx"),
        ("handout.odt", odt_bytes(), uploads.ODT.content_type, "handout.odt"),
        ("zahlen.xlsx", xlsx_bytes(), uploads.XLSX.content_type, "zahlen.xlsx"),
        ("karte.png", png_bytes(), "image/png", "karte.png"),
        # Named as a PDF, but a PNG: stored and served as what it is.
        ("karte.pdf", png_bytes(), "image/png", "karte.png"),
    ],
)
def test_type_is_found_in_the_content_not_the_name(
    organiser, conference, name, content, content_type, download
):
    client = client_for(organiser)

    assert post_upload(client, conference, name, content).status_code == 302

    document = ConferenceDocument.objects.get()
    assert document.content_type == content_type
    response = client.get(
        reverse("conferences:document_download", args=[conference.pk, document.pk])
    )
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{download}"'


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bericht.pdf", renamed_executable(), "ist ein ausführbares Programm oder Skript"),
        ("geheim.pdf", pdf_bytes(password="geheim"), "Das PDF ist verschlüsselt"),
        ("bombe.docx", zip_bomb_docx(), "als mögliche „Zip-Bombe“ abgelehnt"),
        ("makro.docx", docx_bytes(macros=True), "Die Datei enthält Makros"),
        ("notiz.pdf", b"Nur ein Text, kein PDF.", "Dieser Dateityp ist nicht erlaubt"),
        ("kaputt.pdf", b"%PDF-1.7\nkaputt", "kein lesbares PDF-Dokument"),
        ("archiv.docx", b"PK\x03\x04" + b"\x00" * 40, "beschädigt"),
        ("alt.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40, "älteres oder kennwort"),
    ],
)
def test_bad_file_is_refused_with_a_german_message_and_nothing_is_stored(
    organiser, conference, media, name, content, message
):
    response = post_upload(client_for(organiser), conference, name, content)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert ConferenceDocument.objects.count() == 0
    assert stored_files(media) == []
    assert not AuditEntry.objects.filter(action="conference_document.uploaded").exists()


def test_file_over_the_limit_is_refused(organiser, conference, media, settings):
    settings.SIKO_DOCUMENT_MAX_BYTES = 2 * 1024 * 1024
    content = pdf_bytes() + b"\n%" + b"x" * (3 * 1024 * 1024)

    response = post_upload(client_for(organiser), conference, "gross.pdf", content)

    assert response.status_code == 400
    assert "Die Datei ist zu groß (3 MB). Erlaubt sind höchstens 2 MB." in response.content.decode()
    assert ConferenceDocument.objects.count() == 0
    assert stored_files(media) == []


def test_the_same_file_twice_is_one_document(organiser, conference, media):
    client = client_for(organiser)
    content = pdf_bytes()

    post_upload(client, conference, "lage.pdf", content, title="Lage")
    response = post_upload(client, conference, "lage.pdf", content, title="Lage")

    assert ConferenceDocument.objects.count() == 1
    assert len(stored_files(media)) == 1
    shown = client.get(response["Location"]).content.decode()
    assert "Diese Datei ist bereits als „Lage“ gespeichert; nichts wurde geändert." in shown


def test_a_co_host_cannot_upload(organiser, conference, kpb_b_user):
    from authorities.models import Authority

    conference.authorities.add(Authority.objects.get(slug="lr-borken"))

    response = post_upload(client_for(kpb_b_user), conference, "lage.pdf", pdf_bytes())

    assert response.status_code == 403
    assert ConferenceDocument.objects.count() == 0


def test_no_upload_to_a_cancelled_conference(organiser, conference, media):
    conference = services.cancel_conference(conference, reason="Terminkonflikt", by=organiser)

    with pytest.raises(uploads.DocumentError, match="abgesagten Konferenz"):
        store(conference, organiser)
    assert stored_files(media) == []


# Downloading -------------------------------------------------------------------------------------


def test_download_is_an_attachment_that_is_never_sniffed(organiser, conference, personas):
    content = pdf_bytes()
    document = store(conference, organiser, "Lagebild.pdf", content)
    address = reverse("conferences:document_download", args=[conference.pk, document.pk])

    response = personas["kpb_a"].get(address)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Lagebild.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert personas["lzpd"].get(address).status_code == 200  # state bodies read
    assert personas["kpb_b"].get(address).status_code == 404  # another authority's
    assert personas["partner"].get(address).status_code == 403  # only through the answer link


def test_document_of_another_conference_is_not_found(organiser, conference):
    other = make_conference(organiser, title="Andere Konferenz", days_ahead=60)
    document = store(other, organiser)

    response = client_for(organiser).get(
        reverse("conferences:document_download", args=[conference.pk, document.pk])
    )

    assert response.status_code == 404


# Partners ----------------------------------------------------------------------------------------


def test_partner_sees_and_downloads_only_documents_for_the_invited(organiser, scheduled):
    handout = store(scheduled, organiser, "handout.pdf", pdf_bytes(), title="Handout")
    internal = store(
        scheduled,
        organiser,
        "intern.pdf",
        pdf_bytes(pages=2),
        title="Intern",
        visibility="organisers",
    )
    invitation = scheduled.invitations.order_by("pk").first()
    token = links.answer_token(invitation)
    anonymous = client_for(None)

    page = anonymous.get(links.answer_path(invitation)).content.decode()
    download = anonymous.get(reverse("conferences:answer_document", args=[token, handout.pk]))
    hidden = anonymous.get(reverse("conferences:answer_document", args=[token, internal.pk]))

    assert "Handout" in page and "Intern" not in page
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="handout.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert hidden.status_code == 404


def test_partner_link_opens_no_document_of_another_conference(organiser, scheduled):
    other = make_conference(organiser, title="Andere Konferenz", days_ahead=60)
    foreign = store(other, organiser, title="Fremd")
    token = links.answer_token(scheduled.invitations.first())

    response = client_for(None).get(
        reverse("conferences:answer_document", args=[token, foreign.pk])
    )

    assert response.status_code == 404


def test_forged_or_expired_link_opens_no_document(organiser, scheduled):
    document = store(scheduled, organiser)
    invitation = scheduled.invitations.first()
    anonymous = client_for(None)

    forged = anonymous.get(
        reverse("conferences:answer_document", args=["gefaelscht:abc", document.pk])
    )
    past = timezone.now() - timedelta(days=400)
    Conference.objects.filter(pk=scheduled.pk).update(start=past, end=past + timedelta(hours=3))
    expired = anonymous.get(
        reverse("conferences:answer_document", args=[links.answer_token(invitation), document.pk])
    )

    assert forged.status_code == 404
    assert expired.status_code == 410


# Mails -------------------------------------------------------------------------------------------


def test_invitation_and_update_mails_list_the_documents_for_the_invited(organiser, conference):
    sta = add_head("sta-dortmund", "Erika Beispiel", email="erika.beispiel@example.org")
    services.add_invitations(conference, agencies=[sta], by=organiser)
    store(conference, organiser, "folien.pdf", pdf_bytes(), title="Folien Lagebild")
    store(
        conference,
        organiser,
        "intern.pdf",
        pdf_bytes(pages=2),
        title="Intern",
        visibility="organisers",
    )

    services.send_invitations(conference, by=organiser)
    services.update_conference(conference, data={"place": "Saal 2"}, by=organiser, confirmed=True)

    for kind in (MailKind.INVITATION, MailKind.UPDATE):
        mail = OutgoingMail.objects.get(kind=kind)
        assert "Unterlagen zur Konferenz (zum Herunterladen über Ihren persönlichen Link):" in (
            mail.body_text
        ), kind
        assert "- Folien Lagebild" in mail.body_text
        assert "<li>Folien Lagebild</li>" in mail.body_html
        assert "Intern" not in mail.body_text + mail.body_html


def test_announcing_a_document_mails_each_invited_agency_once(organiser, scheduled):
    document = store(scheduled, organiser, title="Folien Lagebild")
    client = client_for(organiser)
    announce = reverse("conferences:document_announce", args=[scheduled.pk, document.pk])

    first = client.post(announce, follow=True)
    second = client.post(announce, follow=True)

    notices = OutgoingMail.objects.filter(kind=MailKind.NOTICE).order_by("to")
    assert [m.to for m in notices] == ["erika.beispiel@example.org", "max.beispiel@example.org"]
    for mail in notices:
        assert mail.subject.startswith("Neue Unterlage zur Sicherheitskonferenz")
        assert "- Folien Lagebild" in mail.body_text
        assert links.answer_url(mail.invitation) in mail.body_text
    assert "wird 2 eingeladenen Behörden angekündigt" in first.content.decode()
    assert "bereits angekündigt; es wurde keine weitere Mail versendet" in second.content.decode()
    document.refresh_from_db()
    assert document.announced_at is not None
    assert AuditEntry.objects.filter(action="conference_document.announced").count() == 1


def test_a_document_only_for_the_organisers_is_not_announced(organiser, scheduled):
    document = store(scheduled, organiser, visibility="organisers")

    response = client_for(organiser).post(
        reverse("conferences:document_announce", args=[scheduled.pk, document.pk]), follow=True
    )

    assert "nur für die Organisation sichtbar" in response.content.decode()
    assert not OutgoingMail.objects.filter(kind=MailKind.NOTICE).exists()


def test_nothing_is_announced_before_the_invitations_are_out(organiser, conference):
    document = store(conference, organiser)

    with pytest.raises(uploads.DocumentError, match="erst, wenn die Einladungen versendet"):
        uploads.announce_document(document, by=organiser)


# Deleting, retention, personal data, verification -------------------------------------------------


def test_deleting_removes_the_row_and_the_file(
    organiser, conference, media, django_capture_on_commit_callbacks
):
    document = store(conference, organiser)
    client = client_for(organiser)
    delete = reverse("conferences:document_delete", args=[conference.pk, document.pk])

    assert "Soll die Unterlage „Lagebild 2026“" in client.get(delete).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(delete)

    again = client.post(delete, follow=True)

    assert response.status_code == 302
    assert "Die Unterlage ist bereits gelöscht." in again.content.decode()
    assert ConferenceDocument.objects.count() == 0
    assert stored_files(media) == []
    download = reverse("conferences:document_download", args=[conference.pk, document.pk])
    assert client.get(download).status_code == 404
    assert AuditEntry.objects.filter(action="conference_document.deleted").count() == 1


def test_documents_go_with_the_conference_retention(
    organiser, conference, media, settings, django_capture_on_commit_callbacks
):
    store(conference, organiser)
    years = settings.SIKO_RETENTION_CONFERENCE_YEARS

    with django_capture_on_commit_callbacks(execute=True):
        kept = apply_retention(conference.end + timedelta(days=30))
    assert kept["conference_documents"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        purged = apply_retention(
            conference.end.replace(month=1, day=2) + timedelta(days=366 * (years + 1))
        )

    assert purged["conference_documents"] == 1
    assert ConferenceDocument.objects.count() == 0
    assert stored_files(media) == []


def test_personal_data_lists_the_uploads_and_erasure_pseudonymises_the_uploader(
    organiser, conference
):
    document = store(conference, organiser, title="Lagebild 2026")

    exported = export_personal_data(organiser.email)["data"]["conference_documents"]["rows"]
    erase_personal_data(organiser.email)

    assert [(r["title"], r["original_name"]) for r in exported] == [
        ("Lagebild 2026", "lagebild.pdf")
    ]
    document.refresh_from_db()
    assert document.uploaded_by is not None
    assert document.uploaded_by.email == ""
    assert document.uploaded_by.last_name.startswith("Person-")


def test_verify_documents_checks_the_uploaded_files(organiser, conference, media):
    document = store(conference, organiser)
    assert verify_documents().problems == []

    Path(document.file.path).write_bytes(pdf_bytes(pages=3))

    problems = verify_documents().problems
    assert len(problems) == 1 and "weicht ab" in problems[0]
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_documents")
    assert exit_info.value.code == 1


def test_documents_page_needs_the_same_queries_for_more_documents(organiser, scheduled):
    from tests.helpers import assert_constant_queries

    store(scheduled, organiser, "eins.pdf", pdf_bytes(pages=1))

    def grow():
        for pages in (2, 3, 4):
            store(scheduled, organiser, f"{pages}.pdf", pdf_bytes(pages=pages), title=str(pages))
        invite_new_agencies(scheduled, organiser, 3)

    assert_constant_queries(client_for(organiser), documents_url(scheduled), grow)


def test_documents_live_in_the_s3_bucket_when_it_is_the_storage(
    organiser, conference, s3_bucket, s3_endpoint, settings, django_capture_on_commit_callbacks
):
    content = pdf_bytes(pages=2)
    client = client_for(organiser)

    post_upload(client, conference, "lagebild.pdf", content)
    document = ConferenceDocument.objects.get()
    download = client.get(
        reverse("conferences:document_download", args=[conference.pk, document.pk])
    )

    assert bucket_objects(s3_endpoint) == {document.file.name: content}
    assert stored_files(settings.MEDIA_ROOT) == []
    assert b"".join(download.streaming_content) == content
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("conferences:document_delete", args=[conference.pk, document.pk]))
    assert bucket_objects(s3_endpoint) == {}


def test_a_second_announcement_reaches_only_the_agencies_invited_since(organiser, scheduled):
    document = store(scheduled, organiser, title="Folien Lagebild")
    uploads.announce_document(document, by=organiser)
    later = add_head("bpold-sankt-augustin", "Leitung BPol", email="leitung@bpol.example.org")
    services.add_invitations(scheduled, agencies=[later], by=organiser)
    services.send_invitations(scheduled, by=organiser)

    queued = uploads.announce_document(document, by=organiser)

    assert queued == 1
    notices = OutgoingMail.objects.filter(kind=MailKind.NOTICE)
    assert sorted(m.to for m in notices) == [
        "erika.beispiel@example.org",
        "leitung@bpol.example.org",
        "max.beispiel@example.org",
    ]
