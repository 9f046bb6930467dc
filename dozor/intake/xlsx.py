"""Opening an untrusted XLSX workbook within bounds.

An XLSX file is a ZIP archive of XML, and XML packs very well: a 1.2 MB workbook whose shared
strings unpack to 510 MB held the import preview for 420 seconds and took the server to 3.2 GB,
again on every reload. openpyxl reads whatever the archive holds, so Dozor opens the archive
itself and hands openpyxl a bounded one:

- the parts together may not unpack to more than :data:`XLSX_MAX_UNPACKED_BYTES`, as declared in
  the archive and as actually read (a part that unpacks to more than it declares is refused too);
- a part larger than a megabyte may not unpack to more than :data:`XLSX_MAX_RATIO` times its
  packed size: spreadsheets pack ten to thirty times, bombs hundreds of times;
- the shared strings (every distinct text of the workbook, which openpyxl holds in memory) are
  bounded in size and in number;
- a sheet's row may not take more than :data:`XLSX_MAX_ROW_BYTES` of XML, since openpyxl builds
  a whole row in memory before it yields it; the reader bounds the rows and cells of a sheet;
- a sheet's declared dimensions are looked for only before its rows (openpyxl reads the whole
  sheet, keeping an element per row, when a sheet declares none).

Each refusal names the file and the limit; nothing of the file is imported.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext_lazy as _
from openpyxl.cell.text import Text
from openpyxl.reader.excel import ExcelReader
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

MB = 1024 * 1024
XLSX_MAX_UNPACKED_BYTES = 1024 * MB
XLSX_MAX_RATIO = 100
XLSX_RATIO_FROM_BYTES = 1 * MB
XLSX_MAX_SHARED_STRINGS_BYTES = 64 * MB
XLSX_MAX_SHARED_STRINGS = 1_000_000
XLSX_MAX_ROW_BYTES = 2 * MB  # a full-width Excel row (16,384 cells) takes under 2 MB
# Excel's own limit of columns; a longer row was not written by a spreadsheet.
XLSX_MAX_ROW_CELLS = 16_384
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_CELLS = 20_000_000
_ROW_END = b"row>"
_STRING_TAG = f"{{{SHEET_MAIN_NS}}}si"

MSG_XLSX_UNPACKED = _(
    "%(file)s: the workbook unpacks to more than %(limit)s MB, more than Dozor reads; nothing "
    "was imported. Save it as CSV or split it."
)
MSG_XLSX_RATIO = _(
    "%(file)s: the part %(part)s of the workbook unpacks to %(ratio)s times its packed size "
    "(a spreadsheet packs at most %(limit)s times); it looks made to exhaust the server and "
    "was not read."
)
MSG_XLSX_SHARED_STRINGS_BYTES = _(
    "%(file)s: the workbook's shared strings (its distinct texts) unpack to more than "
    "%(limit)s MB, more than Dozor reads; nothing was imported. Save it as CSV or split it."
)
MSG_XLSX_SHARED_STRINGS_COUNT = _(
    "%(file)s: the workbook holds more than %(limit)s distinct texts, more than Dozor reads; "
    "nothing was imported. Save it as CSV or split it."
)
MSG_XLSX_ROW_BYTES = _(
    "%(file)s: a row of the sheet takes more than %(limit)s MB, more than Dozor reads; nothing "
    "was imported."
)
MSG_XLSX_ROW_CELLS = _(
    "%(file)s: row %(row)s of the sheet has more than %(limit)s cells, more than a spreadsheet "
    "has columns; nothing was imported."
)
MSG_XLSX_ROWS = _(
    "%(file)s: the sheet has more than %(limit)s rows, more than a spreadsheet has; nothing was "
    "imported."
)
MSG_XLSX_CELLS = _(
    "%(file)s: the sheet holds more than %(limit)s cells, more than Dozor reads; nothing was "
    "imported. Save it as CSV or split it."
)


class WorkbookTooLarge(Exception):
    """A workbook beyond a limit. Not a ValueError: openpyxl rewraps those as unreadable XML."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _BoundedPart(io.RawIOBase):
    """A part of the archive as it is read, counted against the limits."""

    def __init__(self, raw: IO[bytes], *, archive: BoundedArchive, part: str) -> None:
        super().__init__()
        self._raw = raw
        self._archive = archive
        self._part = part
        self._read = 0
        self._since_row_end = 0
        self._rows = part in archive.sheets

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        self._count(data)
        buffer[: len(data)] = data
        return len(data)

    def _count(self, data: bytes) -> None:
        archive = self._archive
        self._read += len(data)
        archive.unpacked += len(data)
        if archive.unpacked > XLSX_MAX_UNPACKED_BYTES:
            raise archive.too_large(MSG_XLSX_UNPACKED, limit=XLSX_MAX_UNPACKED_BYTES // MB)
        if self._part == archive.shared_strings and self._read > XLSX_MAX_SHARED_STRINGS_BYTES:
            raise archive.too_large(
                MSG_XLSX_SHARED_STRINGS_BYTES, limit=XLSX_MAX_SHARED_STRINGS_BYTES // MB
            )
        if self._rows:
            end = data.rfind(_ROW_END)
            self._since_row_end = (
                self._since_row_end + len(data) if end < 0 else len(data) - end - len(_ROW_END)
            )
            if self._since_row_end > XLSX_MAX_ROW_BYTES:
                raise archive.too_large(MSG_XLSX_ROW_BYTES, limit=XLSX_MAX_ROW_BYTES // MB)

    def close(self) -> None:
        self._raw.close()
        super().close()


class BoundedArchive(zipfile.ZipFile):
    """The workbook's ZIP archive, refusing to unpack beyond the limits."""

    def __init__(self, source: Path | IO[bytes], *, file: str) -> None:
        super().__init__(source)
        self.file = file
        self.unpacked = 0
        self.shared_strings = ""
        self.sheets: set[str] = set()
        if sum(info.file_size for info in self.infolist()) > XLSX_MAX_UNPACKED_BYTES:
            raise self.too_large(MSG_XLSX_UNPACKED, limit=XLSX_MAX_UNPACKED_BYTES // MB)

    def too_large(self, message: Any, **params: Any) -> WorkbookTooLarge:
        return WorkbookTooLarge(str(message) % {"file": self.file, **params})

    def open(
        self, name: Any, mode: Any = "r", pwd: bytes | None = None, **kwargs: Any
    ) -> IO[bytes]:
        handle = super().open(name, mode, pwd, **kwargs)
        if mode != "r":
            return handle
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        part = info.filename
        if part == self.shared_strings and info.file_size > XLSX_MAX_SHARED_STRINGS_BYTES:
            handle.close()
            raise self.too_large(
                MSG_XLSX_SHARED_STRINGS_BYTES, limit=XLSX_MAX_SHARED_STRINGS_BYTES // MB
            )
        if info.file_size > XLSX_RATIO_FROM_BYTES and (
            info.file_size > XLSX_MAX_RATIO * max(info.compress_size, 1)
        ):
            handle.close()
            raise self.too_large(
                MSG_XLSX_RATIO,
                part=part,
                ratio=info.file_size // max(info.compress_size, 1),
                limit=XLSX_MAX_RATIO,
            )
        return io.BufferedReader(_BoundedPart(handle, archive=self, part=part))


class _BoundedExcelReader(ExcelReader):
    """openpyxl's reader over a bounded archive, counting the shared strings as it reads them."""

    archive: BoundedArchive

    def read_strings(self) -> None:
        content_type = self.package.find(SHARED_STRINGS)  # type: ignore[no-untyped-call]
        if content_type is None:
            return
        self.archive.shared_strings = content_type.PartName[1:]
        strings: list[str] = []
        with self.archive.open(self.archive.shared_strings) as source:
            context = iterparse(source, events=("start", "end"))
            root = None
            for event, node in context:
                if root is None:
                    root = node
                if event != "end" or node.tag != _STRING_TAG:
                    continue
                if len(strings) >= XLSX_MAX_SHARED_STRINGS:
                    raise self.archive.too_large(
                        MSG_XLSX_SHARED_STRINGS_COUNT, limit=XLSX_MAX_SHARED_STRINGS
                    )
                # As openpyxl's read_string_table does, then drop the element from the tree.
                text: Any = Text.from_tree(node)
                strings.append(text.content.replace("x005F_", ""))
                root.clear()
        self.shared_strings = strings

    def read_worksheets(self) -> None:
        # openpyxl's read-only branch, with sheets that look for their dimensions cheaply.
        # (openpyxl's stubs do not know the private parts this touches, hence Any.)
        found: Any = self.parser.find_sheets()
        workbook: Any = self.wb
        for sheet, relation in found:
            if relation.target not in self.valid_files:
                continue
            self.archive.sheets.add(relation.target)
            if "chartsheet" in relation.Type:
                self.read_chartsheet(sheet, relation)
                continue
            worksheet = _BoundedWorksheet(
                workbook, sheet.name, relation.target, self.shared_strings
            )
            worksheet.sheet_state = sheet.state
            workbook._sheets.append(worksheet)


class _BoundedWorksheet(ReadOnlyWorksheet):
    def _get_size(self) -> None:
        """The dimensions the sheet declares before its rows, if it does."""
        this: Any = self
        with this._get_source() as source:
            for event, element in iterparse(source, events=("start", "end")):
                if event == "start" and element.tag == DATA_TAG:
                    return
                if event == "end" and element.tag == DIMENSION_TAG:
                    dimension: Any = SheetDimension.from_tree(element)
                    if dimension.boundaries is not None:
                        this._min_column, this._min_row, this._max_column, this._max_row = (
                            dimension.boundaries
                        )
                    return


def workbook_open(source: Path | bytes, *, file: str) -> Workbook:
    """Open a workbook read-only (formulas give their last value) within the limits.

    Raises WorkbookTooLarge beyond a limit, and whatever openpyxl and zipfile raise for a file
    that is not a workbook.
    """

    def opened() -> Path | IO[bytes]:
        return io.BytesIO(source) if isinstance(source, bytes) else source

    archive = BoundedArchive(opened(), file=file)
    try:
        reader = _BoundedExcelReader(opened(), read_only=True, data_only=True, keep_links=False)
        reader.archive.close()
        reader.archive = archive
        reader.valid_files = archive.namelist()
        reader.read()
    except BaseException:
        archive.close()
        raise
    workbook: Workbook = reader.wb
    return workbook
