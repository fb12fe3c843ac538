"""Files as an organiser uploads them: real PDFs, office files and images, and bad ones."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter


def pdf_bytes(*, password: str = "", pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "navy").save(buffer, format="PNG")
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Lage", 2026])  # type: ignore[union-attr]
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def docx_bytes(*, padding: bytes = b"", macros: bool = False) -> bytes:
    members = {
        "[Content_Types].xml": CONTENT_TYPES,
        "word/document.xml": b"<w:document/>" + padding,
    }
    if macros:
        members["word/vbaProject.bin"] = b"\x00" * 64
    return _zip(members)


def odt_bytes() -> bytes:
    return _zip(
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "content.xml": b"<office:document-content/>",
        }
    )


def zip_bomb_docx() -> bytes:
    """A DOCX whose document part unpacks to 30 MB of zeros (a few KB packed)."""
    return docx_bytes(padding=b"\x00" * (30 * 1024 * 1024))


def renamed_executable() -> bytes:
    """The start of a Windows program (MZ header, DOS stub), as it would be renamed to .pdf."""
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"This program cannot be run"


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    """As the browser sends it: the name and type the uploader's computer claims."""
    return SimpleUploadedFile(name, content, content_type=content_type)
