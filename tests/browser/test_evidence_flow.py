"""A documenter in a real browser attaches a photo and a PDF to an incident, sees their previews
load beside them, downloads the photo and prints the dossier with its evidence; then adds the
police's refusal to a response event on the timeline."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

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


def test_attach_a_photo_and_a_pdf_see_previews_download_and_print_the_dossier(
    transactional_db: None, live_server, cast: Cast, page: Page, tmp_path: Path
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
    kept = {a.media_type: a for a in Attachment.objects.filter(incident=cast.incident)}
    assert set(kept) == {"image/jpeg", "application/pdf"}

    # Download the photo as it was received.
    with page.expect_download() as download_info:
        panel.get_by_role("link", name="побои.jpg", exact=True).click()
    photo = tmp_path / "photo.jpg"
    download_info.value.save_as(photo)
    assert hashlib.sha256(photo.read_bytes()).hexdigest() == kept["image/jpeg"].sha256

    # Print the dossier with the photo chosen: the files are listed with their hashes, and the
    # photo is printed without its GPS position.
    form = page.locator("form.dossier-images")
    form.get_by_label("побои.jpg", exact=False).check()
    with page.expect_download() as download_info:
        form.get_by_role("button", name="Dossier (PDF) with the chosen photos").click()
    pdf = tmp_path / "dossier.pdf"
    download_info.value.save_as(pdf)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = "".join(text.split())
    for attachment in kept.values():
        assert attachment.sha256 in flat
    images = subprocess.run(
        ["pdfimages", "-list", str(pdf)], check=True, capture_output=True, text=True
    ).stdout
    assert len(images.strip().splitlines()) >= 3  # the header lines and the printed photo


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
