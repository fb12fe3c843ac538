"""Rendered parts of the dashboards, cached per data version (reports.models.DataVersion).

The template work of the state view's 470-cell matrix and of a KPB's start page costs more than
everything else of the request. The HTML is kept under a key of the data version's token (read
first: an entry is never older than its token, and every committed write to the compliance rule's
tables replaces the token in its own transaction), the language, and everything else the part is
rendered from, which the caller names: the query string, the day, the authority, and the viewer's
permissions and role that the part's template asks. Nothing expires by time, so no page shows a
figure older than the last write. A part that shows data the token does not track (actions,
the next conference) stays outside the cache.
"""

import hashlib
from collections.abc import Callable, Sequence

from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from reports.data_version import current_token

#: Entries are dropped after a day unread (memory only: the token decides what is current).
KEEP_SECONDS = 24 * 3600


def cached_html(
    name: str, parts: Sequence[object], render: Callable[[], dict[str, str]]
) -> dict[str, SafeString]:
    """The HTML parts (name → markup) `render()` returns, from the cache while the data version,
    the language and `parts` are the same. `parts` must name every input of the rendering besides
    the tracked data; `render` must return markup that is safe as it is (rendered templates)."""
    token = current_token()
    if not token:  # nothing tracked written yet: no version to key by
        return _safe(render())
    key_text = repr((token, get_language(), name, tuple(parts)))
    key = f"siko:html:{name}:" + hashlib.sha256(key_text.encode()).hexdigest()
    html: dict[str, str] | None = cache.get(key)
    if html is None:
        html = {part: str(markup) for part, markup in render().items()}
        cache.set(key, html, KEEP_SECONDS)
    return _safe(html)


def _safe(html: dict[str, str]) -> dict[str, SafeString]:
    return {part: mark_safe(markup) for part, markup in html.items()}  # noqa: S308 - templates'
