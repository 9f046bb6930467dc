"""A witness's path and a documenter's in a real browser: the public form sent in Russian with
JavaScript turned off and a photo attached, then accepted from the triage queue as a report of
the intake list with the photo as its evidence."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from dozor.evidence.models import Attachment
from dozor.records.models import Report
from dozor.submissions.models import Status, Submission
from tests.browser.conftest import TIMEOUT_MS, VIEWPORT, screenshot
from tests.browser.test_incident_flow import sign_in
from tests.conftest import Cast
from tests.evidence.conftest import jpeg_bytes
from tests.submissions.conftest import answer_to

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ACCOUNT = "Меня задержали у метро и били в автозаке. Свидетели видели номер машины."


def send_in_russian(browser: Browser, base_url: str, photo: Path) -> str:
    """Fill and send the public form as a Russian-speaking witness in a browser with JavaScript
    off; the receipt code the page shows."""
    context = browser.new_context(
        locale="ru-RU",
        viewport=VIEWPORT,
        java_script_enabled=False,
        extra_http_headers={"Accept-Language": "ru-RU,ru"},
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(f"{base_url}/report/?lang=ru")
        expect(page.locator("h1")).to_have_text("Сообщить о случившемся")
        picture = page.locator("img[alt='Сумма двух чисел, нарисованная картинкой']")
        expect(picture).to_be_visible()
        page.fill("#id_title", "Задержание у метро")
        page.fill("#id_what_happened", ACCOUNT)
        page.fill("#id_where_text", "Москва")
        page.fill("#id_contact", "Signal, после 20:00")
        page.check("#id_wants_legal_help")
        page.set_input_files("#intake-files", str(photo))
        # What the picture shows, read the way it is drawn from the form's token.
        token = page.locator("input[name=challenge]").get_attribute("value")
        assert token is not None
        page.fill("#id_answer", answer_to(token))
        screenshot(page, "intake-form-ru")
        page.get_by_role("button", name="Отправить").click()
        expect(page.locator("h1")).to_have_text("Спасибо: мы получили ваше сообщение")
        receipt = page.locator(".receipt code").inner_text()
        screenshot(page, "intake-received-ru")
        return receipt
    finally:
        context.close()


def test_a_witness_sends_the_form_in_russian_and_a_documenter_accepts_it(
    transactional_db: None,
    live_server: Any,
    cast: Cast,
    browser: Browser,
    page: Page,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.DOZOR_INTAKE_ORGANISATION = cast.organisation.name
    photo = tmp_path / "номер.jpg"
    photo.write_bytes(jpeg_bytes(b"plate"))
    receipt = send_in_russian(browser, live_server.url, photo)
    submission = Submission.objects.get()
    assert submission.receipt == receipt and submission.language == "ru"

    sign_in(page, live_server.url, "owner")
    page.locator("header nav").get_by_role("link", name="Submissions", exact=True).click()
    expect(page.locator("h1")).to_have_text("Submissions")
    page.get_by_role("link", name=receipt).click()
    expect(page.locator("dl.facts")).to_contain_text(ACCOUNT)
    expect(page.get_by_role("link", name="номер.jpg")).to_be_visible()
    page.get_by_role("button", name="Accept as a report of the intake list").click()
    expect(page.locator(".messages")).to_contain_text("Accepted as report")
    screenshot(page, "intake-accepted")
    page.locator("dd a[href^='/reports/']").click()
    expect(page).to_have_url(re.compile(r"/reports/\d+/$"))
    expect(page.locator("h1")).to_contain_text(receipt)

    submission.refresh_from_db()
    assert submission.status == Status.ACCEPTED
    report = Report.objects.get()
    assert report.source_list.name.startswith("intake")
    assert Attachment.objects.get(report=report).file_name == "номер.jpg"
