"""The annual report is printed with its stylesheet file, not inline CSS (issue 12)."""

from __future__ import annotations

import io
import re
from pathlib import Path

from django.core.management import call_command
from pypdf import PdfReader

from tests.conftest import Cast


def test_the_annual_pdf_numbers_its_pages_as_the_stylesheet_says(cast: Cast) -> None:
    response = cast.client("owner").get("/reports/annual/RU/2008/report.pdf")
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert re.search(r"\b1 / \d+\b", text)


def test_an_annual_report_written_to_an_html_file_carries_its_stylesheet_inside(
    cast: Cast, tmp_path: Path
) -> None:
    out = tmp_path / "annual.html"
    call_command("report", "annual", year=2008, out=str(out), user="owner")
    text = out.read_text(encoding="utf-8")
    assert "<style>" in text and "@page" in text
    assert 'rel="stylesheet"' not in text
