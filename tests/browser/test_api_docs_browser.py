"""The API's documentation page renders in Chromium under SiKo's strict CSP (no CDN, nothing
inline): Swagger UI lists the operations, and the browser reports no blocked script or style."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_api_docs_render_without_csp_violations(page, live_server, seeded):
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None,
    )

    page.goto(f"{live_server.url}/api/v1/docs/")

    expect(page.locator(".opblock-summary-path", has_text="/api/v1/meetings/")).to_have_count(2)
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/compliance/")).to_be_visible()
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    assert problems == []
    assert outside == []
