"""In a real browser an administrator adds a source list, a body and a custom field through the
Administration pages; a documenter fills the field in a new incident, finds the incident with
the list's filter on it and sees it in the CSV download."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from dozor.accounts.models import Role
from dozor.records.custom_fields import CustomField
from tests.browser.conftest import screenshot
from tests.browser.test_administration_flow import add_body, add_source_list
from tests.browser.test_incident_flow import (
    fill_incident,
    filter_list,
    listed_rows,
    sign_in,
    submit_incident,
)
from tests.conftest import Cast
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def sign_out(page: Page) -> None:
    page.locator("header .account-menu summary").click()
    page.locator("header .account-menu").get_by_role("button", name="Sign out").click()


def test_an_administrator_adds_a_field_a_documenter_fills_filters_and_exports_it(
    transactional_db: None, live_server, cast: Cast, page: Page, tmp_path: Path
) -> None:
    base_url = live_server.url
    UserFactory(username="admin", organisation=cast.organisation, role=Role.ADMINISTRATOR)

    # The administrator adds a partner's source list and a body to raise cases with, then
    # defines "Language of the threat", a choice from the organisation's own list.
    sign_in(page, base_url, "admin")
    assert add_source_list(page, base_url, "Список партнёров").organisation == cast.organisation
    assert add_body(page, base_url, "Прокуратура Ленинградской области").country == "RU"
    page.goto(f"{base_url}/accounts/administration/")
    page.locator("main").get_by_role("link", name="Custom fields").click()
    expect(page.locator("h1")).to_have_text("Your organisation's fields")
    page.get_by_role("link", name="Add a field").click()
    page.fill("#id_key", "threat_language")
    page.select_option("#id_applies_to", "incident")
    page.select_option("#id_field_type", "choice")
    page.fill("#id_label_en", "Language of the threat")
    page.fill("#id_label_ru", "Язык угрозы")
    page.fill("#id_options", "ru | Russian | русский\ntg | Tajik | таджикский")
    page.click("form button[type=submit].primary")
    expect(page.locator("table.custom-fields")).to_contain_text("Language of the threat")
    screenshot(page, "custom_fields_admin")
    assert CustomField.objects.get(organisation=cast.organisation).key == "threat_language"
    sign_out(page)

    # The documenter records an incident with the field filled.
    sign_in(page, base_url, "owner")
    fill_incident(page, region="RU-SPE")
    page.select_option("#id_custom_threat_language", "tg")
    submit_incident(page)
    expect(page).to_have_url(re.compile(r"/incidents/RU-2021-\d{5}/$"))
    reference = page.url.rstrip("/").rsplit("/", 1)[1]
    expect(page.locator("dl.facts")).to_contain_text("Language of the threat")
    expect(page.locator("dl.facts .custom-value")).to_have_text("Tajik")

    # The list's filter on the field finds it, and only it.
    page.locator("header nav").get_by_role("link", name="Incidents", exact=True).click()
    expect(listed_rows(page)).to_have_count(2)
    filter_list(page, custom_threat_language="tg")
    expect(listed_rows(page)).to_have_count(1)
    expect(listed_rows(page)).to_contain_text(reference)
    screenshot(page, "custom_fields_filter")

    # The CSV download of the filtered list carries the field's column.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV", exact=True).click()
    saved = tmp_path / "incidents.csv"
    download_info.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert [row["reference"] for row in rows] == [reference]
    assert rows[0]["custom.threat_language"] == "tg"
