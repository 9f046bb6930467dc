"""The API's reference page in a real browser: Swagger UI from Dozor's own files, within the
Content-Security-Policy, showing every operation of the schema."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page


def test_the_api_reference_page_shows_the_operations_without_breaking_the_csp(
    transactional_db: None, live_server: Any, page: Page
) -> None:
    violations: list[str] = []
    outside: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith((live_server.url, "data:"))
            else None
        ),
    )
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.get_by_text("/api/v1/incidents/{reference}/").first.wait_for()
    assert page.locator(".opblock").count() >= 4
    assert violations == []
    assert outside == []
