"""Backup and restore (README "Sicherung und Wiederherstellung"): scripts/backup.sh saves the
PostgreSQL database (pg_dump -Fc) and the stored documents; scripts/restore.sh puts them into an
empty database and an empty storage and ends with manage.py verify_documents.

PostgreSQL only (pg_dump/pg_restore): without DATABASE_URL=postgres://… the test is skipped,
and in CI (SIKO_REQUIRE_SERVICES=true) it fails instead, like the worker fan-out test.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from siko.models import DocumentCheck
from siko.organisations import OrganisationKind
from tests.conftest import make_user
from tests.siko.test_documents import freeze_documents

ROOT = Path(__file__).resolve().parents[2]


def _require_postgres() -> None:
    if connection.vendor == "postgresql":
        return
    message = "backup and restore need PostgreSQL (set DATABASE_URL=postgres://…)"
    if os.environ.get("SIKO_REQUIRE_SERVICES") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _url(name: str) -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    )


def _admin(sql: str) -> None:
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(sql)


def run(script: str, *args: str, database: str, media: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": _url(database),
        "MEDIA_ROOT": str(media),
        "SIKO_STORAGE": "filesystem",
        "DJANGO_SETTINGS_MODULE": "siko.settings",  # as an operator runs it, not the tests'
        "DEBUG": "true",
        "SECRET_KEY": "backup-test",
        "PYTHON": sys.executable,
    }
    env.pop("REDIS_URL", None)
    command = (
        [str(ROOT / script), *args]
        if script.endswith(".sh")
        else [sys.executable, str(ROOT / "manage.py"), script, *args]
    )
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def empty_database(transactional_db):
    """A new, empty PostgreSQL database beside the test database, dropped afterwards."""
    _require_postgres()
    name = f"siko_restore_{uuid.uuid4().hex[:8]}"
    _admin(f'CREATE DATABASE "{name}"')
    yield name
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_backup_restored_into_an_empty_database_and_storage_verifies_every_document(
    seeded, empty_database, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    organiser = make_user("kpb-a", OrganisationKind.KPB, authority="pp-dortmund")
    lzpd = make_user("lzpd", OrganisationKind.LZPD)
    minutes, report = freeze_documents(organiser, lzpd, django_capture_on_commit_callbacks)
    name = connection.settings_dict["NAME"]
    backup = tmp_path / "sicherung"
    restored_media = tmp_path / "restored-media"

    saved = run("scripts/backup.sh", str(backup), database=name, media=settings.MEDIA_ROOT)
    assert saved.returncode == 0, saved.stderr
    assert (backup / "siko.dump").read_bytes().startswith(b"PGDMP")
    assert len((backup / "documents.sha256").read_text().splitlines()) == 2

    restored = run("scripts/restore.sh", str(backup), database=empty_database, media=restored_media)
    assert restored.returncode == 0, restored.stderr
    assert "Alle 2 Dokumente stimmen mit der Datenbank überein." in restored.stdout
    assert (restored_media / minutes.pdf.name).read_bytes() == (
        settings.MEDIA_ROOT / minutes.pdf.name
    ).read_bytes()

    # A second restore into the now filled database is refused before anything changes.
    again = run("scripts/restore.sh", str(backup), database=empty_database, media=restored_media)
    assert again.returncode == 2
    assert "Die Zieldatenbank ist nicht leer" in again.stderr

    # A restored file that differs from the database: exit 1, the object is named.
    (restored_media / report.pdf.name).write_bytes(b"%PDF-1.7 beschaedigt")
    check = run("verify_documents", database=empty_database, media=restored_media)
    assert check.returncode == 1
    assert f"{report}: Datei {report.pdf.name} weicht ab" in check.stderr
    # The checks ran against the restored database, not the one backed up.
    assert DocumentCheck.objects.count() == 0
