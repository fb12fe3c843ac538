"""Konferenz nachtragen: a conference held outside SiKo is entered afterwards, with who was
invited and present and, optionally, its minutes as an uploaded PDF.

The conference itself is written by conferences.services.create_past_conference (the rules of
the date, the closed years and the agencies live there); this module adds what belongs to the
follow-up: attendance (followup.minutes.record_attendance) and the minutes file, stored like an
approved version (Minutes with PDF and SHA-256, checked by verify_documents). Nothing is sent.
"""

import hashlib
import io
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from authorities.models import Authority, PartnerAgency, User
from conferences.models import Conference, MandatedTopic
from conferences.services import ConferenceError, create_past_conference
from followup.minutes import record_attendance
from followup.models import Minutes, MinutesStatus
from siko.audit import log_action
from siko.files import TransactionFiles, atomic_with_files

#: An uploaded minutes PDF may have at most this many bytes.
MINUTES_UPLOAD_MAX_BYTES = 10 * 1024 * 1024


def check_minutes_size(size: int) -> None:
    """Refuses a minutes file over MINUTES_UPLOAD_MAX_BYTES (before it is read)."""
    if size > MINUTES_UPLOAD_MAX_BYTES:
        raise ConferenceError(
            _("Das Protokoll darf höchstens %(mb)d MB groß sein.")
            % {"mb": MINUTES_UPLOAD_MAX_BYTES // (1024 * 1024)}
        )


def check_minutes_pdf(content: bytes) -> None:
    """Refuses (German ConferenceError) what is not a readable, unencrypted PDF with at least
    one page within the size limit. Judged by the content, not by the name or the browser's
    type: a renamed Word file or an HTML page is refused."""
    check_minutes_size(len(content))
    not_pdf = _("Die hochgeladene Datei ist kein lesbares PDF-Dokument.")
    if not content.startswith(b"%PDF-"):
        raise ConferenceError(not_pdf)
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise ConferenceError(
                _("Das PDF ist verschlüsselt. Bitte laden Sie eine Fassung ohne Kennwort hoch.")
            )
        pages = len(reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as error:
        raise ConferenceError(not_pdf) from error
    if pages < 1:
        raise ConferenceError(not_pdf)


def _store_minutes(
    conference: Conference, *, content: bytes, files: TransactionFiles, by: User
) -> Minutes:
    now = timezone.now()
    minutes = Minutes(
        conference=conference,
        version=1,
        status=MinutesStatus.APPROVED,
        approved_at=now,
        approved_by=by,
        sha256=hashlib.sha256(content).hexdigest(),
        created_by=by,
    )
    files.save(minutes.pdf, "protokoll.pdf", ContentFile(content))
    minutes.save()
    log_action(
        "minutes.uploaded",
        minutes,
        actor=by,
        authority=conference.host,
        data={"sha256": minutes.sha256, "bytes": len(content)},
    )
    return minutes


def record_past_conference(
    *,
    host: Authority,
    data: dict[str, Any],
    co_hosts: Iterable[Authority] = (),
    topics: Iterable[MandatedTopic] = (),
    free_titles: Iterable[str] = (),
    attendance: Mapping[PartnerAgency, tuple[bool | None, str]],
    minutes_pdf: bytes | None = None,
    by: User,
) -> Conference:
    """Enters a conference held outside SiKo: `attendance` names every invited agency with
    present or not (None: not known) and who attended. The PDF is checked before anything is
    written; everything, the file included, exists only if the whole entry commits. The
    conference is held and marked entered afterwards; no mail, calendar entry or reminder."""
    if by.authority_id != host.pk:
        raise ConferenceError(_("Nachtragen kann nur die gastgebende Behörde selbst."))
    if minutes_pdf is not None:
        check_minutes_pdf(minutes_pdf)
    with atomic_with_files() as files:
        conference = create_past_conference(
            host=host,
            data=data,
            co_hosts=co_hosts,
            topics=topics,
            free_titles=free_titles,
            agencies=list(attendance),
            by=by,
        )
        by_agency = {i.agency_id: i.pk for i in conference.invitations.all()}
        record_attendance(
            conference,
            attendance={by_agency[agency.pk]: value for agency, value in attendance.items()},
            by=by,
        )
        if minutes_pdf is not None:
            _store_minutes(conference, content=minutes_pdf, files=files, by=by)
    return conference
