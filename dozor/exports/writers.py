"""Files: CSV rows made safe for spreadsheets, and XLSX workbooks written with openpyxl."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from dozor.lib.csv_safety import csv_safe_cell

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
# Excel opens a UTF-8 CSV with Cyrillic text correctly only when it starts with a byte-order mark.
BOM = "\ufeff"


def csv_lines(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """CSV text line by line (UTF-8 with a BOM, comma, CRLF), every cell through csv_safe_cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(cells: Iterable[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([csv_safe_cell(cell) for cell in cells])
        return buffer.getvalue()

    yield BOM + line(header)
    for row in rows:
        yield line(row)


def xlsx_safe_cell(value: Any) -> Any:
    """Numbers stay numbers; text is stored as text that a spreadsheet will not evaluate."""
    if value is None or isinstance(value, bool | int | float):
        return value
    return csv_safe_cell(value)


def xlsx_bytes(title: str, header: list[str], rows: Iterable[Iterable[Any]]) -> bytes:
    # openpyxl loads when a workbook is written, not as Django starts (a quarter of a second).
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append([xlsx_safe_cell(cell) for cell in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([xlsx_safe_cell(cell) for cell in row])
    wrap = Alignment(wrap_text=True, vertical="top")
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            cell.alignment = wrap
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
