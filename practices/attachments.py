"""The optional attachment of a good practice: a PDF only, judged by its content (pypdf) and
within a size limit. Stored files are served as a download only (practices.views), never shown
in a page."""

import io
import re
import unicodedata
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from practices.errors import PracticeError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


def max_bytes() -> int:
    return int(getattr(settings, "SIKO_PRACTICE_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def read_checked_pdf(upload: Any) -> bytes:
    """The bytes of an uploaded file, or a German PracticeError when it is too large (checked
    before reading) or no readable, unencrypted PDF with at least one page."""
    limit = max_bytes()
    too_large = _("Die Anlage darf höchstens %(mb)d MB groß sein.") % {"mb": limit // (1024 * 1024)}
    if (getattr(upload, "size", 0) or 0) > limit:
        raise PracticeError(too_large)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise PracticeError(too_large)
    not_pdf = _("Die Anlage ist kein lesbares PDF-Dokument. Bitte laden Sie ein PDF hoch.")
    if not content.startswith(b"%PDF-"):
        raise PracticeError(not_pdf)
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise PracticeError(
                _("Das PDF ist verschlüsselt. Bitte laden Sie eine Fassung ohne Kennwort hoch.")
            )
        pages = len(reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as error:
        raise PracticeError(not_pdf) from error
    if pages < 1:
        raise PracticeError(not_pdf)
    return bytes(content)


def safe_name(name: str) -> str:
    """A download name without path or control characters, ending in .pdf."""
    base = unicodedata.normalize("NFKC", name.replace("\\", "/").rsplit("/", 1)[-1])
    base = re.sub(r"[^\w .()-]+", "_", base).strip(" ._") or "anlage"
    if not base.lower().endswith(".pdf"):
        base = f"{base}.pdf"
    return base[-150:]
