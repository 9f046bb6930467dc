"""XLSX workbooks written part by part, for tests of what a reader does with hostile files.

A part is a list of pieces, each repeated a number of times; every piece is deflated once (a full
flush makes its compressed form independent of what came before), so a part that unpacks to
half a gigabyte is written in a fraction of a second and weighs about a megabyte, as a real
decompression bomb does. A part can also declare a size other than the one it unpacks to.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"
DOS_DATE_1980 = 0x21
FINAL_EMPTY_BLOCK = b"\x03\x00"


@dataclass
class Part:
    name: str
    pieces: list[tuple[bytes, int]]
    declared_size: int | None = None


def _deflated(piece: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(piece) + compressor.flush(zlib.Z_FULL_FLUSH)


def zip_write(path: Path, parts: list[Part]) -> Path:
    """A ZIP archive of deflated parts, with sizes as each part declares them."""
    central = b""
    with path.open("wb") as out:
        for part in parts:
            crc, size, packed = 0, 0, b""
            for piece, times in part.pieces:
                for _ in range(times):
                    crc = zlib.crc32(piece, crc)
                size += len(piece) * times
                packed += _deflated(piece) * times
            packed += FINAL_EMPTY_BLOCK
            declared = size if part.declared_size is None else part.declared_size
            name = part.name.encode()
            offset = out.tell()
            out.write(
                struct.pack(
                    "<4sHHHHHIIIHH",
                    b"PK\x03\x04",
                    20,
                    0,
                    8,
                    0,
                    DOS_DATE_1980,
                    crc,
                    len(packed),
                    declared,
                    len(name),
                    0,
                )
                + name
            )
            out.write(packed)
            central += (
                struct.pack(
                    "<4sHHHHHHIIIHHHHHII",
                    b"PK\x01\x02",
                    20,
                    20,
                    0,
                    8,
                    0,
                    DOS_DATE_1980,
                    crc,
                    len(packed),
                    declared,
                    len(name),
                    0,
                    0,
                    0,
                    0,
                    0,
                    offset,
                )
                + name
            )
        start = out.tell()
        out.write(central)
        out.write(
            struct.pack(
                "<4sHHHHIIH",
                b"PK\x05\x06",
                0,
                0,
                len(parts),
                len(parts),
                len(central),
                start,
                0,
            )
        )
    return path


def workbook_write(
    path: Path,
    rows: list[list[str]],
    *,
    strings_filler: tuple[bytes, int] | None = None,
    strings_declared_size: int | None = None,
    sheet_pieces: list[tuple[bytes, int]] | None = None,
) -> Path:
    """A one-sheet workbook whose cells are shared strings.

    ``strings_filler`` appends a piece, repeated, to the shared strings; ``sheet_pieces`` are
    written into the sheet's data after the rows.
    """
    strings: dict[str, int] = {}
    sheet_rows = []
    for number, row in enumerate(rows, start=1):
        cells = "".join(
            f'<c r="{chr(65 + column)}{number}" t="s"><v>{strings.setdefault(value, len(strings))}'
            "</v></c>"
            for column, value in enumerate(row)
        )
        sheet_rows.append(f'<row r="{number}">{cells}</row>')
    shared = "".join(f"<si><t>{escape(value)}</t></si>" for value in strings)
    text_parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{TYPES}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{TYPES}.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            f'ContentType="{TYPES}.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" '
            f'Type="{RELATIONS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONS}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{PACKAGE}">'
            f'<Relationship Id="rId1" Type="{RELATIONS}/worksheet" '
            'Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{RELATIONS}/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>'
        ),
    }
    parts = [Part(name, [(text.encode(), 1)]) for name, text in text_parts.items()]
    parts.append(
        Part(
            "xl/worksheets/sheet1.xml",
            [
                (f'<worksheet xmlns="{MAIN}"><sheetData>{"".join(sheet_rows)}'.encode(), 1),
                *(sheet_pieces or []),
                (b"</sheetData></worksheet>", 1),
            ],
        )
    )
    parts.append(
        Part(
            "xl/sharedStrings.xml",
            [
                (f'<sst xmlns="{MAIN}">{shared}'.encode(), 1),
                *([strings_filler] if strings_filler else []),
                (b"</sst>", 1),
            ],
            declared_size=strings_declared_size,
        )
    )
    return zip_write(path, parts)
