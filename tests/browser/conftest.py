"""A real Chromium, driven through Playwright, against pytest-django's live server.

The browser is Debian's Chromium (or the one DOZOR_CHROMIUM names); Playwright never downloads
one. A missing browser fails the tests rather than skipping them, so that a machine without it
cannot pass the suite silently.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API keeps an event loop running in the test thread; Django's ORM refuses
# to run beside one unless told that this is deliberate. The tests only touch the database
# between browser steps, never from inside the loop.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",  # the tests may run as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000
REQUESTS_FINISH_SECONDS = 15.0
VIEWPORT = {"width": 1280, "height": 900}


def chromium_path() -> Path:
    return Path(os.environ.get("DOZOR_CHROMIUM") or "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if not (executable.is_file() and os.access(executable, os.X_OK)):
        pytest.fail(
            f"No Chromium at {executable}: install Debian's package (apt-get install chromium) "
            "or point DOZOR_CHROMIUM at a Chromium binary. The browser tests do not download one.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(executable), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def request_threads() -> list[threading.Thread]:
    """The live server's threads still serving a connection. Django's threaded server starts one
    per connection with socketserver's `process_request_thread` as its target, which Python
    names the thread after."""
    return [
        thread
        for thread in threading.enumerate()
        if thread.name.endswith("(process_request_thread)") and thread.is_alive()
    ]


@pytest.fixture(autouse=True)
def requests_finished_before_the_database_is_emptied(
    request: pytest.FixtureRequest,
) -> Iterator[None]:
    """Wait, after a test, for the live server to finish what the browser asked of it.

    On SQLite the live server's threads share the test's one connection. A request still running
    when the test ends (an image the closed page was loading) would hold that connection while
    pytest-django empties the tables for the next test: the flush fails and the next test finds
    the last one's rows. This fixture is set up after the database fixture, so its teardown runs
    first, once the browser contexts are closed and their connections with them."""
    if "live_server" in request.fixturenames:
        request.getfixturevalue("transactional_db")  # set up first, so emptied after the wait
    yield
    if "live_server" not in request.fixturenames:
        return
    deadline = time.monotonic() + REQUESTS_FINISH_SECONDS
    for thread in request_threads():
        thread.join(max(0.0, deadline - time.monotonic()))
    still = request_threads()
    if still:
        pytest.fail(f"The live server was still serving {len(still)} connection(s) after the test")


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh profile per test: no cookies, English as the browser's language."""
    context = browser.new_context(
        locale="en-GB", viewport=VIEWPORT, extra_http_headers={"Accept-Language": "en-GB,en"}
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and not page.is_closed():
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        screenshot(page, f"FAILED-{name}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


def screenshot(page: Page, name: str) -> Path:
    """A full-page PNG in test-artifacts/, for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
