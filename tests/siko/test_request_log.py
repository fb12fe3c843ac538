"""Logs an operator can use: one JSON line per request, a request id in every line, the same id in
the log of the task that sends the mail a request queued (siko/request_log.py), error reports
without personal data (siko/error_reporting.py).
"""

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail as django_mail
from django.test import Client
from django.urls import reverse

from notifications.enums import MailState
from notifications.models import OutgoingMail
from siko.error_reporting import scrub
from siko.log_masking import MASK, MaskSecretsFilter
from siko.request_log import JsonLineFormatter, RequestIdFilter, request_id
from tests.conftest import client_for
from tests.factories.conferences import add_head

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "eyJhIjoxfQ:1vX5yZ:geheimer-token-der-partnerbehoerde"


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Every record as the production console handler writes it with LOG_FORMAT=json."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLineFormatter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(MaskSecretsFilter())
    root = logging.getLogger()
    saved = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(saved)


def _lines(stream: io.StringIO, logger: str | None = None) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    return [line for line in lines if logger is None or line["logger"] == logger]


@pytest.mark.django_db
def test_a_request_writes_one_json_line_with_the_operator_fields(kpb_a_user, json_log) -> None:
    response = client_for(kpb_a_user).get(
        reverse("authorities:authority_list"), HTTP_X_REQUEST_ID="proxy-4711-abcdef"
    )

    [line] = _lines(json_log, "siko.request")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "proxy-4711-abcdef"
    assert line["request_id"] == "proxy-4711-abcdef"
    assert line["level"] == "INFO"
    assert line["time"][:4].isdigit() and "T" in line["time"]
    assert line["user_id"] == kpb_a_user.pk
    assert (line["method"], line["path"], line["status"]) == (
        "GET",
        reverse("authorities:authority_list"),
        200,
    )
    assert isinstance(line["duration_ms"], float)
    raw = json_log.getvalue()
    assert kpb_a_user.username not in raw
    for personal in filter(None, (kpb_a_user.email, kpb_a_user.get_full_name())):
        assert personal not in raw


@pytest.mark.django_db
def test_the_token_of_a_signed_link_is_masked_in_the_request_line(json_log) -> None:
    path = reverse("conferences:partner_overview", kwargs={"token": TOKEN})

    Client().get(path)

    [line] = _lines(json_log, "siko.request")
    assert TOKEN not in json_log.getvalue()
    assert line["path"].endswith(f"/{MASK}/")
    assert line["user_id"] is None


@pytest.mark.parametrize(
    "given", ["", "kurz", "mit leerzeichen 123", 'quote"injection-1234', "x" * 65, "a\nb12345678"]
)
@pytest.mark.django_db
def test_an_unusable_request_id_is_replaced_by_a_new_one(json_log, given: str) -> None:
    response = Client().get(reverse("healthz"), HTTP_X_REQUEST_ID=given)

    [line] = _lines(json_log, "siko.request")
    assert line["request_id"] == response["X-Request-ID"]
    assert len(line["request_id"]) == 32 and line["request_id"] != given


@pytest.mark.django_db(transaction=True)
def test_the_mail_a_request_queued_is_sent_under_the_same_request_id(
    seeded, smtp_server, json_log
) -> None:
    """Real commits: the task starts at the commit inside the request, as in production."""
    add_head("sta-dortmund", "Erika Beispiel", function="OStA", email="erika@example.org")

    Client().post(
        reverse("conferences:partner_overview_request"),
        {"email": "erika@example.org"},
        HTTP_X_REQUEST_ID="proxy-mail-0001",
    )

    mail = OutgoingMail.objects.get()
    outbox_lines = _lines(json_log, "notifications.outbox")
    assert mail.state == MailState.SENT
    assert [line["message"].split(" (")[0] for line in outbox_lines] == [
        f"mail {mail.pk} queued",
        f"mail {mail.pk} sent",
    ]
    for line in outbox_lines:
        assert line["request_id"] == "proxy-mail-0001"
        assert line["correlation_id"] == str(mail.correlation_id)
    assert smtp_server.wait_for(1)[0].message_id == mail.message_id
    assert "erika@example.org" not in json_log.getvalue()


def test_a_worker_runs_a_task_under_the_id_of_the_request_that_queued_it() -> None:
    """Through a real broker message and a real worker thread: the id travels in the headers."""
    app = Celery("request-id-test", broker="memory://", backend="cache+memory://")
    seen: list[str] = []

    @app.task(name="tests.request_id_probe")
    def probe() -> None:
        seen.append(request_id.get())

    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        token = request_id.set("proxy-task-0042")
        try:
            result = probe.apply_async()
        finally:
            request_id.reset(token)
        result.get(timeout=20)

    assert seen == ["proxy-task-0042"]


def test_log_format_json_makes_the_console_write_json_lines() -> None:
    code = (
        "import logging, django; django.setup(); "
        "logging.getLogger('siko.test').warning('Hallo %s', 'Welt')"
    )
    environment = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}},
        "DJANGO_SETTINGS_MODULE": "siko.settings",
        "SECRET_KEY": "log-format-test",
        "LOG_FORMAT": "json",
    }
    # The log goes to stderr; stdout stays empty.
    output = subprocess.check_output(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        stderr=subprocess.STDOUT,
        timeout=60,
    )

    line = json.loads(output.decode().strip().splitlines()[-1])
    assert {k: line[k] for k in ("level", "logger", "message", "request_id")} == {
        "level": "WARNING",
        "logger": "siko.test",
        "message": "Hallo Welt",
        "request_id": "",
    }


@pytest.mark.django_db
def test_the_error_mail_to_admins_masks_tokens(settings: Any) -> None:
    settings.ADMINS = [("betrieb@polizei.nrw.example", "betrieb@polizei.nrw.example")]
    path = reverse("conferences:partner_overview", kwargs={"token": TOKEN})
    logger = logging.getLogger("django.request")

    logger.error("Internal Server Error: %s", path, extra={"status_code": 500})

    [sent] = django_mail.outbox
    assert sent.to == ["betrieb@polizei.nrw.example"]
    assert TOKEN not in sent.subject + sent.body
    assert MASK in sent.subject


def test_error_reports_carry_no_personal_data() -> None:
    event = {
        "user": {"id": 7, "username": "kpb-a", "email": "a@polizei.nrw.example"},
        "request": {
            "method": "GET",
            "url": f"https://siko.example/konferenzen/partner/uebersicht/{TOKEN}/",
            "query_string": "email=erika@example.org",
            "cookies": {"__Host-sessionid": "abc"},
            "data": {"email": "erika@example.org"},
            "headers": {"Cookie": "x", "X-Request-ID": "proxy-1", "Referer": "r"},
        },
        "logentry": {"message": f"GET /konferenzen/antwort/{TOKEN}/", "params": ["erika"]},
        "exception": {
            "values": [
                {
                    "value": f"kaputt bei /konferenzen/antwort/{TOKEN}/",
                    "stacktrace": {"frames": [{"vars": {"email": "erika@example.org"}}]},
                }
            ]
        },
        "breadcrumbs": {"values": [{"message": "SELECT …", "data": {"email": "e"}}]},
        "extra": {"email": "erika@example.org"},
    }

    scrubbed = json.dumps(scrub(event))

    assert TOKEN not in scrubbed
    for personal in ("kpb-a", "a@polizei.nrw.example", "erika", "abc", "Referer"):
        assert personal not in scrubbed
    assert '"id": 7' in scrubbed and "proxy-1" in scrubbed


def test_sentry_is_off_without_a_dsn() -> None:
    import sentry_sdk

    assert settings.SENTRY_DSN == ""
    assert not sentry_sdk.is_initialized()
