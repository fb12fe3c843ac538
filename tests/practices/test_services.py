"""The good-practice workflow: Entwurf → eingereicht → veröffentlicht | zurückgegeben."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from notifications.models import OutgoingMail
from practices import services
from practices.enums import PracticeKind, PracticeState
from practices.errors import PracticeError
from practices.models import GoodPractice
from practices.selectors import visible_practices
from siko.models import AuditEntry
from tests.factories.cooperations import make_cooperation
from tests.factories.documents import docx_bytes, zip_bomb_docx
from tests.factories.practices import make_practice, make_published, practice_data

pytestmark = pytest.mark.django_db
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_create_practice_is_a_draft_of_the_own_authority(kpb_a_user):
    practice = make_practice(kpb_a_user, categories=["kommune", "bundespolizei"])

    assert practice.state == PracticeState.DRAFT
    assert practice.authority.slug == "pp-dortmund"
    assert sorted(practice.categories.values_list("category", flat=True)) == [
        "bundespolizei",
        "kommune",
    ]
    assert AuditEntry.objects.filter(action="practice.created", object_id=str(practice.pk)).exists()


def test_create_practice_refuses_state_bodies(lzpd_user, kpb_a_user):
    with pytest.raises(PracticeError, match="Kreispolizeibehörde"):
        services.create_practice(authority=kpb_a_user.authority, data=practice_data(), by=lzpd_user)
    assert GoodPractice.objects.count() == 0


def test_create_practice_refuses_a_name_without_consent(kpb_a_user):
    with pytest.raises(PracticeError, match="Einverständnis"):
        make_practice(kpb_a_user, contact_name="Erika Beispiel")
    assert GoodPractice.objects.count() == 0


def test_a_name_with_consent_is_shown_with_the_function(kpb_a_user):
    practice = make_practice(kpb_a_user, contact_name="Erika Beispiel", contact_consent=True)

    assert practice.contact_text == "Leitungsstab, Sachgebiet Einsatz (Erika Beispiel)"


def test_an_agenda_item_practice_needs_its_topic(kpb_a_user):
    with pytest.raises(PracticeError, match="Pflichtthema"):
        make_practice(kpb_a_user, kind=PracticeKind.AGENDA_ITEM)


def test_empty_title_is_refused(kpb_a_user):
    with pytest.raises(PracticeError, match="Titel"):
        make_practice(kpb_a_user, title="   ")


def test_submit_mails_the_lzpd_once(kpb_a_user, lzpd_user):
    practice = make_practice(kpb_a_user)

    services.submit_practice(practice, by=kpb_a_user)
    services.submit_practice(practice, by=kpb_a_user)  # double click

    practice.refresh_from_db()
    assert practice.state == PracticeState.SUBMITTED
    mails = OutgoingMail.objects.filter(to=lzpd_user.email)
    assert [m.subject for m in mails] == [
        "Gute Praxis zur Prüfung eingereicht: Polizeipräsidium Dortmund"
    ]


def test_another_kpb_cannot_submit(kpb_a_user, kpb_b_user):
    practice = make_practice(kpb_a_user)

    with pytest.raises(PracticeError):
        services.submit_practice(practice, by=kpb_b_user)
    practice.refresh_from_db()
    assert practice.state == PracticeState.DRAFT


def test_kpb_cannot_publish_itself(kpb_a_user):
    practice = make_practice(kpb_a_user)
    services.submit_practice(practice, by=kpb_a_user)

    with pytest.raises(PracticeError, match="LZPD"):
        services.decide_practice(practice, by=kpb_a_user, publish=True)
    practice.refresh_from_db()
    assert practice.state == PracticeState.SUBMITTED


def test_lzpd_cannot_publish_a_draft(kpb_a_user, lzpd_user):
    practice = make_practice(kpb_a_user)

    with pytest.raises(PracticeError, match="eingereichte"):
        services.decide_practice(practice, by=lzpd_user, publish=True)


def test_publish_mails_the_kpb_once_and_makes_it_visible_state_wide(
    kpb_a_user, kpb_b_user, lzpd_user, im_user
):
    practice = make_practice(kpb_a_user)
    services.submit_practice(practice, by=kpb_a_user)
    assert not visible_practices(kpb_b_user).filter(pk=practice.pk).exists()

    services.decide_practice(practice, by=lzpd_user, publish=True)
    services.decide_practice(practice, by=lzpd_user, publish=True)  # double click

    assert (
        OutgoingMail.objects.filter(
            to=kpb_a_user.email, subject="Gute Praxis veröffentlicht: Polizeipräsidium Dortmund"
        ).count()
        == 1
    )
    assert OutgoingMail.objects.filter(to=kpb_b_user.email).count() == 0
    assert visible_practices(kpb_b_user).filter(pk=practice.pk).exists()
    assert visible_practices(im_user).filter(pk=practice.pk).exists()


def test_return_needs_a_comment(kpb_a_user, lzpd_user):
    practice = make_practice(kpb_a_user)
    services.submit_practice(practice, by=kpb_a_user)

    with pytest.raises(PracticeError, match="zu ändern"):
        services.decide_practice(practice, by=lzpd_user, publish=False, comment=" ")
    practice.refresh_from_db()
    assert practice.state == PracticeState.SUBMITTED


def test_returned_practice_is_changed_and_submitted_again(kpb_a_user, lzpd_user):
    practice = make_practice(kpb_a_user)
    services.submit_practice(practice, by=kpb_a_user)
    services.decide_practice(
        practice, by=lzpd_user, publish=False, comment="Bitte das Ergebnis beziffern."
    )
    practice.refresh_from_db()
    assert practice.state == PracticeState.RETURNED
    assert practice.review_comment == "Bitte das Ergebnis beziffern."

    services.update_practice(
        practice, data=practice_data(result="30 % weniger Taschendiebstähle."), by=kpb_a_user
    )
    services.submit_practice(practice, by=kpb_a_user)

    practice.refresh_from_db()
    assert practice.state == PracticeState.SUBMITTED
    assert OutgoingMail.objects.filter(to=lzpd_user.email).count() == 2


def test_a_submitted_practice_is_not_changed_while_in_review(kpb_a_user):
    practice = make_practice(kpb_a_user)
    services.submit_practice(practice, by=kpb_a_user)

    with pytest.raises(PracticeError, match="Prüfung"):
        services.update_practice(practice, data=practice_data(title="Neu"), by=kpb_a_user)
    practice.refresh_from_db()
    assert practice.title == "Gemeinsame Kontrolle am Hauptbahnhof"


def test_changing_a_published_practice_takes_it_back_to_review(kpb_a_user, kpb_b_user, lzpd_user):
    practice = make_published(kpb_a_user, lzpd_user)

    services.update_practice(practice, data=practice_data(title="Geändert"), by=kpb_a_user)

    practice.refresh_from_db()
    assert practice.state == PracticeState.SUBMITTED
    assert practice.published_at is None
    assert not visible_practices(kpb_b_user).filter(pk=practice.pk).exists()


def test_another_kpb_cannot_change_a_published_practice(kpb_a_user, kpb_b_user, lzpd_user):
    practice = make_published(kpb_a_user, lzpd_user)

    with pytest.raises(PracticeError):
        services.update_practice(practice, data=practice_data(title="Fremd"), by=kpb_b_user)
    practice.refresh_from_db()
    assert practice.title == "Gemeinsame Kontrolle am Hauptbahnhof"


def test_drafts_are_visible_only_to_the_own_kpb_and_the_lzpd(
    kpb_a_user, kpb_b_user, lzpd_user, lka_user, im_user, partner_user
):
    practice = make_practice(kpb_a_user)

    assert [
        visible_practices(user).filter(pk=practice.pk).exists()
        for user in (kpb_a_user, kpb_b_user, lzpd_user, lka_user, im_user, partner_user)
    ] == [True, False, True, False, False, False]


def test_pdf_attachment_is_stored_with_its_hash(kpb_a_user):
    content = pdf_bytes()
    upload = SimpleUploadedFile("Konzept.pdf", content, content_type="application/pdf")

    practice = make_practice(kpb_a_user, attachment=upload)

    assert practice.attachment_name == "Konzept.pdf"
    assert len(practice.attachment_sha256) == 64
    with practice.attachment.open("rb") as stored:
        assert stored.read() == content


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("programm.pdf", b"MZ\x90\x00 renamed executable", "ausführbares Programm"),
        ("kaputt.pdf", b"%PDF-1.7 nothing else", "kein lesbares PDF"),
    ],
)
def test_bad_attachment_is_refused_and_nothing_stored(kpb_a_user, name, content, message):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")

    with pytest.raises(PracticeError, match=message):
        make_practice(kpb_a_user, attachment=upload)
    assert GoodPractice.objects.count() == 0


def test_too_large_attachment_is_refused(kpb_a_user, settings):
    settings.SIKO_DOCUMENT_MAX_BYTES = 100
    upload = SimpleUploadedFile("gross.pdf", pdf_bytes(), content_type="application/pdf")

    with pytest.raises(PracticeError, match="zu groß"):
        make_practice(kpb_a_user, attachment=upload)
    assert GoodPractice.objects.count() == 0


def test_an_ordnungspartnerschaft_links_its_cooperation(kpb_a_user):
    cooperation = make_cooperation(kpb_a_user)

    practice = make_practice(
        kpb_a_user, kind=PracticeKind.ORDNUNGSPARTNERSCHAFT, source_cooperation=cooperation
    )

    assert practice.source_cooperation == cooperation


def test_another_kpbs_cooperation_is_refused(kpb_a_user, kpb_b_user):
    cooperation = make_cooperation(kpb_b_user, partners=())

    with pytest.raises(PracticeError, match="Kooperation"):
        make_practice(kpb_a_user, source_cooperation=cooperation)
    assert GoodPractice.objects.count() == 0


def test_office_attachment_is_checked_like_conference_documents(kpb_a_user):
    upload = SimpleUploadedFile("Konzept.pdf", docx_bytes(), content_type="application/pdf")

    practice = make_practice(kpb_a_user, attachment=upload)

    # The type comes from the content, not from the name the browser sent.
    assert practice.attachment_name == "Konzept.docx"
    assert practice.attachment_type == DOCX_TYPE


def test_zip_bomb_attachment_is_refused(kpb_a_user):
    upload = SimpleUploadedFile("bombe.docx", zip_bomb_docx())

    with pytest.raises(PracticeError):
        make_practice(kpb_a_user, attachment=upload)
    assert GoodPractice.objects.count() == 0
