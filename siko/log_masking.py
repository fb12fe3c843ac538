"""Signed links never reach a log: the token in their path is masked wherever a path is logged.

Whoever holds such a URL acts as its owner (answers for a partner agency, reads its overview,
subscribes to a calendar, comments on minutes, reports on an action, sets a password), so an
access log must not be a list of them. `mask_secrets` is the one place that knows those paths;
`MaskSecretsFilter` applies it to Django's loggers (LOGGING in siko/settings.py) and
`GunicornLogger` to gunicorn's access and error logs (Dockerfile, docker-compose.yml).
"""

import logging
import re
from typing import Any

from django.utils.functional import Promise
from django.utils.log import AdminEmailHandler

# gunicorn ships no type information.
from gunicorn.glogging import Logger as _GunicornBaseLogger  # type: ignore[import-untyped]

MASK = "***"
StrOrPromise = str | Promise

# A slash, also percent-encoded: a link can sit in a query string (…?next=%2Fkonferenzen%2F…).
_SLASH = r"(?:/|%2[fF])"
# A path segment as it appears in a request line, a Referer, a query or a message: it ends at a
# slash, a query string, a fragment, the next parameter, white space or a quote.
_SEGMENT = r"(?:(?!%2[fF])[^/\s?#&\"'<>])+"
# Each pattern: what stays (?P<keep>) and the token (?P<secret>).
_SECRET_PATHS = [
    # answer, partner overview, minutes comment (and its PDF), action links
    re.compile(
        rf"(?P<keep>{_SLASH}konferenzen{_SLASH}"
        rf"(?:antwort|partner{_SLASH}uebersicht|protokoll{_SLASH}kommentar|massnahme){_SLASH})"
        rf"(?P<secret>{_SEGMENT})"
    ),
    # calendar feeds: …/kalender/<token>.ics
    re.compile(
        rf"(?P<keep>{_SLASH}konferenzen{_SLASH}kalender{_SLASH})(?P<secret>{_SEGMENT}?)(?=\.ics)"
    ),
    # a new staff account's one-time setup link: …/benutzer/einrichten/<token>/
    re.compile(rf"(?P<keep>{_SLASH}benutzer{_SLASH}einrichten{_SLASH})(?P<secret>{_SEGMENT})"),
    # password reset: …/neu/<uidb64>/<token>/; Django's own next step, …/set-password/, stays.
    re.compile(
        rf"(?P<keep>{_SLASH}passwort{_SLASH}neu{_SLASH}{_SEGMENT}{_SLASH})"
        rf"(?!set-password{_SLASH})(?P<secret>{_SEGMENT})(?={_SLASH})"
    ),
]


def mask_secrets(text: str) -> str:
    """`text` with the token of every signed-link path in it replaced by ***."""
    for pattern in _SECRET_PATHS:
        text = pattern.sub(lambda match: match["keep"] + MASK, text)
    return text


class MaskSecretsFilter(logging.Filter):
    """Rewrites a record's message (and traceback text) with the tokens masked; drops nothing.

    The message is formatted here, once, so that every handler after this filter (console,
    files, a log shipper) receives only the masked text.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_secrets(record.exc_text)
        return True


class GunicornLogger(_GunicornBaseLogger):
    """gunicorn's own logger with the tokens masked in its access log (request line, Referer)
    and its error log ("Error handling request /…").

    Used through `--logger-class siko.log_masking.GunicornLogger` (Dockerfile, compose file).
    """

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, MaskSecretsFilter) for f in log.filters):
                log.addFilter(MaskSecretsFilter())


class MaskedAdminEmailHandler(AdminEmailHandler):
    """Django's error mail to ADMINS with the tokens of signed links masked in subject and text
    (the report repeats the request path outside the log record's message)."""

    def send_mail(
        self, subject: StrOrPromise, message: StrOrPromise, *args: Any, **kwargs: Any
    ) -> None:
        if kwargs.get("html_message"):
            kwargs["html_message"] = mask_secrets(str(kwargs["html_message"]))
        super().send_mail(mask_secrets(str(subject)), mask_secrets(str(message)), *args, **kwargs)
