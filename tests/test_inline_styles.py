"""No template carries inline style or script: the Content-Security-Policy promises none (issue 12).

The policy is ``style-src 'self'; script-src 'self'``, so a browser ignores a ``style="..."``
attribute, a ``<style>`` element, a ``<script>`` without ``src``, an ``on...=`` handler and a
``javascript:`` link; a page that relies on one looks broken, and allowing them again would give an
injected fragment the same power. Every template is checked, the print templates (dossier, report
card, annual report) too: they are served to browsers as HTML and handed to WeasyPrint for PDF,
which reads the same stylesheet files (dozor.printing), so none of them needs an exception.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOZOR = Path(__file__).resolve().parents[1] / "dozor"
TEMPLATES = sorted(
    path
    for path in DOZOR.rglob("*")
    if path.is_file() and "templates" in path.relative_to(DOZOR).parts
)

INLINE = {
    "a style attribute": re.compile(r"<[a-zA-Z][^>]*?\sstyle\s*=", re.S),
    "a <style> element": re.compile(r"<style\b", re.I),
    "an inline <script>": re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.I),
    "an event handler attribute": re.compile(r"<[a-zA-Z][^>]*?\son[a-z]+\s*=", re.S),
    "a javascript: link": re.compile(r"javascript:", re.I),
}


def inline_parts(text: str) -> list[str]:
    return [what for what, pattern in INLINE.items() if pattern.search(text)]


def test_the_templates_are_found() -> None:
    names = {path.name for path in TEMPLATES}
    assert {"base.html", "dossier.html", "draft_detail.html", "card_print.html"} <= names


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: str(path.relative_to(DOZOR)))
def test_no_template_carries_inline_style_or_script(path: Path) -> None:
    assert inline_parts(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "fragment",
    [
        '<div class="x" style="color:red">',
        "<style>p{}</style>",
        "<script>alert(1)</script>",
        '<a href="#" onclick="go()">',
        '<a href="javascript:go()">',
    ],
)
def test_the_check_catches_each_kind_of_inline_code(fragment: str) -> None:
    assert inline_parts(fragment) != []


def test_the_check_lets_stylesheets_and_script_files_through() -> None:
    page = (
        '<link rel="stylesheet" href="/static/dozor/dozor.css">'
        '<script src="/static/dozor/x.js"></script><p class="style">onward</p>'
    )
    assert inline_parts(page) == []
