"""An advocate's path in a real browser: from the evaluation dashboard to a country's report card
and its PDF, and to the annual report and its PDF. Page 1 of each PDF is kept as a PNG in
test-artifacts/ for a person to look at."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from urllib.parse import urljoin

import pytest
from playwright.sync_api import Page, expect

from dozor.evaluation.models import OfficialStatistic
from tests.browser.conftest import ARTIFACTS, screenshot
from tests.browser.test_incident_flow import sign_in
from tests.conftest import Cast
from tests.evaluation.factories import timelines_of_2008

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def year_2008(cast: Cast) -> None:
    """The cast's incident and four of 2008 with events, as tests/evaluation/test_indicators.py:
    4 of 5 reported (met), case opened after a median of 30 days (partial), 1 of 2 prosecutions
    with the motive recognised (partial); the police recorded 2 (40% of the documented)."""
    timelines_of_2008(cast.organisation)
    OfficialStatistic.objects.create(
        country="RU", year=2008, recorded=2, prosecuted=1, sentenced=1, source="МВД России"
    )


def download_pdf(page: Page, link_name: str, path: Path) -> Path:
    """Fetch what a PDF link points at in the signed-in browser's session and keep it.

    Chromium shows an inline PDF in its viewer rather than raising a download, so the link's
    address is fetched through the page's own request context (same cookies, same session)."""
    href = page.get_by_role("link", name=link_name).get_attribute("href")
    assert href is not None
    response = page.request.get(urljoin(page.url, href), timeout=60_000)
    assert response.ok, response.status
    assert response.headers["content-type"] == "application/pdf"
    path.write_bytes(response.body())
    assert path.read_bytes().startswith(b"%PDF")
    return path


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def keep_first_page(path: Path, name: str) -> Path:
    """Page 1 of the PDF as PNG in test-artifacts/, for a visual check."""
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / name
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(path), target],
        check=True,
    )
    png = target.with_suffix(".png")
    assert png.stat().st_size > 0
    return png


def test_the_dashboard_leads_to_the_report_card_and_its_pdf(
    transactional_db: None, live_server, cast: Cast, page: Page, tmp_path: Path
) -> None:
    year_2008(cast)
    sign_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}/evaluation/")
    row = page.locator("table.official tr[data-year='2008']")
    expect(row.locator("td").nth(1)).to_have_text("5")
    expect(row.locator("td").nth(2)).to_have_text("2")
    screenshot(page, "evaluation-dashboard")

    row.get_by_role("link", name="report card").click()
    expect(page).to_have_url(re.compile(r"/evaluation/RU/2008/$"))
    expect(page.locator("h1")).to_have_text("Report card: RU, 2008")
    expect(page.locator("tr[data-commitment='C4'] td.grade")).to_have_text("met")
    expect(page.locator("tr[data-commitment='C3'] td.grade")).to_have_text("partly met")
    expect(page.locator("tr[data-commitment='C7'] td.grade")).to_have_text("partly met")
    observations = page.locator("ul.observations")
    expect(observations).to_contain_text("50% of 2 prosecutions")
    expect(observations).to_contain_text("median of 30 days")
    screenshot(page, "evaluation-report-card")

    english = pdf_text(download_pdf(page, "PDF (English)", tmp_path / "card-en.pdf"))
    assert "Report card: RU, 2008" in english
    assert "Key observations" in english
    assert "50% of 2 prosecutions" in english
    assert "Северный маяк" in english  # prepared by the user's organisation

    russian_pdf = download_pdf(page, "PDF (русский)", tmp_path / "card-ru.pdf")
    russian = pdf_text(russian_pdf)
    assert "Оценочная карта: RU, 2008" in russian
    assert "Основные выводы" in russian
    keep_first_page(russian_pdf, "report-card-ru-page1")


def test_the_annual_report_page_and_its_pdf(
    transactional_db: None, live_server, cast: Cast, page: Page, tmp_path: Path
) -> None:
    year_2008(cast)
    sign_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}/reports/annual/")
    page.select_option("#id_country", "RU")
    page.fill("#id_year", "2008")
    page.click("form.filters button[type=submit].primary")
    expect(page.locator("h1")).to_have_text("Annual report: RU, 2008")
    expect(page.locator("section.totals td").first).to_have_text("5")
    funnel = page.locator("table.funnel")
    expect(funnel.locator("tr", has_text="Reported to the police")).to_contain_text("4")
    expect(funnel.locator("tr", has_text="Charged")).to_contain_text("2")
    expect(page.locator("svg[data-chart='map']")).to_have_count(1)
    screenshot(page, "annual-report")

    english = pdf_text(download_pdf(page, "PDF (English)", tmp_path / "annual-en.pdf"))
    assert "Annual report: RU, 2008" in english
    assert "Incidents by month" in english
    assert "Reported to the police" in english

    russian_pdf = download_pdf(page, "PDF (русский)", tmp_path / "annual-ru.pdf")
    russian = pdf_text(russian_pdf)
    assert "Годовой отчёт: RU, 2008" in russian
    assert "Инциденты по месяцам" in russian
    keep_first_page(russian_pdf, "annual-report-ru-page1")
