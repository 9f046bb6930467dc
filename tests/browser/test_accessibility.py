"""Every page reachable from the navigation passes axe-core, in English and in Russian, and
works on a phone's width.

axe-core is the npm package `make` installs into the virtualenv (scripts/axe_core.py: a pinned
release, checked against its published integrity); nothing is downloaded here. The pages are
crawled the way a person reaches them: an administrator of a demo organisation signs in, follows
every link of the navigation (the header's, and the administration index's), and on each page
the first link of its table (an incident, a
report, a run), so that detail pages are checked as well as lists. A violation of impact
"serious" or "critical" fails the test, named with its page, its rule and the elements it found.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from dozor.accounts.models import Organisation, Role
from dozor.demo.generator import demo_generate
from dozor.demo.services import demo_load
from tests.browser.conftest import TIMEOUT_MS, screenshot
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

FAILING_IMPACTS = frozenset({"serious", "critical"})
PHONE = {"width": 390, "height": 844}
# Pages kept as screenshots at a phone's width, for a person to look at.
PHONE_SHOTS = {"/incidents/": "incident-list", "/incidents/new/": "incident-form"}
LANGUAGES = {"en": "en-GB", "ru": "ru-RU"}
# Pages a crawl must not follow: they act rather than show (signing out ends the crawl).
NOT_FOLLOWED = ("/accounts/logout/",)


def axe_script() -> Path:
    """The installed axe.min.js; a missing one fails the test with how to install it."""
    named = os.environ.get("DOZOR_AXE_CORE")
    script = Path(named) if named else Path(sys.prefix) / "share" / "axe-core" / "axe.min.js"
    if not script.is_file():
        pytest.fail(
            f"No axe-core at {script}: run `make .venv/share/axe-core/VERSION` (or "
            "`python scripts/axe_core.py`), or point DOZOR_AXE_CORE at axe.min.js. The browser "
            "tests do not download it.",
            pytrace=False,
        )
    return script


@pytest.fixture
def demo_administrator(transactional_db: None) -> str:
    """A small demo data set and an administrator of its first organisation; their username."""
    demo_load(dataset=demo_generate(size=40, seed=11), user=None)
    organisation = Organisation.objects.order_by("pk").first()
    UserFactory(username="administrator", organisation=organisation, role=Role.ADMINISTRATOR)
    return "administrator"


def language_context(browser: Browser, language: str, viewport: dict[str, int]) -> BrowserContext:
    """A fresh profile in the language, allowed to add axe's script to Dozor's pages (their
    Content-Security-Policy admits only Dozor's own scripts)."""
    locale = LANGUAGES[language]
    context = browser.new_context(
        locale=locale,
        viewport=viewport,
        bypass_csp=True,
        extra_http_headers={"Accept-Language": f"{locale},{language}"},
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("form button[type=submit].primary")
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"{username} could not sign in"


def same_site_paths(page: Page, selector: str, base_url: str) -> list[str]:
    """The paths of the links the selector finds that stay on Dozor, in page order."""
    host = urlsplit(base_url).netloc
    paths = []
    for href in page.eval_on_selector_all(selector, "links => links.map(link => link.href)"):
        parts = urlsplit(href)
        if parts.netloc == host and not parts.path.startswith(NOT_FOLLOWED):
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path not in paths:
                paths.append(path)
    return paths


def crawl(page: Page, base_url: str) -> Iterator[str]:
    """The navigation's pages (the header's links and the administration index's), then the
    first row link of each: every path once."""
    page.goto(f"{base_url}/")
    navigation = same_site_paths(page, "header.top a", base_url)
    assert len(navigation) >= 8, f"the navigation offers only {navigation}"
    seen: set[str] = set()
    while navigation:
        path = navigation.pop(0)
        if path in seen:
            continue
        seen.add(path)
        page.goto(f"{base_url}{path}")
        yield path
        navigation += same_site_paths(page, "main ul.administration a", base_url)
        for detail in same_site_paths(page, "main table tbody tr a", base_url)[:1]:
            if detail not in seen:
                seen.add(detail)
                page.goto(f"{base_url}{detail}")
                yield detail


def serious_violations(page: Page, script: Path) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each."""
    page.add_script_tag(path=str(script))
    results = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    found = []
    for violation in results:
        if violation["impact"] in FAILING_IMPACTS:
            targets = [" ".join(node["target"]) for node in violation["nodes"][:3]]
            found.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']}; "
                f"{len(violation['nodes'])} element(s), e.g. {targets}"
            )
    return found


def overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0 when nothing scrolls sideways)."""
    return int(page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth"))


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_page_of_the_navigation_passes_axe_core_with_no_serious_violation(
    demo_administrator: str, live_server, browser: Browser, language: str
) -> None:
    script = axe_script()
    context = language_context(browser, language, {"width": 1366, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_server.url, demo_administrator)
        problems: dict[str, list[str]] = {}
        checked = []
        for path in crawl(page, live_server.url):
            checked.append(path)
            found = serious_violations(page, script)
            if found:
                problems[path] = found
        # The crawl reached the administration index's pages too, not just the header's.
        assert "/accounts/organisations/" in checked, checked
        assert not problems, "\n".join(
            f"{path}: {line}" for path, lines in problems.items() for line in lines
        )
    finally:
        context.close()


def test_every_page_of_the_navigation_fits_a_phones_width(
    demo_administrator: str, live_server, browser: Browser
) -> None:
    context = language_context(browser, "ru", PHONE)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, demo_administrator)
        wide = {}
        for path in crawl(page, live_server.url):
            extra = overflow(page)
            if extra > 0:
                wide[path] = extra
                screenshot(page, "phone-too-wide-" + path.strip("/").replace("/", "-"))
            elif path in PHONE_SHOTS:
                screenshot(page, f"phone-{PHONE_SHOTS[path]}")
        assert not wide, f"pages wider than a phone's 390 px (extra pixels): {wide}"
    finally:
        context.close()
