"""Helpers for tests: query counts that must not grow with the data, the text of documents."""

import io
import re
from collections.abc import Callable
from html.parser import HTMLParser

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def count_queries(client: Client, url: str) -> int:
    """Queries of one uncached render: the dashboards' compliance cache (reports.compliance_cache)
    is emptied first, so counts compare like with like (a cached page needs fewer)."""
    cache.clear()
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(context.captured_queries)


def assert_constant_queries(client: Client, url: str, grow: Callable[[], None]) -> int:
    """The page needs the same number of queries before and after `grow()` adds data."""
    client.get(url)  # warm caches (session, content types) so both counts compare like with like
    before = count_queries(client, url)
    grow()
    after = count_queries(client, url)
    assert before == after, f"{url}: {before} queries before, {after} after the data grew"
    return after


def pdf_text(content: bytes) -> str:
    """The text of every page of a PDF, as a reader (or a screen reader) gets it."""
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


class _BodyText(HTMLParser):
    """Collects the text a reader sees in the body: no head, styles or scripts."""

    INLINE = frozenset({"a", "abbr", "b", "em", "i", "small", "span", "strong", "sub", "sup"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("head", "style", "script"):
            self.hidden += 1
        elif tag not in self.INLINE:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("head", "style", "script"):
            self.hidden -= 1
        elif tag not in self.INLINE:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_text(html: str) -> str:
    """The text of an HTML document's body (entities resolved, one line break per block), to
    check a document's facts without setting it as PDF."""
    parser = _BodyText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def compact(text: str) -> str:
    """Text without whitespace, for comparisons across PDF line breaks."""
    return re.sub(r"\s+", "", text)
