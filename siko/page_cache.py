"""Rendered parts of pages, cached under a data version token; nothing expires by time.

    from siko.page_cache import CSRF_PLACEHOLDER, cached_html, fill_csrf
    from siko.page_version import page_token

    token = page_token()  # first: everything read afterwards is at least as new
    parts = cached_html(
        "conference",
        (conference.pk, can_change, today),  # every input besides the tracked data
        lambda: {"body": render_to_string(name, {"csrf_token": CSRF_PLACEHOLDER}, request)},
        token=token,
    )
    body = fill_csrf(parts["body"], request)

The HTML is kept under a key of the token, the language, the part's name and `parts`, which must
name everything else the rendering depends on: the object, the query string, the day or whether
a moment has passed, and every permission or role of the viewer that the template asks. The
token (siko.page_version for the pages' tables; reports.data_version for the compliance rule's)
changes with every committed write to the tables the part shows, in the writing transaction, so
no entry ever serves older data than the last write. Without a token (nothing written yet) the
part is rendered and not kept.

Forms: render with `csrf_token=CSRF_PLACEHOLDER` in the context and pass the cached HTML through
`fill_csrf(html, request)`, which puts the requester's own token in (and sets the CSRF cookie);
one viewer's token is never kept for another. Anything per request besides that (messages, the
viewer's name) stays outside the cached part.
"""

import hashlib
from collections.abc import Callable, Sequence
from typing import TypeVar

from django.core.cache import cache
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

T = TypeVar("T")

#: Entries are dropped after a day unread (memory only: the token decides what is current).
KEEP_SECONDS = 24 * 3600

#: Stands in for the CSRF token in cached HTML (letters, digits and dashes: never escaped).
CSRF_PLACEHOLDER = "siko-csrf-token-placeholder-5c0b7e2a"


def cached_html(
    name: str,
    parts: Sequence[object],
    render: Callable[[], dict[str, str]],
    *,
    token: str | Callable[[], str],
) -> dict[str, SafeString]:
    """The HTML parts (name → markup) `render()` returns, from the cache while `token`, the
    language and `parts` are the same. `token` is the data version read before the data the
    rendering shows (or a callable returning it); `render` must return markup that is safe as it
    is (rendered templates)."""
    html = cached_value(
        f"html:{name}",
        parts,
        lambda: {part: str(markup) for part, markup in render().items()},
        token=token,
    )
    return _safe(html)


def cached_value(
    name: str, parts: Sequence[object], compute: Callable[[], T], *, token: str | Callable[[], str]
) -> T:
    """What `compute()` returns (a picklable value read from the tracked data), kept under the
    same key as cached_html's: `token`, the language, `name` and `parts`."""
    if callable(token):
        token = token()
    if not token:  # nothing tracked written yet: no version to key by
        return compute()
    key_text = repr((token, get_language(), name, tuple(parts)))
    key = f"siko:{name}:" + hashlib.sha256(key_text.encode()).hexdigest()
    value: T | None = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, KEEP_SECONDS)
    return value


def fill_csrf(html: str, request: HttpRequest) -> SafeString:
    """Cached markup with the requester's CSRF token in place of CSRF_PLACEHOLDER."""
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, get_token(request))
    return mark_safe(html)  # noqa: S308 - rendered templates, the token is URL-safe


def _safe(html: dict[str, str]) -> dict[str, SafeString]:
    return {part: mark_safe(markup) for part, markup in html.items()}  # noqa: S308 - templates'
