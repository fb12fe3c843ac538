"""One log line per request, and a request id that follows the work into Celery tasks.

`RequestLogMiddleware` (first in MIDDLEWARE) gives every request an id – the proxy's
X-Request-ID when it is a sane token, else a new uuid4 – keeps it in a context variable for the
request's duration, answers it in the X-Request-ID response header and writes one line on the
logger "siko.request": method, path (tokens of signed links masked), status, duration and the
user's id (never a name or address).

`RequestIdFilter` (LOGGING) puts the id on every record as `request_id`, so each line a request
causes carries it. A task published while a request runs takes the id along in its message
headers (`before_task_publish`); the worker sets it again while the task runs (`task_prerun`),
so the log of the task that sends a mail shows the id of the request that queued it.

`LOG_FORMAT=json` writes each record as one JSON object (python-json-logger): time, level,
logger, message, request_id and the fields given in `extra`.
"""

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from celery.signals import before_task_publish, task_postrun, task_prerun
from django.http import HttpRequest, HttpResponse
from pythonjsonlogger.json import JsonFormatter

from siko.log_masking import mask_secrets

logger = logging.getLogger("siko.request")

REQUEST_ID_HEADER = "X-Request-ID"
#: The message header that carries the id into a task.
TASK_HEADER = "siko_request_id"
#: What a proxy may hand in as a request id: letters, digits and ._- only, 8 to 64 of them.
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")

request_id: ContextVar[str] = ContextVar("siko_request_id", default="")


def incoming_request_id(value: str | None) -> str:
    """The proxy's id if it is sane (no spaces, quotes or line breaks for a log), else a new one."""
    if value and _SANE_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = request_id.set(incoming_request_id(request.headers.get(REQUEST_ID_HEADER)))
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id.get()
            _log_request(request, response.status_code, started)
            return response
        finally:
            request_id.reset(token)


def _log_request(request: HttpRequest, status: int, started: float) -> None:
    user = getattr(request, "user", None)
    fields = {
        "method": request.method,
        "path": mask_secrets(request.path),
        "status": status,
        "duration_ms": round((time.monotonic() - started) * 1000, 1),
        "user_id": user.pk if user is not None and user.is_authenticated else None,
    }
    level = logging.ERROR if status >= 500 else logging.INFO
    logger.log(
        level,
        "%(method)s %(path)s %(status)s %(duration_ms)sms user=%(user_id)s",
        fields,
        extra=fields,
    )


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (empty outside a request or task started by one) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id.get()
        return True


class JsonLineFormatter(JsonFormatter):
    """A record as one JSON line with time, level, logger, message and request_id first."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", ["asctime", "levelname", "name", "message", "request_id"])
        kwargs.setdefault(
            "rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"}
        )
        kwargs.setdefault("datefmt", "%Y-%m-%dT%H:%M:%S%z")
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        # Django's request log passes the request object along: its repr holds the raw path.
        log_data.pop("request", None)
        for key, value in log_data.items():
            if isinstance(value, str):
                log_data[key] = mask_secrets(value)


@before_task_publish.connect
def _send_request_id(headers: dict[str, Any] | None = None, **_: Any) -> None:
    if headers is not None and (current := request_id.get()):
        headers[TASK_HEADER] = current


_task_tokens: dict[str, Any] = {}


@task_prerun.connect
def _receive_request_id(task_id: str = "", task: Any = None, **_: Any) -> None:
    received = getattr(task.request, TASK_HEADER, None) if task is not None else None
    if received is None and task is not None:
        received = (task.request.headers or {}).get(TASK_HEADER)
    if received and _SANE_ID.fullmatch(str(received)):
        _task_tokens[task_id] = request_id.set(str(received))


@task_postrun.connect
def _forget_request_id(task_id: str = "", **_: Any) -> None:
    if (token := _task_tokens.pop(task_id, None)) is not None:
        request_id.reset(token)
