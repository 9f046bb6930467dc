"""Signing in lands on the home page, which lists what the role may deal with, each item a link
to where it is dealt with; kept as screenshots at a desktop's and a phone's width in
test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.browser.test_incident_flow import sign_in
from tests.conftest import Cast
from tests.reporting.test_home import ITEMS, waiting_for_organisation_a

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def listed_items(page: Page) -> set[str]:
    keys = page.locator(".attention-items li").evaluate_all(
        "items => items.map(item => item.dataset.item)"
    )
    return set(keys)


def test_the_administrator_lands_on_what_waits_and_follows_it(
    transactional_db: None, live_server, cast: Cast, page: Page, tmp_path: Path
) -> None:
    waiting_for_organisation_a(cast, tmp_path)
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server.url, "administrator")
    expect(page.locator("h1")).to_have_text("What needs doing")
    assert listed_items(page) == ITEMS
    expect(page.locator("table.year-counts")).to_be_visible()
    expect(page.locator(".activity-items")).to_contain_text(cast.incident.reference)
    screenshot(page, "home-administrator-1366")

    page.set_viewport_size(PHONE)
    # Nothing is wider than the phone's screen: the page does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "home-administrator-390")

    page.set_viewport_size(DESKTOP)
    page.locator("[data-item=quarantine] a").click()
    expect(page).to_have_url(f"{live_server.url}/imports/quarantine/")


def test_a_documenter_lands_on_the_items_of_a_documenter(
    transactional_db: None, live_server, cast: Cast, page: Page, tmp_path: Path
) -> None:
    waiting_for_organisation_a(cast, tmp_path)
    sign_in(page, live_server.url, "owner")
    assert listed_items(page) == ITEMS - {"cautions"}


def test_a_reader_lands_on_a_home_page_with_nothing_to_act_on(
    transactional_db: None, live_server, cast: Cast, page: Page, tmp_path: Path
) -> None:
    waiting_for_organisation_a(cast, tmp_path)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "reader")
    expect(page.locator(".nothing-waiting")).to_be_visible()
    assert listed_items(page) == set()
    screenshot(page, "home-reader-390")
