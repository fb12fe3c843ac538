"""Signed links stay out of the logs: Django's request log, runserver's and gunicorn's access logs.

Whoever reads a log line must not be able to answer for a partner, read its overview, subscribe
to a calendar, comment on minutes, report on an action or set a password with what it shows.
"""

import io
import json
import logging
import os
import shlex
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from django.db import connections
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from siko.log_masking import MaskSecretsFilter, mask_secrets

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
FORGED = "Zm9yZ2Vk:1uXyZa:gefaelschteSignatur"
SECRET = "geheimesToken-4711"


def _token_patterns(
    resolver: URLResolver | None = None, namespace: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    """Every URL pattern that carries a secret in its path (a token, or a reset link's uid)."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace != "admin":
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from _token_patterns(pattern, inner)
        elif "token" in pattern.pattern.converters:
            yield namespace + pattern.name, pattern


def test_mask_every_signed_link_pattern_loses_its_token():
    found = {}
    for name, pattern in _token_patterns():
        kwargs = {
            key: 1 if converter.regex == "[0-9]+" else "MQ"
            for key, converter in pattern.pattern.converters.items()
        }
        path = reverse(name, kwargs={**kwargs, "token": SECRET})
        found[name] = mask_secrets(f'"GET {path} HTTP/1.1" 200 512')

    assert set(found) == {
        "authorities:account_setup",
        "conferences:answer",
        "conferences:answer_document",
        "conferences:calendar_feed",
        "conferences:partner_overview",
        "conferences:minutes_comment",
        "conferences:minutes_comment_pdf",
        "conferences:action_link",
        "password_reset_confirm",
    }
    assert {name: SECRET in line for name, line in found.items()} == dict.fromkeys(found, False)
    assert found["conferences:calendar_feed"] == (
        '"GET /konferenzen/kalender/***.ics HTTP/1.1" 200 512'
    )
    assert found["conferences:minutes_comment_pdf"] == (
        '"GET /konferenzen/protokoll/kommentar/***/protokoll.pdf HTTP/1.1" 200 512'
    )
    assert found["password_reset_confirm"] == '"GET /passwort/neu/MQ/***/ HTTP/1.1" 200 512'


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # a Referer of a page opened from the answer link
        (
            '"GET /static/css/siko.css HTTP/1.1" 200 "https://siko.example/konferenzen/antwort/'
            f'{FORGED}/"',
            '"GET /static/css/siko.css HTTP/1.1" 200 "https://siko.example/'
            'konferenzen/antwort/***/"',
        ),
        # a link inside a query string, percent-encoded
        (
            f"/zweiter-faktor/?next=%2Fkonferenzen%2Fmassnahme%2F{SECRET}%2F&x=1",
            "/zweiter-faktor/?next=%2Fkonferenzen%2Fmassnahme%2F***%2F&x=1",
        ),
        # pages without a secret stay as they are
        ("/konferenzen/kalender/", "/konferenzen/kalender/"),
        ("/konferenzen/partner/uebersicht/", "/konferenzen/partner/uebersicht/"),
        ("/konferenzen/massnahmen/export.csv", "/konferenzen/massnahmen/export.csv"),
        (
            "/konferenzen/7/protokoll/kommentare/3/erledigt/",
            "/konferenzen/7/protokoll/kommentare/3/erledigt/",
        ),
        ("/passwort/neu/MQ/set-password/", "/passwort/neu/MQ/set-password/"),
        ("/passwort/neu/fertig/", "/passwort/neu/fertig/"),
    ],
)
def test_mask_secrets_in_referers_queries_and_harmless_paths(line, expected):
    assert mask_secrets(line) == expected


def test_mask_request_log_of_a_forged_answer_link(caplog):
    url = reverse("conferences:answer", kwargs={"token": FORGED})

    with caplog.at_level(logging.INFO):
        response = Client().get(url)

    assert response.status_code == 404
    assert FORGED not in caplog.text
    assert [(r.name, r.getMessage()) for r in caplog.records if r.name == "django.request"] == [
        ("django.request", "Not Found: /konferenzen/antwort/***/")
    ]


def test_mask_request_log_of_a_csrf_failure_on_a_signed_link(caplog):
    url = reverse("conferences:answer", kwargs={"token": FORGED})

    with caplog.at_level(logging.INFO):
        response = Client(enforce_csrf_checks=True).post(url, {"state": "accepted"})

    assert response.status_code == 403
    assert FORGED not in caplog.text
    assert "/konferenzen/antwort/***/" in caplog.text


def test_mask_anything_reaching_the_console_handler():
    """A record of any logger (here a service's) that names a link is written masked."""
    console = next(
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, MaskSecretsFilter) for f in handler.filters)
    )
    buffer = io.StringIO()
    previous = console.setStream(buffer)
    try:
        logging.getLogger("notifications.outbox").warning(
            "Link %s zugestellt", f"https://siko.example/konferenzen/kalender/{SECRET}.ics"
        )
    finally:
        console.setStream(previous)

    assert buffer.getvalue().endswith(
        " WARNING notifications.outbox [] "
        "Link https://siko.example/konferenzen/kalender/***.ics zugestellt\n"
    )


@contextmanager
def _runserver() -> Iterator[str]:
    """runserver's own server and request handler (which log to django.server), in a thread."""
    server = WSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    server.set_app(WSGIHandler())  # not get_wsgi_application(): it would set up logging anew

    def serve() -> None:
        try:
            server.serve_forever(poll_interval=0.05)
        finally:
            connections.close_all()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def _get(url: str, **headers: str) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=20) as r:
            return r.status
    except urllib.error.HTTPError as error:
        return error.code


def test_mask_runserver_access_log(caplog):
    server_logger = logging.getLogger("django.server")  # does not propagate to caplog's root
    server_logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.INFO), _runserver() as base:
            answer = _get(base + reverse("conferences:answer", kwargs={"token": FORGED}))
            feed = _get(base + reverse("conferences:calendar_feed", kwargs={"token": SECRET}))
    finally:
        server_logger.removeHandler(caplog.handler)

    assert (answer, feed) == (404, 404)
    access = [r.getMessage() for r in caplog.records if r.name == "django.server"]
    assert access == [
        '"GET /konferenzen/antwort/***/ HTTP/1.1" 404 ' + access[0].rsplit(" ", 1)[1],
        '"GET /konferenzen/kalender/***.ics HTTP/1.1" 404 ' + access[1].rsplit(" ", 1)[1],
    ]
    assert FORGED not in caplog.text
    assert SECRET not in caplog.text


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _dockerfile_gunicorn_args() -> list[str]:
    """The image's CMD, as the container runs it."""
    text = (BASE_DIR / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    line = next(line for line in text.splitlines() if line.startswith("CMD "))
    return json.loads(line.removeprefix("CMD "))


def test_mask_gunicorn_access_and_error_log_as_the_image_runs_it(tmp_path):
    args = _dockerfile_gunicorn_args()
    compose = (BASE_DIR / "docker-compose.yml").read_text(encoding="utf-8")
    logger_class = args[args.index("--logger-class") + 1]
    assert f"--logger-class {logger_class}" in " ".join(shlex.split(compose))
    port = _free_port()
    args[args.index("--bind") + 1] = f"127.0.0.1:{port}"
    args[args.index("--workers") + 1] = "1"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "siko.settings",
        "DEBUG": "true",
        "SECRET_KEY": "log-masking-test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'siko.sqlite3'}",
    }
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", *args],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        referer = base + reverse("conferences:partner_overview", kwargs={"token": SECRET})
        status = _get(
            base + reverse("conferences:answer", kwargs={"token": FORGED}), Referer=referer
        )
    finally:
        gunicorn.terminate()
        output, _ = gunicorn.communicate(timeout=30)

    assert status == 404, output
    assert FORGED not in output
    assert SECRET not in output
    # The image writes no gunicorn access log: SiKo's one line per request (siko/request_log.py).
    assert "siko.request" in output and "GET /konferenzen/antwort/***/ 404" in output, output
    assert "HTTP/1.1" not in output, output
