"""Documents the organiser uploads to a conference (slides, handouts) and the invited agencies
download through their answer link.

What a file is, is decided by its content, never by its name or the browser's type: PDF, the
office formats of ODF (ODT, ODP) and OOXML (DOCX, PPTX, XLSX), PNG and JPEG. The office
formats are ZIP containers; their directory is read (not extracted) to tell the format and to
refuse a zip bomb. Every refusal raises DocumentError with a German message before anything is
written; a stored file exists only if its row commits (siko.files.atomic_with_files).

Uploaded files are only ever served as downloads (conferences.views.uploads); nothing renders
them into a page, a mail or a PDF.
"""

import hashlib
import logging
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import IO

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from authorities.models import User
from conferences import mails
from conferences.enums import ConferenceStatus, DocumentVisibility, InvitationState
from conferences.models import Conference, ConferenceDocument, Invitation
from conferences.services import ConferenceError, check_host
from notifications import queue as delivery
from notifications.enums import MailKind
from notifications.models import OutgoingMail
from siko.audit import log_action
from siko.files import atomic_with_files

logger = logging.getLogger(__name__)

#: A ZIP container (ODF, OOXML) may unpack to at most this many bytes in total …
ZIP_MAX_UNCOMPRESSED = 200 * 1024 * 1024
#: … and, above ZIP_RATIO_FLOOR bytes, compress at most this well: office files compress their
#: XML about 5 to 20 times, a zip bomb thousands of times.
ZIP_MAX_RATIO = 100
ZIP_RATIO_FLOOR = 10 * 1024 * 1024
ZIP_MAX_MEMBERS = 10_000
CHUNK = 1024 * 1024


class DocumentError(ConferenceError):
    """A file that is refused, or a step that is not possible; German message for the user."""


@dataclass(frozen=True)
class DocumentType:
    content_type: str
    extension: str
    label: str


PDF = DocumentType("application/pdf", "pdf", "PDF")
PNG = DocumentType("image/png", "png", "PNG")
JPEG = DocumentType("image/jpeg", "jpg", "JPEG")
ODT = DocumentType("application/vnd.oasis.opendocument.text", "odt", "ODT")
ODP = DocumentType("application/vnd.oasis.opendocument.presentation", "odp", "ODP")
DOCX = DocumentType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", "DOCX"
)
PPTX = DocumentType(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx", "PPTX"
)
XLSX = DocumentType(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "XLSX"
)

ODF_TYPES = {t.content_type: t for t in (ODT, ODP)}
#: The main part that makes an OOXML package a document, a presentation or a workbook.
OOXML_MAIN_PARTS = {
    "word/document.xml": DOCX,
    "ppt/presentation.xml": PPTX,
    "xl/workbook.xml": XLSX,
}

#: Starts of programs and scripts: named in the refusal, whatever the file is called.
EXECUTABLE_SIGNATURES = (
    b"MZ",  # Windows .exe, .dll, .scr
    b"\x7fELF",  # Linux
    b"\xcf\xfa\xed\xfe",  # macOS (Mach-O)
    b"\xfe\xed\xfa\xcf",
    b"\xca\xfe\xba\xbe",
    b"#!",  # shell scripts
)
#: The compound file of old Office formats (.doc, .xls, .ppt) and of password-protected OOXML.
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def allowed_types_text() -> str:
    return _("PDF, ODT, DOCX, ODP, PPTX, XLSX, PNG oder JPEG")


def megabytes(size: int) -> str:
    """Whole megabytes, as the messages name them."""
    return f"{size / (1024 * 1024):.0f}"


def _refuse_zip(archive: zipfile.ZipFile, compressed_size: int) -> None:
    members = archive.infolist()
    if len(members) > ZIP_MAX_MEMBERS:
        raise DocumentError(_("Die Datei enthält ungewöhnlich viele Teile und wird abgelehnt."))
    unpacked = sum(member.file_size for member in members)
    ratio = unpacked / max(compressed_size, 1)
    if unpacked > ZIP_MAX_UNCOMPRESSED or (unpacked > ZIP_RATIO_FLOOR and ratio > ZIP_MAX_RATIO):
        raise DocumentError(
            _(
                "Die Datei ist auffällig stark gepackt (entpackt %(mb)s MB) und wird als "
                "mögliche „Zip-Bombe“ abgelehnt. Bitte speichern Sie das Dokument neu oder "
                "laden Sie es als PDF hoch."
            )
            % {"mb": megabytes(unpacked)}
        )
    if any(member.flag_bits & 0x1 for member in members):
        raise DocumentError(
            _(
                "Die Datei ist mit einem Kennwort geschützt. Bitte laden Sie eine Fassung ohne "
                "Kennwort hoch."
            )
        )


def _read_member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    with archive.open(name) as member:
        return member.read(limit)


def _office_type(handle: IO[bytes], size: int) -> DocumentType:
    not_office = DocumentError(
        _("Die Datei ist ein ZIP-Archiv, aber kein erlaubtes Office-Dokument (%(types)s).")
        % {"types": allowed_types_text()}
    )
    damaged = _("Die Datei ist beschädigt und kann nicht gelesen werden.")
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise DocumentError(damaged) from error
    with archive:
        _refuse_zip(archive, size)
        names = set(archive.namelist())
        try:
            if "mimetype" in names:
                mimetype = _read_member(archive, "mimetype", 200).decode("ascii", "replace")
                if mimetype.strip() in ODF_TYPES:
                    return ODF_TYPES[mimetype.strip()]
                raise not_office
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as error:
            raise DocumentError(damaged) from error
        if "[Content_Types].xml" in names:
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                raise DocumentError(
                    _(
                        "Die Datei enthält Makros. Bitte speichern Sie sie ohne Makros "
                        "(als .docx, .pptx oder .xlsx) oder als PDF."
                    )
                )
            for part, document_type in OOXML_MAIN_PARTS.items():
                if part in names:
                    return document_type
    raise not_office


def _check_pdf(handle: IO[bytes]) -> None:
    unreadable = DocumentError(_("Die Datei ist kein lesbares PDF-Dokument."))
    try:
        reader = PdfReader(handle, strict=False)
        if reader.is_encrypted:
            raise DocumentError(
                _(
                    "Das PDF ist verschlüsselt oder mit einem Kennwort geschützt. Bitte laden Sie "
                    "eine Fassung ohne Kennwort hoch."
                )
            )
        pages = len(reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as error:
        raise unreadable from error
    if pages < 1:
        raise unreadable


def _check_image(handle: IO[bytes], expected: str) -> None:
    from PIL import Image, UnidentifiedImageError

    damaged = _("Das Bild ist beschädigt und kann nicht gelesen werden.")
    try:
        with Image.open(handle) as image:
            found = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise DocumentError(damaged) from error
    if found != expected:
        raise DocumentError(damaged)


def detect_document_type(upload: File, *, size: int | None = None) -> DocumentType:
    """The type of an uploaded file, judged by its content; refuses (DocumentError) a file over
    SIKO_DOCUMENT_MAX_BYTES, an empty one, a program, an encrypted PDF or office file, a zip
    bomb and every type not allowed. Reads the file, writes nothing."""
    size = upload.size if size is None else size
    limit = settings.SIKO_DOCUMENT_MAX_BYTES
    if size is None or size > limit:
        raise DocumentError(
            _("Die Datei ist zu groß (%(size)s MB). Erlaubt sind höchstens %(max)s MB.")
            % {"size": megabytes(size or 0), "max": megabytes(limit)}
        )
    if size == 0:
        raise DocumentError(_("Die Datei ist leer."))
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    handle: IO[bytes] = upload  # File proxies read, seek and tell
    try:
        if head.startswith(b"%PDF-"):
            _check_pdf(handle)
            return PDF
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            _check_image(handle, "PNG")
            return PNG
        if head.startswith(b"\xff\xd8\xff"):
            _check_image(handle, "JPEG")
            return JPEG
        if head.startswith(b"PK\x03\x04"):
            return _office_type(handle, size)
    finally:
        upload.seek(0)
    if head.startswith(EXECUTABLE_SIGNATURES):
        raise DocumentError(
            _(
                "Die Datei ist ein ausführbares Programm oder Skript, auch wenn ihr Name anders "
                "endet. Solche Dateien werden nicht angenommen."
            )
        )
    if head.startswith(OLE_SIGNATURE):
        raise DocumentError(
            _(
                "Die Datei ist ein älteres oder kennwortgeschütztes Office-Dokument (.doc, .xls, "
                ".ppt). Bitte speichern Sie es ohne Kennwort als %(types)s."
            )
            % {"types": allowed_types_text()}
        )
    raise DocumentError(
        _("Dieser Dateityp ist nicht erlaubt. Erlaubt sind %(types)s.")
        % {"types": allowed_types_text()}
    )


def clean_file_name(name: str) -> str:
    """The last part of the name the browser sent (no folders), without control characters."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '"\\/')
    return cleaned.strip()[:255] or "dokument"


def download_name(document: ConferenceDocument) -> str:
    """The file name of the download: the uploader's name with the extension of the type found
    in the content (a PNG called „bericht.pdf“ is saved as „bericht.png“)."""
    stem = document.original_name.rsplit(".", 1)[0] if "." in document.original_name else ""
    extension = document.type_label.lower() or "bin"
    return f"{stem or document.original_name or 'dokument'}.{extension}"


def _sha256(upload: File) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks(CHUNK):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _check_open(conference: Conference) -> None:
    if conference.status == ConferenceStatus.CANCELLED:
        raise DocumentError(
            _("Bei einer abgesagten Konferenz werden die Unterlagen nicht mehr geändert.")
        )


@dataclass(frozen=True)
class Uploaded:
    document: ConferenceDocument
    created: bool  # False: the same file was already there (a double submission)


def upload_document(
    conference: Conference,
    *,
    upload: File,
    title: str,
    visibility: str,
    by: User,
) -> Uploaded:
    """Stores an uploaded file as a document of the conference. The file is checked first
    (detect_document_type); a refused file leaves no row and no file behind. The same content
    again (a double click, a reload) gives the document that exists, unchanged."""
    check_host(conference, by)
    _check_open(conference)
    if visibility not in DocumentVisibility.values:
        raise DocumentError(_("Bitte wählen Sie, für wen die Unterlage sichtbar ist."))
    document_type = detect_document_type(upload)
    sha256 = _sha256(upload)
    existing = ConferenceDocument.objects.filter(conference=conference, sha256=sha256).first()
    if existing is not None:
        return Uploaded(existing, created=False)
    original = clean_file_name(upload.name or "")
    title = " ".join((title or "").split())[:200] or original.rsplit(".", 1)[0] or original
    try:
        with atomic_with_files() as files:
            document = ConferenceDocument(
                conference=conference,
                title=title,
                original_name=original,
                content_type=document_type.content_type,
                size=upload.size or 0,
                sha256=sha256,
                visibility=visibility,
                uploaded_by=by,
            )
            upload.seek(0)
            files.save(document.file, f"upload.{document_type.extension}", upload)
            document.save()
            log_action(
                "conference_document.uploaded",
                document,
                actor=by,
                authority=conference.host,
                data={
                    "sha256": sha256,
                    "bytes": document.size,
                    "type": document_type.label,
                    "visibility": visibility,
                },
            )
    except IntegrityError:
        # The same file, committed by a parallel request in the meantime.
        existing = ConferenceDocument.objects.filter(conference=conference, sha256=sha256).first()
        if existing is None:
            raise
        return Uploaded(existing, created=False)
    return Uploaded(document, created=True)


@transaction.atomic
def delete_document(document: ConferenceDocument, *, by: User) -> None:
    """Removes the document and, once that commits, its file. Mails already sent named only its
    title; its download links stop working at once."""
    conference = document.conference
    check_host(conference, by)
    log_action(
        "conference_document.deleted",
        document,
        actor=by,
        authority=conference.host,
        data={"sha256": document.sha256, "title": document.title},
    )
    storage, name = document.file.storage, document.file.name or ""

    def delete_file() -> None:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("could not delete the document file %s", name)

    document.delete()
    transaction.on_commit(delete_file)


def announced_invitations(conference: Conference) -> "QuerySet[Invitation]":
    """Who an announcement reaches: every agency whose invitation went out."""
    return (
        conference.invitations.exclude(state=InvitationState.PENDING)
        .select_related(*mails.INVITATION_MAIL_RELATED)
        .prefetch_related("routed_via__contacts")
    )


@transaction.atomic
def announce_document(document: ConferenceDocument, *, by: User) -> int:
    """„Dokument an alle Eingeladenen ankündigen“: one mail through the outbox to every agency
    whose invitation went out, naming the document and the answer link it is downloaded
    through. Each agency gets it once per document (the outbox row's dedup key): a second click
    queues nothing. Returns the number of mails queued now."""
    document = (
        # The base manager: the scoped one adds DISTINCT, which FOR UPDATE does not take.
        ConferenceDocument._base_manager.select_for_update(of=("self",))
        .select_related("conference__host", "conference__organiser")
        .get(pk=document.pk)
    )
    conference = document.conference
    check_host(conference, by)
    _check_open(conference)
    if not document.for_partners:
        raise DocumentError(
            _(
                "Diese Unterlage ist nur für die Organisation sichtbar und wird deshalb nicht "
                "angekündigt."
            )
        )
    if conference.status != ConferenceStatus.SCHEDULED:
        raise DocumentError(_("Angekündigt werden kann erst, wenn die Einladungen versendet sind."))
    if conference.has_ended:
        raise DocumentError(_("Die Konferenz ist vorbei; es wird nichts mehr angekündigt."))
    invitations = list(announced_invitations(conference))
    keys = {invitation.pk: f"document:{document.pk}:{invitation.pk}" for invitation in invitations}
    done = set(
        OutgoingMail.objects.filter(dedup_key__in=keys.values()).values_list("dedup_key", flat=True)
    )
    queued = 0
    for invitation in invitations:
        if keys[invitation.pk] in done:
            continue
        delivery.queue_mail(
            kind=MailKind.NOTICE,
            dedup_key=keys[invitation.pk],
            invitation=invitation,
            composed=mails.compose_document_announcement(invitation, document),
        )
        queued += 1
    if document.announced_at is None:
        document.announced_at = timezone.now()
        document.save(update_fields=["announced_at"])
    if queued:
        log_action(
            "conference_document.announced",
            document,
            actor=by,
            authority=conference.host,
            data={"mails": queued},
        )
    return queued


def partner_documents(conference: Conference) -> "QuerySet[ConferenceDocument]":
    """The documents the invited agencies see (answer page, mails), oldest first."""
    return ConferenceDocument.objects.filter(
        conference=conference, visibility=DocumentVisibility.PARTNERS
    ).order_by("uploaded_at", "pk")
