"""Uploaded files as downloads: never displayed inline, never sniffed, never cached.

Conference documents and good-practice attachments come from outside; a browser must not show
or run them under SiKo's origin, whatever their content claims to be.
"""

from django.core.files import File
from django.http import FileResponse


def stored_file_download(stored: File, *, filename: str, content_type: str) -> FileResponse:
    """The stored file streamed as an attachment under `filename` (Django encodes the name)."""
    response = FileResponse(
        stored.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
