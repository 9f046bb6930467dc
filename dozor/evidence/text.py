"""The words of a document kept as evidence, so that a search finds the incident it proves.

A police refusal, a court decision or a medical certificate names the article, the officer, the
injury: text a documenter searches for. It is read from the sealed original in memory right after
receipt — PDFs with pypdf, Word (DOCX) and OpenDocument text (ODT) from their XML, spreadsheets
(XLSX) with openpyxl — and kept sealed on the attachment, with keyed search tokens of its words
(dozor.security.search), like an incident's summary. Photos, audio, video, old Word files (DOC)
and RTF have no text read.

Reading is bounded: an original over TEXT_SOURCE_MAX_BYTES is not read, a PDF only to its
TEXT_MAX_PAGES-th page, an office file's XML part only when it unpacks to at most
XML_MAX_BYTES (a zip bomb is refused before it is unpacked), and the text kept is cut at
TEXT_MAX_LENGTH characters. A file that cannot be read as its type simply has no text.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Callable, Iterator

import defusedxml.ElementTree as SafeXml

from dozor.evidence.models import TEXT_MAX_LENGTH

logger = logging.getLogger(__name__)

TEXT_SOURCE_MAX_BYTES = 50 * 2**20
TEXT_MAX_PAGES = 300
XML_MAX_BYTES = 20 * 2**20
SPREADSHEET_MAX_CELLS = 100_000

WORD = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
ODF_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


class NoText(Exception):
    """The file's text cannot be read: why, for the log."""


def _pdf(data: bytes) -> Iterator[str]:
    # Imported when a PDF is read: most evidence is photos.
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages[:TEXT_MAX_PAGES]:
        yield page.extract_text() or ""


def _zip_member(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
        if info.file_size > XML_MAX_BYTES:
            raise NoText(f"{name} unpacks to {info.file_size} bytes")
        with archive.open(info) as member:
            return member.read(XML_MAX_BYTES + 1)[:XML_MAX_BYTES]


def _paragraphs(xml: bytes, paragraph: str, run_text: str) -> Iterator[str]:
    root = SafeXml.fromstring(xml)
    for element in root.iter(paragraph):
        yield "".join(node.text or "" for node in element.iter(run_text))


def _docx(data: bytes) -> Iterator[str]:
    yield from _paragraphs(_zip_member(data, "word/document.xml"), f"{WORD}p", f"{WORD}t")


def _odt(data: bytes) -> Iterator[str]:
    root = SafeXml.fromstring(_zip_member(data, "content.xml"))
    for element in root.iter():
        if element.tag in (f"{ODF_TEXT}p", f"{ODF_TEXT}h"):
            yield "".join(element.itertext())


def _xlsx(data: bytes) -> Iterator[str]:
    # Imported when a spreadsheet is read, which few pieces of evidence are.
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        cells = 0
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                cells += len(row)
                if cells > SPREADSHEET_MAX_CELLS:
                    return
                yield " ".join(str(value) for value in row if value is not None)
    finally:
        book.close()


READERS: dict[str, Callable[[bytes], Iterator[str]]] = {
    "application/pdf": _pdf,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _docx,
    "application/vnd.oasis.opendocument.text": _odt,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _xlsx,
}


def text_readable(media_type: str) -> bool:
    return media_type in READERS


def text_read(data: bytes, media_type: str) -> str:
    """The file's text, its paragraphs or pages on lines of their own, at most TEXT_MAX_LENGTH
    characters. Raises NoText when the file is too large or cannot be read as its type."""
    reader = READERS.get(media_type)
    if reader is None:
        raise NoText(f"no text is read from {media_type}")
    if len(data) > TEXT_SOURCE_MAX_BYTES:
        raise NoText(f"larger than {TEXT_SOURCE_MAX_BYTES // 2**20} MB")
    lines: list[str] = []
    length = 0
    try:
        for line in reader(data):
            line = " ".join(line.split())
            if not line:
                continue
            lines.append(line)
            length += len(line) + 1
            if length >= TEXT_MAX_LENGTH:
                break
    except NoText:
        raise
    except Exception as error:
        # A file that is not what its first bytes say breaks each reader its own way.
        raise NoText(f"unreadable as {media_type}: {type(error).__name__}") from error
    return "\n".join(lines)[:TEXT_MAX_LENGTH]
