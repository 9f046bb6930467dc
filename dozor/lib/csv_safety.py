"""CSV downloads that a spreadsheet cannot turn into a formula.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula (``=cmd|' /C calc'!A0`` runs a program on some
machines). Every CSV that Dozor writes goes through :func:`csv_safe_cell`, which puts an apostrophe
in front of such a cell: spreadsheets then show the text as it was, and a person reading the file
sees why the apostrophe is there.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def csv_safe_cell(value: Any) -> str:
    """A value as a CSV cell that no spreadsheet will evaluate."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if text.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_rows_write(handle: Any, header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> None:
    """Write a header and rows as CSV (UTF-8, comma, CRLF), every cell made safe."""
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow([csv_safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([csv_safe_cell(cell) for cell in row])


def csv_text(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> str:
    buffer = io.StringIO()
    csv_rows_write(buffer, header, rows)
    return buffer.getvalue()
