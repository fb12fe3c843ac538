from typing import Any

from django.conf import settings
from django.http import HttpRequest

from siko.version import __version__


def navigation(request: HttpRequest) -> dict[str, Any]:
    return {
        "embedded_mailbox": settings.EMAIL_BACKEND == "siko.mail.LocalMailboxBackend",
        "site_debug": settings.DEBUG,
        "siko_version": __version__,
    }
