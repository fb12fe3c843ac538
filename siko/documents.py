"""Stored documents checked against their SHA-256 in the database (`manage.py verify_documents`).

A frozen document is any stored file whose row keeps its hash beside it: a model with a
FileField and a field `sha256` (frozen minutes in followup, annual reports in reports). siko
finds them through the app registry, so it imports no domain app. The check reads every file
through its field's storage (filesystem or S3 bucket), after a restore or as the weekly job.
"""

import hashlib
import logging
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from siko.models import DocumentCheck

logger = logging.getLogger(__name__)
CHUNK = 1024 * 1024


@dataclass
class DocumentReport:
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def frozen_document_fields() -> Iterator[tuple[type[models.Model], str]]:
    """(model, file field name) of every model that stores a file with its SHA-256."""
    for model in apps.get_models():
        names = {f.name for f in model._meta.get_fields()}
        if "sha256" not in names:
            continue
        for model_field in model._meta.get_fields():
            if isinstance(model_field, models.FileField):
                yield model, model_field.name


def file_sha256(field_file: FieldFile) -> str:
    digest = hashlib.sha256()
    with field_file.storage.open(field_file.name or "", "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _problem(obj: models.Model, field_file: FieldFile, expected: str) -> str | None:
    name = field_file.name or ""
    try:
        exists = field_file.storage.exists(name)
    except OSError as error:
        return _("%(object)s: Speicher nicht lesbar (%(error)s).") % {
            "object": obj,
            "error": error,
        }
    if not exists:
        return _("%(object)s: Datei %(name)s fehlt.") % {"object": obj, "name": name}
    actual = file_sha256(field_file)
    if actual != expected:
        return _(
            "%(object)s: Datei %(name)s weicht ab (SHA-256 gespeichert %(expected)s, "
            "Datei %(actual)s)."
        ) % {"object": obj, "name": name, "expected": expected, "actual": actual}
    return None


def verify_documents() -> DocumentReport:
    """Reads every frozen document and compares its SHA-256 with the database; a row with a
    hash but no file, or a file that differs, is a problem named by its object."""
    report = DocumentReport()
    for model, file_field in frozen_document_fields():
        rows = model._base_manager.exclude(sha256="").order_by("pk")
        for obj in rows.iterator():
            field_file: FieldFile = getattr(obj, file_field)
            expected: str = getattr(obj, "sha256")  # noqa: B009 - found by introspection
            report.checked += 1
            if not field_file:
                report.problems.append(
                    _("%(object)s: SHA-256 gespeichert, aber keine Datei.") % {"object": obj}
                )
                continue
            problem = _problem(obj, field_file, expected)
            if problem:
                report.problems.append(problem)
    return report


def record_document_check() -> DocumentCheck:
    """Runs the check and stores its result for the administrators' overview (the weekly job)."""
    report = verify_documents()
    check = DocumentCheck.objects.create(
        checked_at=timezone.now(),
        checked=report.checked,
        problems=report.problems,
    )
    if report.problems:
        logger.error("document check: %d of %d differ", len(report.problems), report.checked)
    else:
        logger.info("document check: %d documents match", report.checked)
    return check


class DocumentCopyError(Exception):
    """A backup or restore of stored documents that cannot go on (German message)."""


def stored_names(storage: Storage | None = None, path: str = "") -> Iterator[str]:
    """Every file in the storage (a directory tree or an S3 bucket), by its storage name."""
    storage = storage or default_storage
    directories, files = storage.listdir(path)
    for name in sorted(files):
        yield f"{path}/{name}" if path else name
    for directory in sorted(directories):
        yield from stored_names(storage, f"{path}/{directory}" if path else directory)


def backup_documents(target: Path) -> int:
    """Copies every stored file into the directory `target` (same names); returns the count."""
    count = 0
    for name in stored_names():
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(name, "rb") as source, destination.open("wb") as copy:
            shutil.copyfileobj(source, copy, CHUNK)
        count += 1
    return count


def restore_documents(source: Path) -> int:
    """Copies a backup directory into the storage under the same names. A name that exists
    already with other content stops the restore: it goes into an empty storage."""
    if not source.is_dir():
        raise DocumentCopyError(
            _("Das Sicherungsverzeichnis %(dir)s gibt es nicht.") % {"dir": source}
        )
    files = sorted(p for p in source.rglob("*") if p.is_file())
    for path in files:
        name = path.relative_to(source).as_posix()
        if default_storage.exists(name):
            with default_storage.open(name, "rb") as stored:
                if stored.read() == path.read_bytes():
                    continue
            raise DocumentCopyError(
                _(
                    "%(name)s ist im Speicher schon vorhanden und weicht von der Sicherung ab; "
                    "Dokumente werden nur in einen leeren Speicher wiederhergestellt."
                )
                % {"name": name}
            )
        with path.open("rb") as handle:
            saved = default_storage.save(name, File(handle, name=name))
        if saved != name:
            raise DocumentCopyError(
                _("%(name)s wurde als %(saved)s gespeichert.") % {"name": name, "saved": saved}
            )
    return len(files)
