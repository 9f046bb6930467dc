"""A documenter in a real browser: sign in, record an incident, find it, read it in Russian."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from dozor.records.models import Incident
from tests.browser.conftest import screenshot
from tests.conftest import Cast
from tests.factories import TEST_PASSWORD

# One group keeps the browser tests on one xdist worker, so one Chromium starts, not one per worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

TITLE = "Нападение на активистку у Финляндского вокзала"


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("form button[type=submit].primary")
    expect(page).to_have_url(f"{base_url}/")
    expect(page.locator("header .who")).to_contain_text(username)


def fill_incident(page: Page, *, region: str) -> None:
    """The "New incident" form as a documenter fills it: two bias motivations, one indicator."""
    page.locator("header nav").get_by_role("link", name="New incident", exact=True).click()
    expect(page.locator("h1")).to_have_text("New incident")
    page.fill("#id_title", TITLE)
    page.fill("#id_summary", "Двое мужчин избили активистку, выкрикивая оскорбления.")
    page.select_option("#id_summary_language", "ru")
    page.select_option("#id_date_precision", "day")
    page.fill("#id_date_start", "2021-03-14")
    page.select_option("#id_country", "RU")
    page.fill("#id_region", region)
    page.fill("#id_locality", "Санкт-Петербург")
    page.select_option("#id_location_precision", "locality")
    page.select_option("#id_incident_type", "physical_assault")
    page.select_option("#id_target_kind", "people")
    page.fill("#id_injured", "1")
    page.select_option("#id_confidentiality", "restricted")
    page.check("#id_defender_targeted")
    page.select_option("select[name='bias-0-motivation']", "racist_xenophobic")
    page.check("input[name='bias-0-indicators'][value='perpetrator_statements']")
    page.select_option("select[name='bias-1-motivation']", "gender_based")


def submit_incident(page: Page) -> None:
    page.click("form.incident-form button[type=submit].primary")


def filter_list(page: Page, **values: str) -> None:
    """Set the list's filters (a value of "" clears one) and press Filter."""
    form = page.locator("form.filters")
    for name, value in values.items():
        field = form.locator(f"#id_{name}")
        if field.evaluate("element => element.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def clear_filters(page: Page) -> None:
    with page.expect_navigation():
        page.locator("form.filters").get_by_role("link", name="Clear").click()
    expect(page).to_have_url(re.compile(r"/incidents/$"))


def listed_rows(page: Page):  # type: ignore[no-untyped-def]
    return page.locator("table.incidents tbody tr")


def test_record_find_and_read_an_incident_in_russian(
    transactional_db: None, live_server, cast: Cast, page: Page
) -> None:
    base_url = live_server.url
    sign_in(page, base_url, "owner")
    page.locator("header nav").get_by_role("link", name="Incidents", exact=True).click()
    # The owner's organisation already has one incident: 2008, St Petersburg, no bias recorded.
    expect(listed_rows(page)).to_have_count(1)

    fill_incident(page, region="RU-SPE")
    submit_incident(page)

    expect(page).to_have_url(re.compile(r"/incidents/RU-2021-\d{5}/$"))
    reference = page.url.rstrip("/").rsplit("/", 1)[1]
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator(".reference")).to_contain_text(reference)
    motivations = page.locator(".bias h3")
    expect(motivations).to_have_text(["Racist and xenophobic", "Gender-based"])
    expect(page.locator(".bias").first).to_contain_text("What the perpetrators said or shouted")
    expect(page.locator("dl.facts")).to_contain_text("14.03.2021")
    expect(page.locator("dl.facts")).to_contain_text("Saint Petersburg")
    screenshot(page, "incident_detail_en")

    incident = Incident.objects.get(reference=reference)
    assert incident.organisation == cast.organisation
    assert incident.created_by == cast.owner
    assert sorted(incident.biases.values_list("motivation", flat=True)) == [
        "gender_based",
        "racist_xenophobic",
    ]

    # The list: both incidents, then filters that keep only the new one.
    page.locator("header nav").get_by_role("link", name="Incidents", exact=True).click()
    expect(listed_rows(page)).to_have_count(2)
    filter_list(page, bias="racist_xenophobic")
    expect(listed_rows(page)).to_have_count(1)
    expect(listed_rows(page)).to_contain_text(reference)
    filter_list(
        page,
        region="RU-SPE",
        q="финляндского",  # lower case: the text search ignores case
        date_from="2021-03-01",
        date_to="2021-03-31",
    )
    expect(page).to_have_url(re.compile(r"[?&]bias=racist_xenophobic(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]region=RU-SPE(&|$)"))
    expect(listed_rows(page)).to_have_count(1)
    row = listed_rows(page).first
    expect(row).to_contain_text(reference)
    expect(row).to_contain_text(TITLE)
    expect(row).to_contain_text("Racist and xenophobic; Gender-based")

    # Filters that must leave it out.
    for excluding in (
        {"bias": "antisemitic"},
        {"bias": "racist_xenophobic", "region": "RU-MOW"},
        {"region": "RU-SPE", "date_from": "2021-04-01"},
        {"date_from": "2021-03-01", "q": "Воронеж"},
    ):
        clear_filters(page)
        filter_list(page, **excluding)
        expect(listed_rows(page)).to_have_count(1)
        expect(listed_rows(page)).to_have_text("No incidents match these filters.")

    # Back to the finding filters, then to Russian; the filters survive the switch.
    clear_filters(page)
    filter_list(page, bias="racist_xenophobic", region="RU-SPE", q="финляндского")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.click("header button[name=language][value=ru]")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("h1")).to_have_text("Инциденты")
    expect(page.locator("header nav")).to_contain_text("Новый инцидент")
    expect(page.locator("label[for=id_bias]")).to_have_text("Мотив ненависти")
    expect(page.locator("#id_bias option:checked")).to_have_text("Расизм и ксенофобия")
    expect(page.locator("#id_region option:checked")).to_have_text(re.compile("Санкт-Петербург"))
    expect(listed_rows(page)).to_have_count(1)
    expect(listed_rows(page).first).to_contain_text("Расизм и ксенофобия")
    expect(listed_rows(page).first).to_contain_text("По признаку пола")
    expect(page.locator("header button[name=language][value=ru]")).to_be_disabled()
    screenshot(page, "incident_list_ru")

    page.locator("table.incidents").get_by_role("link", name=reference).click()
    expect(page).to_have_url(re.compile(rf"/incidents/{reference}/$"))
    expect(page.locator("h2", has_text="Мотивы ненависти")).to_be_visible()
    expect(page.locator(".bias h3")).to_have_text(["Расизм и ксенофобия", "По признаку пола"])
    expect(page.locator(".bias").first).to_contain_text("Высказывания или выкрики нападавших")
    expect(page.locator("dl.facts")).to_contain_text("Санкт-Петербург")
    screenshot(page, "incident_detail_ru")


def test_a_bad_region_is_shown_beside_the_field_and_nothing_is_saved(
    transactional_db: None, live_server, cast: Cast, page: Page
) -> None:
    sign_in(page, live_server.url, "owner")
    before = Incident.objects.count()

    fill_incident(page, region="RU-ZZZ")
    submit_incident(page)

    expect(page).to_have_url(re.compile(r"/incidents/new/$"))
    expect(page.locator("p.banner[role=alert]")).to_contain_text("Nothing was saved")
    region_field = page.locator(".field", has=page.locator("#id_region"))
    expect(region_field).to_have_class(re.compile(r"\binvalid\b"))
    expect(region_field.locator(".error")).to_contain_text("“RU-ZZZ” is not a region of")
    # Only the region is wrong: no other field carries an error.
    expect(page.locator(".field.invalid")).to_have_count(1)
    # What was typed is kept, so the documenter corrects one field rather than starting over.
    expect(page.locator("#id_title")).to_have_value(TITLE)
    expect(page.locator("#id_region")).to_have_value("RU-ZZZ")
    expect(page.locator("select[name='bias-1-motivation']")).to_have_value("gender_based")
    screenshot(page, "incident_form_bad_region")
    assert Incident.objects.count() == before
    assert not Incident.objects.filter(title=TITLE).exists()

    page.fill("#id_region", "RU-SPE")
    submit_incident(page)
    expect(page).to_have_url(re.compile(r"/incidents/RU-2021-\d{5}/$"))
    assert Incident.objects.filter(title=TITLE).count() == 1
