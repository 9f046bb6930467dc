"""Reading CSV, XLSX and JSON Lines files into rows of cells, keeping every cell as it came.

Each reader yields :class:`RawRow` objects: the row's number as a person would find it (the
spreadsheet row, or the line of a JSON Lines file), its cells by column, and a problem when the row
cannot be read as a row at all (wrong number of cells, a line that is not JSON). Problems with the
whole file (no header, an unreadable encoding) raise :class:`ImportFileError`.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from dozor.intake.problems import Problem

FORMATS = ("csv", "xlsx", "jsonl")
EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
DELIMITERS = ",;\t|"
CSV_FIELD_LIMIT = 16 * 1024 * 1024
GUESSED_ENCODINGS = ("utf-8", "cp1251")
# Not a codec: UTF-8 with each byte that is not UTF-8 read as U+FFFD, chosen by the importer.
REPLACE_ENCODING = "utf-8-replace"
# A file that fails as UTF-8 is "mostly UTF-8" (and not guessed as cp1251) when at least this
# share of its non-ASCII characters read as UTF-8: text written in cp1251 almost never does.
MOSTLY_UTF8_SHARE = 0.5
BAD_BYTES_SHOWN = 5
# Partners' rows are flat; a line nested deeper than this is not a row (and Python's own parser
# gives up near a thousand levels).
JSON_MAX_DEPTH = 64
XLSX_ROW_ERRORS = (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError)

MSG_FILE_ENCODING = _(
    "%(file)s: the file is not readable as %(encodings)s (byte %(position)s); "
    "give its encoding with --encoding."
)
MSG_FILE_MOSTLY_UTF8 = _(
    "%(file)s: the file is UTF-8 except for bytes that are not, at %(places)s (%(count)s in "
    "all). Read as cp1251 instead, every name in it would come out garbled, so nothing was "
    "read. Choose how to read it: utf-8-replace (UTF-8, each bad byte shown as �), cp1251, or "
    "another encoding (on the import page, or with --encoding); or correct the file."
)
MSG_FILE_BAD_BYTE_PLACE = _("line %(line)s (byte %(offset)s of the file)")
MSG_FILE_UNKNOWN_ENCODING = _("%(file)s: “%(encoding)s” is not an encoding Python knows.")
MSG_FILE_EMPTY = _("%(file)s: the file holds no header row.")
MSG_FILE_HEADER_EMPTY = _("%(file)s: column %(position)s of the header has no name.")
MSG_FILE_HEADER_TWICE = _("%(file)s: the column “%(column)s” appears twice in the header.")
MSG_FILE_NOT_XLSX = _("%(file)s: not a readable XLSX workbook (%(error)s).")
MSG_FILE_NO_SHEET = _("%(file)s: the workbook has no sheet “%(sheet)s”; its sheets are %(sheets)s.")
MSG_FILE_CSV = _("%(file)s: row %(row)s cannot be read as CSV (%(error)s).")
MSG_FILE_XLSX_ROW = _("%(file)s: row %(row)s of the workbook cannot be read (%(error)s).")
MSG_FILE_COLUMNS_MISSING = _(
    "%(file)s: the mapping uses columns the file does not have: %(missing)s. "
    "The file's columns are: %(columns)s."
)
MSG_FILE_FORMAT = _("%(file)s: expected one of the formats %(formats)s; found “%(format)s”.")


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message names the file and what was expected."""


@dataclass(frozen=True)
class RawRow:
    number: int
    cells: dict[str, Any]
    problem: Problem | None = None


@dataclass
class Table:
    format: str
    encoding: str
    delimiter: str
    columns: list[str]
    rows: Iterator[RawRow]
    estimated_rows: int
    blank_lines: int = 0


def file_format_guess(source: Path | bytes, name: str) -> str:
    by_name = EXTENSIONS.get(Path(name).suffix.lower())
    if by_name:
        return by_name
    if isinstance(source, bytes):
        start = source[:512]
    else:
        with source.open("rb") as handle:
            start = handle.read(512)
    if start.startswith(b"PK\x03\x04"):
        return "xlsx"
    if start.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "jsonl"
    return "csv"


def text_decode(data: bytes, *, file: str, encoding: str | None = None) -> tuple[str, str]:
    """The text and the encoding it was read with: a BOM, the given one, or a checked guess.

    A file that is UTF-8 but for a few bad bytes is refused with where they are, rather than
    guessed as cp1251, which decodes any bytes at all and would garble every name.
    """
    if encoding == REPLACE_ENCODING:
        return data.decode("utf-8-sig", errors="replace"), REPLACE_ENCODING
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ImportFileError(
                str(MSG_FILE_UNKNOWN_ENCODING) % {"file": file, "encoding": encoding}
            ) from None
        candidates: tuple[str, ...] = (encoding,)
    elif data.startswith(codecs.BOM_UTF8):
        candidates = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)
    elif _looks_like_utf16(data):
        candidates = ("utf-16-le" if data[1:2] == b"\x00" else "utf-16-be",)
    else:
        candidates = GUESSED_ENCODINGS
    position = 0
    for candidate in candidates:
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError as error:
            position = error.start
            if candidate == "utf-8" and candidates == GUESSED_ENCODINGS:
                _refuse_mostly_utf8(data, file=file)
    raise ImportFileError(
        str(MSG_FILE_ENCODING)
        % {"file": file, "encodings": " or ".join(candidates), "position": position}
    )


def _refuse_mostly_utf8(data: bytes, *, file: str) -> None:
    """Raise, naming the first bad bytes, when most of the file's non-ASCII text is UTF-8."""
    replaced = data.decode("utf-8", errors="replace")
    bad = replaced.count("\ufffd") - data.count("\ufffd".encode())
    non_ascii = len(replaced) - len(replaced.encode("ascii", errors="ignore")) - bad
    if bad <= 0 or non_ascii < MOSTLY_UTF8_SHARE * (non_ascii + bad):
        return
    places: list[str] = []
    start = 0
    while len(places) < BAD_BYTES_SHOWN:
        try:
            data[start:].decode("utf-8")
        except UnicodeDecodeError as error:
            offset = start + error.start
            line = data.count(b"\n", 0, offset) + 1
            places.append(str(MSG_FILE_BAD_BYTE_PLACE) % {"line": line, "offset": offset})
            start += error.end
        else:
            break
    shown = ", ".join(places) + (", …" if bad > len(places) else "")
    raise ImportFileError(str(MSG_FILE_MOSTLY_UTF8) % {"file": file, "count": bad, "places": shown})


def _looks_like_utf16(data: bytes) -> bool:
    """UTF-16 without a BOM: text of Latin or Cyrillic letters has a NUL or 0x04 in every pair."""
    sample = data[:4096]
    if len(sample) < 4:
        return False
    odd, even = sample[1::2], sample[0::2]
    return odd.count(0) > 0.4 * len(odd) or even.count(0) > 0.4 * len(even)


def _header(cells: list[Any], file: str) -> list[str]:
    names = [str(cell).strip() if cell is not None else "" for cell in cells]
    while names and not names[-1]:
        names.pop()
    if not names:
        raise ImportFileError(str(MSG_FILE_EMPTY) % {"file": file})
    seen: set[str] = set()
    for position, name in enumerate(names, start=1):
        if not name or NUL in name:
            raise ImportFileError(str(MSG_FILE_HEADER_EMPTY) % {"file": file, "position": position})
        if name in seen:
            raise ImportFileError(str(MSG_FILE_HEADER_TWICE) % {"file": file, "column": name})
        seen.add(name)
    return names


NUL = "\x00"
NUL_SHOWN = "\\x00"


def _nul_problem(number: int, values: dict[str, Any]) -> RawRow | None:
    """A row with a NUL character: no database stores one in text, so it waits in quarantine."""
    columns = [c for c, v in values.items() if isinstance(v, str) and NUL in v]
    if not columns:
        return None
    shown = {c: v.replace(NUL, NUL_SHOWN) if isinstance(v, str) else v for c, v in values.items()}
    return RawRow(
        number, shown, Problem(number, columns[0], shown[columns[0]][:80], "nul_character")
    )


def _row(number: int, header: list[str], cells: list[Any]) -> RawRow:
    values = dict(zip(header, cells, strict=False))
    with_nul = _nul_problem(number, values)
    if with_nul:
        return with_nul
    if len(cells) != len(header):
        for extra, cell in enumerate(cells[len(header) :], start=1):
            values[f"(extra {extra})"] = cell
        problem = Problem(
            number,
            "",
            "",
            "cell_count",
            {"found": len(cells), "expected": len(header)},
        )
        return RawRow(number, values, problem)
    return RawRow(number, values)


def csv_table(data: bytes, *, file: str, encoding: str | None, delimiter: str | None) -> Table:
    text, used = text_decode(data, file=file, encoding=encoding)
    if not delimiter:
        sample = text[:65536]
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
        except csv.Error:
            first = sample.split("\n", 1)[0]
            delimiter = (
                max(DELIMITERS, key=first.count) if any(d in first for d in DELIMITERS) else ","
            )
    csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = _header(next(reader, []), file)
    except csv.Error as error:
        raise ImportFileError(
            str(MSG_FILE_CSV) % {"file": file, "row": 1, "error": error}
        ) from None
    table = Table("csv", used, delimiter, header, iter(()), max(text.count("\n"), 1))

    def rows() -> Iterator[RawRow]:
        number = 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise ImportFileError(
                    str(MSG_FILE_CSV) % {"file": file, "row": number + 1, "error": error}
                ) from None
            number += 1
            if not cells or (len(cells) == 1 and not cells[0]):
                table.blank_lines += 1
                continue
            yield _row(number, header, cells)

    table.rows = rows()
    return table


def _json_cell(value: Any) -> Any:
    # A spreadsheet keeps a calendar day as a date-time at midnight: it is that day, written as
    # the date type reads it; a date-time with a time of day keeps its time.
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None:
        return ""
    return value


def xlsx_table(source: Path | bytes, *, file: str, sheet: str | None) -> Table:
    """The rows of a workbook's sheet, read within the limits of dozor.intake.xlsx."""
    # openpyxl (under dozor.intake.xlsx) loads when a workbook is read, not as Django starts:
    # every `dozor` command and server process would otherwise pay a quarter of a second for it.
    from dozor.intake import xlsx

    try:
        workbook = xlsx.workbook_open(source, file=file)
    except xlsx.WorkbookTooLarge as error:
        raise ImportFileError(error.message) from None
    # openpyxl parses untrusted ZIP and XML; whatever it raises means "not a workbook".
    except Exception as error:
        raise ImportFileError(str(MSG_FILE_NOT_XLSX) % {"file": file, "error": error}) from None
    if sheet and sheet not in workbook.sheetnames:
        workbook.close()
        raise ImportFileError(
            str(MSG_FILE_NO_SHEET)
            % {"file": file, "sheet": sheet, "sheets": ", ".join(workbook.sheetnames)}
        )
    worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    values = worksheet.iter_rows(values_only=True)
    cells_read = 0

    def bounded(number: int, raw_cells: tuple[Any, ...]) -> tuple[Any, ...]:
        nonlocal cells_read
        cells_read += len(raw_cells)
        too_large = None
        if number > xlsx.XLSX_MAX_ROWS:
            too_large = str(xlsx.MSG_XLSX_ROWS) % {"file": file, "limit": xlsx.XLSX_MAX_ROWS}
        elif len(raw_cells) > xlsx.XLSX_MAX_ROW_CELLS:
            too_large = str(xlsx.MSG_XLSX_ROW_CELLS) % {
                "file": file,
                "row": number,
                "limit": xlsx.XLSX_MAX_ROW_CELLS,
            }
        elif cells_read > xlsx.XLSX_MAX_CELLS:
            too_large = str(xlsx.MSG_XLSX_CELLS) % {"file": file, "limit": xlsx.XLSX_MAX_CELLS}
        if too_large:
            raise ImportFileError(too_large)
        return raw_cells

    def failed(error: Exception, row: int) -> ImportFileError:
        workbook.close()
        if isinstance(error, xlsx.WorkbookTooLarge):
            return ImportFileError(error.message)
        return ImportFileError(str(MSG_FILE_XLSX_ROW) % {"file": file, "row": row, "error": error})

    try:
        header = _header(list(bounded(1, next(values, ()))), file)
    except ImportFileError:
        workbook.close()
        raise
    except (xlsx.WorkbookTooLarge, *XLSX_ROW_ERRORS) as error:
        raise failed(error, 1) from None
    table = Table("xlsx", "", "", header, iter(()), max((worksheet.max_row or 2) - 1, 1))

    def rows() -> Iterator[RawRow]:
        number = 1
        try:
            for number, raw_cells in enumerate(values, start=2):
                cells = [_json_cell(cell) for cell in bounded(number, raw_cells)]
                while len(cells) > len(header) and cells[-1] == "":
                    cells.pop()
                if all(cell == "" for cell in cells):
                    table.blank_lines += 1
                    continue
                cells += [""] * (len(header) - len(cells))
                yield _row(number, header, cells)
        except ImportFileError:
            raise
        except (xlsx.WorkbookTooLarge, *XLSX_ROW_ERRORS) as error:
            raise failed(error, number + 1) from None
        finally:
            workbook.close()

    table.rows = rows()
    return table


def _json_depth(value: Any) -> int:
    """How deep lists and objects nest in a parsed JSON value (counted without recursion)."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in children)
    return deepest


def jsonl_table(data: bytes, *, file: str, encoding: str | None) -> Table:
    text, used = text_decode(data, file=file, encoding=encoding)
    lines = text.splitlines()
    columns: dict[str, None] = {}
    table = Table("jsonl", used, "", [], iter(()), max(len(lines), 1))

    def rows() -> Iterator[RawRow]:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                table.blank_lines += 1
                continue
            try:
                value = json.loads(line)
                too_deep = _json_depth(value) > JSON_MAX_DEPTH
            except RecursionError:
                too_deep = True
            except ValueError as error:
                shown = line.replace(NUL, NUL_SHOWN)
                yield RawRow(
                    number,
                    {"line": shown},
                    Problem(number, "", shown[:80], "not_json", {"error": str(error)}),
                )
                continue
            if too_deep:
                # Kept as the line it was: nested this deep, it would fail whatever reads it next.
                shown = line.replace(NUL, NUL_SHOWN)
                yield RawRow(
                    number,
                    {"line": shown},
                    Problem(number, "", shown[:80], "too_deep", {"limit": JSON_MAX_DEPTH}),
                )
                continue
            if not isinstance(value, dict):
                yield RawRow(
                    number, {"line": line}, Problem(number, "", line[:80], "not_an_object")
                )
                continue
            columns.update(dict.fromkeys(str(key) for key in value))
            yield RawRow(number, {str(key): cell for key, cell in value.items()})

    table.rows = rows()
    return table


def table_open(
    source: Path | bytes,
    *,
    file: str,
    file_format: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> Table:
    """Open a file (a path, or its bytes) of any supported format.

    Raises ImportFileError when it cannot be read.
    """
    kind = file_format or file_format_guess(source, file)
    if kind not in FORMATS:
        raise ImportFileError(
            str(MSG_FILE_FORMAT) % {"file": file, "formats": ", ".join(FORMATS), "format": kind}
        )
    if kind == "xlsx":
        return xlsx_table(source, file=file, sheet=sheet)
    data = source if isinstance(source, bytes) else source.read_bytes()
    if kind == "jsonl":
        return jsonl_table(data, file=file, encoding=encoding)
    return csv_table(data, file=file, encoding=encoding, delimiter=delimiter)
