"""A documenter in a real browser: add response events, raise the case, download the dossier."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from dozor.responses.models import Raising, ResponseEvent
from tests.browser.conftest import ARTIFACTS, screenshot
from tests.browser.test_incident_flow import sign_in
from tests.conftest import Cast
from tests.responses.factories import BodyFactory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def add_event(page: Page, kind: str, date: str, **selects: str) -> None:
    page.select_option("#id_kind", kind)
    page.fill("#id_date", date)
    for field, value in selects.items():
        page.select_option(f"#id_{field}", value)
    page.click("form.event-form button[type=submit].primary")
    expect(page.locator(f"table.response-events tr[data-kind='{kind}']")).to_have_count(1)


def test_add_events_raise_the_case_and_download_the_dossier(
    transactional_db: None, live_server, cast: Cast, page: Page, tmp_path: Path
) -> None:
    body = BodyFactory(name="Генеральная прокуратура")
    sign_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}/incidents/{cast.incident.reference}/")
    page.get_by_role("link", name="Add a response event").click()
    add_event(page, "reported_to_police", "2008-12-05")
    add_event(page, "case_opened", "2008-12-15", articles="ru_cc_111_2_e")
    expect(page.locator(".status-line")).to_contain_text("case opened 11 days after the incident")
    assert ResponseEvent.objects.filter(incident=cast.incident).count() == 2

    page.goto(f"{live_server.url}/incidents/{cast.incident.reference}/")
    page.get_by_role("link", name="Add to the raise list").click()
    page.select_option("#id_priority", "high")
    page.fill("#id_reason", "Обвинение так и не предъявлено")
    page.click("form.raise-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/responses/raise-list/$"))
    expect(page.locator("main")).to_contain_text("Обвинение так и не предъявлено")

    page.goto(f"{live_server.url}/incidents/{cast.incident.reference}/")
    page.get_by_role("link", name="Log a raising").click()
    page.fill("#id_raised_on", "2009-02-01")
    page.select_option("#id_body", str(body.pk))
    page.select_option("#id_channel", "meeting")
    page.fill("#id_request", "Просим предъявить обвинение по п. «е» ч. 2 ст. 111")
    page.fill("#id_follow_up_due", "2009-03-01")
    page.click("form.raising-form button[type=submit]")
    expect(page.locator("section.responses table.raisings")).to_contain_text(
        "Генеральная прокуратура"
    )
    assert Raising.objects.get().follow_up_due.isoformat() == "2009-03-01"
    screenshot(page, "responses-incident-panel")

    page.goto(f"{live_server.url}/responses/follow-ups/")
    expect(page.locator("main")).to_contain_text("Просим предъявить обвинение")

    page.goto(f"{live_server.url}/responses/raise-list/")
    page.select_option("#id_lang", "ru")
    with page.expect_download() as download_info:
        page.click("form.dossier-form button[type=submit].primary")
    pdf = tmp_path / "dossier.pdf"
    download_info.value.save_as(pdf)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Досье по делу" in text
    assert "Генеральная прокуратура" in text
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-singlefile",
            str(pdf),
            str(ARTIFACTS / "dossier-browser"),
        ],
        check=True,
    )
