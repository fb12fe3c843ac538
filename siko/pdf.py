"""PDF rendering with WeasyPrint that never fetches anything from outside.

Its URL fetcher serves files from our static directories (and data: URLs) only and refuses
everything else (other files, http, https, ftp), so neither a template nor text entered by users
(agenda, minutes, partner names) can make the renderer read a local file or call a host.

WeasyPrint is imported on the first PDF only: importing it (Pango, fonts) takes about a second,
which every `manage.py` command and every worker start would otherwise pay.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from django.conf import settings

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcher, URLFetcherResponse


def static_roots() -> list[Path]:
    roots = [Path(d) for d in settings.STATICFILES_DIRS]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT))
    return [root.resolve() for root in roots]


class StaticFilesFetcher:
    """Serves file:// URLs inside the static directories and data: URLs; refuses the rest.

    Refused URLs are kept in `refused` (for tests and logs); WeasyPrint skips the resource. A
    URL fetcher for WeasyPrint (it calls the fetcher with the URL); the fetching itself is
    WeasyPrint's URLFetcher, restricted to file and data URLs without redirects.
    """

    #: WeasyPrint 70 asks a fetcher that raised whether to stop the rendering: a refused
    #: resource is skipped, as before (WeasyPrint 69 does not ask).
    _fail_on_errors = False

    def __init__(self) -> None:
        self.roots = static_roots()
        self.refused: list[str] = []
        self._fetcher: URLFetcher | None = None

    def __call__(self, url: str) -> "URLFetcherResponse":
        return self.fetch(url)

    def fetch(self, url: str, headers: dict | None = None) -> "URLFetcherResponse":
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data" or (scheme == "file" and self._inside_static(url)):
            return self._weasyprint_fetcher().fetch(url, headers)
        self.refused.append(url)
        raise ValueError(f"Refused to fetch {url!r}: only static files may be used.")

    def _weasyprint_fetcher(self) -> "URLFetcher":
        if self._fetcher is None:
            from weasyprint.urls import URLFetcher

            self._fetcher = URLFetcher(allowed_protocols={"file", "data"}, allow_redirects=False)
        return self._fetcher

    def _inside_static(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return False
        path = Path(url2pathname(unquote(parts.path))).resolve()
        return path.is_file() and any(path.is_relative_to(root) for root in self.roots)


@contextmanager
def collection_after() -> Iterator[None]:
    """Python's cyclic garbage collector paused for the block, and one collection of the young
    objects after it.

    WeasyPrint allocates a few hundred thousand objects for a long document (boxes, styles, PDF
    objects); with the collector running, Python scans the surviving ones again and again during
    the rendering, about a quarter of the report's time. Afterwards a single collection of the
    youngest generation frees the rendering's reference cycles at once. A collector that was
    already paused by the caller stays paused.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)


def html_to_pdf(
    html: str,
    *,
    fetcher: StaticFilesFetcher | None = None,
    pdf_variant: str | None = None,
    pdf_tags: bool = False,
) -> bytes:
    """PDF bytes of `html`. `pdf_variant` (e.g. "pdf/a-2a") and `pdf_tags` are WeasyPrint's
    options; by default a plain, untagged PDF as before."""
    from weasyprint import HTML

    fetcher = fetcher or StaticFilesFetcher()
    base_url = (static_roots() or [Path(settings.BASE_DIR)])[0].as_uri() + "/"
    with collection_after():
        return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(
            pdf_variant=pdf_variant, pdf_tags=pdf_tags
        )
