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

Whole pages: `cached_page(request, name, parts, render, token=...)` keeps a view's complete
response (base.html included) per path, viewer and `parts`; see there what is never kept.

Forms: render with `csrf_token=CSRF_PLACEHOLDER` in the context and pass the cached HTML through
`fill_csrf(html, request)`, which puts the requester's own token in (and sets the CSRF cookie);
one viewer's token is never kept for another. Anything per request besides that (messages, the
viewer's name) stays outside the cached part.
"""

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.response import TemplateResponse
from django.utils import timezone
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
    key = _key(name, parts, token)
    value: T | None = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, KEEP_SECONDS)
    return value


def _key(name: str, parts: Sequence[object], token: str) -> str:
    key_text = repr((token, get_language(), name, tuple(parts)))
    return f"siko:{name}:" + hashlib.sha256(key_text.encode()).hexdigest()


#: Set on the request while a whole page is rendered for the cache (cached_page): fill_csrf then
#: leaves the placeholder in the parts, and the page is filled once on its way out.
_FOR_CACHE = "_siko_page_for_cache"


@dataclass(frozen=True)
class _Page:
    html: str
    headers: dict[str, str]
    until: datetime | None  # the page holds until then (None: until the next write)


def cached_page(
    request: HttpRequest,
    name: str,
    parts: Sequence[object],
    render: Callable[[], HttpResponse],
    *,
    token: str | Callable[[], str],
    until: Callable[[], datetime | None] = lambda: None,
    now: Callable[[], datetime] = timezone.now,
    live: Mapping[str, Callable[[], str]] | None = None,
) -> HttpResponse:
    """The whole response of a GET, base.html and all, from the cache while `token`, the
    language, the path with its query string (and whether htmx asks), the viewer and `parts`
    are the same.

    The viewer is the signed-in user's row and the rows loaded with it (its authority or
    agency): what the page's chrome shows and the permission rules decide from, so no viewer
    ever gets a page rendered for another, and a changed role or name renders afresh. `parts`
    names everything else the view renders from (the day, say). `until()`, asked after a
    render, says when the page stops holding (a conference's start); a later request renders
    afresh (`now` is the clock it is checked against). `live` maps markers the page's template
    puts in to functions returning markup that is rendered on every request instead (what
    depends on the clock at every moment); the markers must be letters, digits and dashes.

    Rendered afresh and not kept: a page with messages to show (before or after the view), a
    response that is not a 200 or sets cookies, and a page that put a CSRF token of its own in
    (a part rendered without CSRF_PLACEHOLDER): a viewer's token is never kept for another
    session. The requester's own token goes in on the way out (fill_csrf)."""
    if callable(token):
        token = token()
    key = ""
    if token and request.method in ("GET", "HEAD") and not len(get_messages(request)):
        # htmx asks the same address for a part of a page: its answer is kept apart.
        request_facts = (request.get_full_path(), request.headers.get("HX-Request", ""))
        key = _key(f"page:{name}", (*request_facts, viewer_identity(request), *parts), token)
        page: _Page | None = cache.get(key)
        if page is not None and (page.until is None or now() <= page.until):
            response = HttpResponse(_filled(page.html, request, live))
            for header, value in page.headers.items():
                response[header] = value
            return response
    minted_before = request.META.pop("CSRF_COOKIE_NEEDS_UPDATE", False)
    setattr(request, _FOR_CACHE, True)
    try:
        response = render()
        if isinstance(response, TemplateResponse) and not response.is_rendered:
            response.context_data = {
                **(response.context_data or {}),
                "csrf_token": CSRF_PLACEHOLDER,
            }
            response.render()
    finally:
        delattr(request, _FOR_CACHE)
    minted = request.META.get("CSRF_COOKIE_NEEDS_UPDATE", False)
    if minted_before:
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    if response.streaming:
        return response
    html = response.content.decode(response.charset)
    keep = response.status_code == 200 and not response.cookies
    if key and keep and not minted and not len(get_messages(request)):
        cache.set(key, _Page(html, dict(response.headers), until()), KEEP_SECONDS)
    response.content = _filled(html, request, live).encode(response.charset)
    return response


def _filled(html: str, request: HttpRequest, live: Mapping[str, Callable[[], str]] | None) -> str:
    html = fill_csrf(html, request)
    for marker, part in (live or {}).items():
        if marker in html:
            html = html.replace(marker, part())
    return html


def viewer_identity(request: HttpRequest) -> tuple[object, ...]:
    """Who sees the page, as far as it can differ between viewers: the user's row (all but the
    last login) and the rows loaded with it. Empty for an anonymous request."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ()
    return (*_row(user, skip=frozenset({"last_login"})), *_loaded_relations(user))


def _row(instance: models.Model, skip: frozenset[str] = frozenset()) -> list[Any]:
    return [
        (field.attname, field.value_from_object(instance))
        for field in instance._meta.concrete_fields
        if field.attname not in skip
    ]


def _loaded_relations(instance: models.Model) -> list[Any]:
    values: list[Any] = []
    for field in instance._meta.concrete_fields:
        if field.is_relation and field.is_cached(instance):  # type: ignore[attr-defined]
            related = field.get_cached_value(instance)  # type: ignore[attr-defined]
            if related is not None:
                values.append((field.name, _row(related)))
    return values


def fill_csrf(html: str, request: HttpRequest) -> SafeString:
    """Cached markup with the requester's CSRF token in place of CSRF_PLACEHOLDER (left in while
    the whole page is rendered for cached_page, which fills it once)."""
    if CSRF_PLACEHOLDER in html and not getattr(request, _FOR_CACHE, False):
        html = html.replace(CSRF_PLACEHOLDER, get_token(request))
    return mark_safe(html)  # noqa: S308 - rendered templates, the token is URL-safe


def _safe(html: dict[str, str]) -> dict[str, SafeString]:
    return {part: mark_safe(markup) for part, markup in html.items()}  # noqa: S308 - templates'
