"""The request's language ends with the request.

LocaleMiddleware activates the language of the request (cookie, Accept-Language) for the thread
and never takes it back: whatever the thread runs after the response (the next job of a worker
thread, a management command or the next test in the same process) would speak English after
one English request. The language active before the request comes back when the request ends
(request_finished, after a streamed response has been sent).
"""

import threading
from typing import Any

from django.utils import translation

_before = threading.local()


def remember_language(**kwargs: Any) -> None:
    _before.language = translation.get_language()


def restore_language(**kwargs: Any) -> None:
    language = getattr(_before, "language", None)
    _before.language = None
    if language:
        translation.activate(language)
    else:
        translation.deactivate()
