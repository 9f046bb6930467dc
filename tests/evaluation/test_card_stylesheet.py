"""The report card is printed with its stylesheet file, not inline CSS (issue 12)."""

from __future__ import annotations

import io
from pathlib import Path

from django.core.management import call_command
from pypdf import PdfReader

from tests.conftest import Cast

A4_LANDSCAPE_POINTS = (842, 595)


def test_the_card_pdf_takes_its_landscape_pages_from_the_stylesheet(cast: Cast) -> None:
    response = cast.client("owner").get("/evaluation/RU/2008/card.pdf")
    box = PdfReader(io.BytesIO(response.content)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == A4_LANDSCAPE_POINTS


def test_a_card_written_to_an_html_file_carries_its_stylesheet_inside(
    cast: Cast, tmp_path: Path
) -> None:
    out = tmp_path / "card.html"
    call_command("report", "card", country="RU", year=2008, out=str(out), user="owner")
    text = out.read_text(encoding="utf-8")
    assert "<style>" in text and "A4 landscape" in text
    assert 'rel="stylesheet"' not in text
