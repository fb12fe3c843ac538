"""Stored files that exist only when their transaction commits.

A FileField writes its file when the row is saved, inside the transaction, but the storage does
not take part in it: a transaction that rolls back (a rule refused at the last moment, a write
that fails) would leave the file behind, referenced by no row. `atomic_with_files` is a durable
transaction (the outermost one, so its end is the commit) that deletes the files written through
it when it does not commit.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.files import File
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models.fields.files import FieldFile

logger = logging.getLogger(__name__)


class TransactionFiles:
    """The files written in one transaction, to remove if it does not commit."""

    def __init__(self) -> None:
        self._written: list[tuple[Storage, str]] = []

    def save(self, field_file: FieldFile, name: str, content: File) -> str:
        """Writes `content` into the field's storage (the row is saved by the caller)."""
        field_file.save(name, content, save=False)
        stored = field_file.name
        assert stored is not None  # save() names the file it wrote
        self._written.append((field_file.storage, stored))
        return stored

    def discard(self) -> None:
        for storage, name in self._written:
            try:
                storage.delete(name)
            except OSError:
                logger.exception("could not remove %s of a rolled back transaction", name)
        self._written.clear()


@contextmanager
def atomic_with_files() -> Iterator[TransactionFiles]:
    """A durable transaction; files saved through the yielded object are deleted again when
    the block raises or the commit fails."""
    files = TransactionFiles()
    try:
        with transaction.atomic(durable=True):
            yield files
    except BaseException:
        files.discard()
        raise
