"""A documenter in a real browser attaches a photo and a PDF to an incident and sees their
previews load beside them, then adds the police's refusal to a response event on the timeline."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from dozor.evidence.models import Attachment
from tests.browser.conftest import screenshot
from tests.browser.test_incident_flow import sign_in
from tests.conftest import Cast
from tests.evidence.conftest import pdf_bytes, photo_with_gps
from tests.responses.factories import ResponseEventFactory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _loaded(page: Page, selector: str) -> int:
    """How many of the images the selector finds were loaded and decoded by the browser."""
    return int(
        page.locator(selector).evaluate_all(
            "images => images.filter(i => i.complete && i.naturalWidth > 0).length"
        )
    )


def test_attach_a_photo_and_a_pdf_and_see_their_previews(
    transactional_db: None, live_server, cast: Cast, page: Page
) -> None:
    base_url = live_server.url
    sign_in(page, base_url, "owner")
    page.goto(f"{base_url}/incidents/{cast.incident.reference}/")
    panel = page.locator("section#evidence")
    panel.locator("input[type=file][name=files]").set_input_files(
        [
            {"name": "побои.jpg", "mimeType": "image/jpeg", "buffer": photo_with_gps()},
            {"name": "справка.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()},
        ]
    )
    panel.locator("select[name=kind]").select_option("medical")
    with page.expect_navigation():
        panel.get_by_role("button", name="Keep as evidence").click()
    expect(page.locator("ul.messages")).to_contain_text("2 files kept as evidence")
    previews = "section#evidence td.preview img"
    expect(page.locator(previews)).to_have_count(2)
    page.wait_for_function(
        "selector => [...document.querySelectorAll(selector)]"
        ".every(i => i.complete && i.naturalWidth > 0)",
        arg=previews,
    )
    assert _loaded(page, previews) == 2
    screenshot(page, "evidence-previews")
    assert Attachment.objects.filter(incident=cast.incident).count() == 2


def test_add_the_refusal_to_an_event_of_the_timeline(
    transactional_db: None, live_server, cast: Cast, page: Page
) -> None:
    event = ResponseEventFactory(incident=cast.incident, kind="refusal_to_open")
    base_url = live_server.url
    sign_in(page, base_url, "owner")
    page.goto(f"{base_url}/responses/incident/{cast.incident.reference}/")
    panel = page.locator(f"section#evidence-event-{event.pk}")
    page.locator("#evidence-events details summary").first.click()
    panel.locator("input[type=file][name=files]").set_input_files(
        [{"name": "отказ.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("Отказ")}]
    )
    panel.locator("select[name=kind]").select_option("official")
    with page.expect_navigation():
        panel.get_by_role("button", name="Keep as evidence").click()
    expect(page.locator("#evidence-events ul.messages")).to_contain_text("1 file kept")
    expect(page.locator(f"section#evidence-event-{event.pk}")).to_contain_text("отказ.pdf")
    assert Attachment.objects.get().response_event == event
