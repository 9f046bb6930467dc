"""An administrator in a real browser: from the account menu to the Administration page, then a
new source list and a new body through their forms; the page kept as a screenshot at a
laptop's width and a phone's."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from dozor.accounts.models import Role
from dozor.audit.models import Action, AuditEntry
from dozor.records.models import SourceList
from dozor.responses.models import Body
from tests.browser.conftest import screenshot
from tests.browser.test_incident_flow import sign_in
from tests.conftest import Cast
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def add_source_list(page: Page, base_url: str, name: str) -> SourceList:
    """From the Administration page, a partner list added through its form; the list stored."""
    page.goto(f"{base_url}/accounts/administration/")
    page.locator("main").get_by_role("link", name="Source lists").click()
    page.get_by_role("link", name="Add a source list").click()
    page.fill("#id_name", name)
    page.select_option("#id_kind", "partner_list")
    page.click("form button[type=submit].primary")
    expect(page).to_have_url(re.compile(r"/sources/$"))
    expect(page.locator("table.sources")).to_contain_text(name)
    return SourceList.objects.get(name=name)


def add_body(page: Page, base_url: str, name: str) -> Body:
    """From the Administration page, a prosecutor's office added through its form; the body."""
    page.goto(f"{base_url}/accounts/administration/")
    page.locator("main").get_by_role("link", name="Bodies and officials").click()
    page.fill("#id_name", name)
    page.select_option("#id_kind", "prosecutor")
    page.fill("#id_country", "ru")
    page.click("form.body-form button[type=submit]")
    expect(page.locator("main table")).to_contain_text(name)
    return Body.objects.get(name=name)


def test_an_administrator_adds_a_source_list_and_a_body_through_the_pages(
    transactional_db: None, live_server, cast: Cast, page: Page
) -> None:
    admin = UserFactory(username="admin", organisation=cast.organisation, role=Role.ADMINISTRATOR)
    page.set_viewport_size(LAPTOP)
    sign_in(page, live_server.url, "admin")
    page.locator("details.account-menu summary").click()
    page.locator("#administration-link").click()
    expect(page.locator("h1")).to_have_text("Administration")
    screenshot(page, "administration-1366")
    page.set_viewport_size(PHONE)
    screenshot(page, "administration-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.set_viewport_size(LAPTOP)

    added = add_source_list(page, live_server.url, "Партнёрская сеть 2024")
    assert added.organisation_id == cast.organisation.pk
    body = add_body(page, live_server.url, "Прокуратура Санкт-Петербурга")
    assert (body.country, body.organisation_id) == ("RU", cast.organisation.pk)

    page.get_by_role("link", name="Correct").click()
    page.fill("#id_name", "Прокуратура города Санкт-Петербурга")
    page.click("form.body-form button[type=submit].primary")
    expect(page.locator("h1")).to_have_text("Прокуратура города Санкт-Петербурга")
    actors = set(
        AuditEntry.objects.filter(
            target_id__in=[str(added.pk), str(body.pk)],
            action__in=[Action.CREATE, Action.UPDATE],
        ).values_list("actor_id", flat=True)
    )
    assert actors == {admin.pk}
