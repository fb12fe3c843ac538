"""Stored documents on an S3-compatible object store (SIKO_STORAGE=s3, django-storages).

The store is moto's S3 server (`moto.server.ThreadedMotoServer`), started by the test on a free
local port: a real HTTP S3 API that boto3 talks to through django-storages, as web and worker on
several hosts would talk to MinIO or another S3-compatible store.
"""

import hashlib
import importlib
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import boto3
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from moto.server import ThreadedMotoServer

from followup import minutes as minutes_services
from siko.documents import verify_documents
from tests.conftest import client_for
from tests.followup.test_minutes_approval import circulated_minutes
from tests.siko.test_documents import freeze_documents

BUCKET = "siko-dokumente"
KEYS = {"access_key": "siko-test", "secret_key": "siko-test-secret"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_client(endpoint: str):  # noqa: ANN201 - boto3 has no published types here
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="eu-central-1",
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
    )


def s3_storages(endpoint: str, bucket: str) -> dict[str, dict[str, object]]:
    """STORAGES as siko/settings.py builds them for SIKO_STORAGE=s3."""
    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "region_name": "eu-central-1",
        "default_acl": None,
        "file_overwrite": False,
        **KEYS,
    }
    return {
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
        "staticfiles": django_settings.STORAGES["staticfiles"],
    }


@pytest.fixture
def s3_bucket(s3_endpoint, settings, tmp_path) -> Iterator[str]:
    """An empty bucket as the default storage; MEDIA_ROOT points to an empty directory that
    must stay empty."""
    client = s3_client(s3_endpoint)
    client.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
    )
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = s3_storages(s3_endpoint, BUCKET)
    yield BUCKET
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def bucket_objects(endpoint: str) -> dict[str, bytes]:
    client = s3_client(endpoint)
    keys = [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    return {key: client.get_object(Bucket=BUCKET, Key=key)["Body"].read() for key in keys}


def test_settings_build_the_s3_storage_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("SIKO_STORAGE", "s3")
    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", "siko-dokumente")
    monkeypatch.setenv("AWS_S3_ENDPOINT_URL", "https://s3.polizei.nrw.example")
    import siko.settings as siko_settings

    try:
        reloaded = importlib.reload(siko_settings)
        default = reloaded.STORAGES["default"]
    finally:
        monkeypatch.undo()
        importlib.reload(siko_settings)

    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    assert default["OPTIONS"]["bucket_name"] == "siko-dokumente"
    assert default["OPTIONS"]["endpoint_url"] == "https://s3.polizei.nrw.example"
    assert siko_settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")


@pytest.mark.django_db
def test_approved_minutes_are_stored_in_the_bucket_and_read_back_unchanged(
    s3_bucket, s3_endpoint, kpb_a_user
) -> None:
    minutes = minutes_services.approve_minutes(circulated_minutes(kpb_a_user), by=kpb_a_user)

    objects = bucket_objects(s3_endpoint)
    assert list(objects) == [minutes.pdf.name]
    assert hashlib.sha256(objects[minutes.pdf.name]).hexdigest() == minutes.sha256
    with minutes.pdf.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == minutes.sha256
    assert not any(Path(django_settings.MEDIA_ROOT).rglob("*"))
    # The organiser's download streams the file from the bucket.
    url = reverse(
        "conferences:minutes_pdf", kwargs={"pk": minutes.conference_id, "version": minutes.version}
    )
    download = client_for(kpb_a_user).get(url)
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == minutes.sha256


@pytest.mark.django_db
def test_annual_report_is_stored_in_the_bucket_and_checked_from_it(
    s3_bucket, s3_endpoint, lzpd_user, kpb_a_user, django_capture_on_commit_callbacks
) -> None:
    minutes, report = freeze_documents(kpb_a_user, lzpd_user, django_capture_on_commit_callbacks)

    objects = bucket_objects(s3_endpoint)
    assert sorted(objects) == sorted([minutes.pdf.name, report.pdf.name])
    assert hashlib.sha256(objects[report.pdf.name]).hexdigest() == report.sha256
    assert objects[report.pdf.name].startswith(b"%PDF")
    assert verify_documents().problems == []
    s3_client(s3_endpoint).put_object(Bucket=BUCKET, Key=report.pdf.name, Body=b"%PDF-1.7 x")
    assert verify_documents().problems == [
        f"{report}: Datei {report.pdf.name} weicht ab (SHA-256 gespeichert {report.sha256}, "
        f"Datei {hashlib.sha256(b'%PDF-1.7 x').hexdigest()})."
    ]


@pytest.mark.django_db
def test_documents_backed_up_from_a_bucket_restore_into_an_empty_bucket(
    s3_bucket,
    s3_endpoint,
    settings,
    tmp_path,
    lzpd_user,
    kpb_a_user,
    django_capture_on_commit_callbacks,
) -> None:
    freeze_documents(kpb_a_user, lzpd_user, django_capture_on_commit_callbacks)
    before = bucket_objects(s3_endpoint)
    call_command("backup_documents", "--to", str(tmp_path / "sicherung"), stdout=StringIO())
    for key in before:
        s3_client(s3_endpoint).delete_object(Bucket=BUCKET, Key=key)
    assert bucket_objects(s3_endpoint) == {}

    call_command("restore_documents", "--from", str(tmp_path / "sicherung"), stdout=StringIO())

    assert bucket_objects(s3_endpoint) == before
    assert verify_documents().problems == []
    # Restoring again over different content is refused in German.
    key = sorted(before)[0]
    s3_client(s3_endpoint).put_object(Bucket=BUCKET, Key=key, Body=b"anders")
    with pytest.raises(CommandError, match="nur in einen leeren Speicher"):
        call_command("restore_documents", "--from", str(tmp_path / "sicherung"))
