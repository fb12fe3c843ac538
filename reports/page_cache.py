"""Rendered parts of the dashboards, cached per data version (reports.models.DataVersion).

The template work of the state view's 470-cell matrix and of a KPB's start page costs more than
everything else of the request. The HTML is kept under a key of the data version's token (read
first: an entry is never older than its token, and every committed write to the compliance rule's
tables replaces the token in its own transaction), the language, and everything else the part is
rendered from, which the caller names: the query string, the day, the authority, and the viewer's
permissions and role that the part's template asks. Nothing expires by time, so no page shows a
figure older than the last write. A part may show only tables the token tracks
(reports.data_version.TRACKED_MODELS: the rule's tables, the open actions and the comparison
groups); the next conference's card is keyed by the time it starts as well.

The machinery is siko.page_cache's; this module keys it by the compliance rule's data version.
"""

from collections.abc import Callable, Sequence
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.safestring import SafeString

from reports.data_version import current_token
from siko import page_cache
from siko.page_cache import KEEP_SECONDS

__all__ = ["KEEP_SECONDS", "cached_html", "cached_page"]


def cached_html(
    name: str, parts: Sequence[object], render: Callable[[], dict[str, str]]
) -> dict[str, SafeString]:
    """The HTML parts (name → markup) `render()` returns, from the cache while the data version,
    the language and `parts` are the same. `parts` must name every input of the rendering besides
    the tracked data; `render` must return markup that is safe as it is (rendered templates)."""
    return page_cache.cached_html(name, parts, render, token=current_token())


def cached_page(
    request: HttpRequest,
    name: str,
    parts: Sequence[object],
    render: Callable[[], HttpResponse],
    *,
    until: Callable[[], datetime | None] = lambda: None,
    now: Callable[[], datetime] = timezone.now,
) -> HttpResponse:
    """A dashboard's whole response (siko.page_cache.cached_page) under the data version: for
    pages that show only tables the token tracks, besides the viewer and base.html."""
    return page_cache.cached_page(
        request, name, parts, render, token=current_token, until=until, now=now
    )
