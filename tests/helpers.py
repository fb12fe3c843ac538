"""Helpers for tests: query counts that must not grow with the data."""

from collections.abc import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def count_queries(client: Client, url: str) -> int:
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
