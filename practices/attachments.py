"""The optional attachment of a good practice. It is checked like a conference document
(conferences.uploads, issue 16 part 4): the type by content (PDF, office documents, images),
the size limit SIKO_DOCUMENT_MAX_BYTES, no program, no encrypted file, no zip bomb. Stored
files are served as a download only (practices.views), never shown in a page."""

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from conferences.uploads import (
    DocumentError,
    DocumentType,
    allowed_types_text,
    clean_file_name,
    detect_document_type,
    megabytes,
)
from practices.errors import PracticeError


def help_text() -> str:
    return _("Erlaubt sind %(types)s, höchstens %(max)s MB.") % {
        "types": allowed_types_text(),
        "max": megabytes(settings.SIKO_DOCUMENT_MAX_BYTES),
    }


def read_checked(upload: Any) -> tuple[bytes, DocumentType]:
    """The bytes and the type of an uploaded file, or a German PracticeError; writes nothing."""
    try:
        kind = detect_document_type(upload)
    except DocumentError as error:
        raise PracticeError(str(error)) from error
    upload.seek(0)
    return bytes(upload.read()), kind


def safe_name(name: str, extension: str) -> str:
    """The uploader's file name without folders, with the extension of the type found in the
    content (a PNG called „bericht.pdf“ is offered as „bericht.png“)."""
    base = clean_file_name(name)
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem[:150] or 'anlage'}.{extension}"
