"""The dossier's look comes from a stylesheet file, not inline CSS (issue 12).

The dossier page used to carry a <style> block, which the Content-Security-Policy makes browsers
ignore. The same stylesheet must still lay out the PDF (WeasyPrint) and a dossier written to an
.html file that is opened from disk.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from dozor.printing import html_to_pdf
from tests.conftest import Cast
from tests.test_inline_styles import inline_parts

STYLESHEET = "/static/dozor/print/dossier.css"
A4_POINTS = (595, 842)


def dossier(cast: Cast, **parameters: str) -> bytes:
    response = cast.client("owner").get(
        reverse("responses:dossier"), {"ref": cast.incident.reference, **parameters}
    )
    assert response.status_code == 200
    return response.content


def pdf_reader(content: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(content))


def page_size(reader: PdfReader) -> tuple[int, int]:
    box = reader.pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


def test_the_dossier_page_links_its_stylesheet_and_carries_no_inline_style(cast: Cast) -> None:
    page = dossier(cast, format="html").decode()
    assert inline_parts(page) == []
    assert f'<link rel="stylesheet" href="{STYLESHEET}">' in page
    served = Client().get(STYLESHEET)
    assert served.status_code == 200
    assert b"@page" in b"".join(served.streaming_content)  # type: ignore[attr-defined]


def test_the_dossier_pdf_is_laid_out_by_the_stylesheet(cast: Cast) -> None:
    reader = pdf_reader(dossier(cast, format="pdf"))
    # The page number in the footer exists only in the stylesheet's @page rule.
    assert re.search(r"\b1 / \d+\b", reader.pages[0].extract_text())
    assert page_size(reader) == A4_POINTS


def test_a_dossier_written_to_an_html_file_carries_its_stylesheet_inside(
    cast: Cast, tmp_path: Path
) -> None:
    out = tmp_path / "dossier.html"
    call_command("dossier", cast.incident.reference, user="owner", out=str(out))
    text = out.read_text(encoding="utf-8")
    assert "<style>" in text and "@page" in text and "ol.timeline" in text
    assert 'rel="stylesheet"' not in text


def test_pdf_rendering_reads_no_stylesheet_from_outside_the_static_files(tmp_path: Path) -> None:
    outside = tmp_path / "a5.css"
    outside.write_text("@page { size: A5; }")
    html = f'<html><head><link rel="stylesheet" href="{outside.as_uri()}"></head><body>x</body>'
    assert page_size(pdf_reader(html_to_pdf(html))) == A4_POINTS
