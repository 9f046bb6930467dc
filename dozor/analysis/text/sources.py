"""Press texts as they arrive on disk: text files with a short header, folders, RSS/Atom feeds.

A text file may start with header lines, then a blank line, then the text:

    Date: 2024-03-04
    URL: https://example.org/news/1

"Дата:" and "Ссылка:" are read too. Feeds are parsed from the file's bytes with feedparser, so
nothing is ever fetched from the network.
"""

from __future__ import annotations

import datetime
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import feedparser

TEXT_SUFFIXES = (".txt", ".md")
FEED_SUFFIXES = (".xml", ".rss", ".atom")
HEADER = re.compile(r"^(date|дата|url|link|ссылка|language|язык)\s*:\s*(.*)$", re.I)
HEADER_NAMES = {
    "date": "date",
    "дата": "date",
    "url": "url",
    "link": "url",
    "ссылка": "url",
    "language": "language",
    "язык": "language",
}
MSG_BAD_DATE = "the Date header “{value}” is not a date written YYYY-MM-DD"
MSG_NO_DATE = "no publication date: add a “Date: YYYY-MM-DD” line at the top or pass --published"
MSG_NOT_UTF8 = "not a UTF-8 text file"
MSG_FEED_BROKEN = "not a readable RSS or Atom feed ({problem})"
MSG_ENTRY_NO_DATE = "the entry has no publication date; pass --published"
MSG_ENTRY_EMPTY = "the entry has neither a title nor a text"
MSG_UNKNOWN_SUFFIX = "not a press file: expected {expected}"


class SourceError(ValueError):
    """A file or feed entry cannot be read as a press text; the message says why."""


@dataclass(frozen=True)
class PressItem:
    """One press text with where it came from."""

    origin: str  # the file, or the feed file and the entry's position
    text: str
    published: datetime.date
    url: str = ""
    language: str | None = None


@dataclass(frozen=True)
class ItemFailure:
    origin: str
    reason: str


def parse_text_file(
    content: str, *, origin: str, published: datetime.date | None = None
) -> PressItem:
    """A text with optional header lines; the header's date wins over ``published``."""
    lines = content.replace("\r\n", "\n").split("\n")
    headers: dict[str, str] = {}
    position = 0
    while position < len(lines) and (match := HEADER.match(lines[position].strip())):
        headers[HEADER_NAMES[match.group(1).casefold()]] = match.group(2).strip()
        position += 1
    body = "\n".join(lines[position:]).strip()
    if "date" in headers:
        try:
            published = datetime.date.fromisoformat(headers["date"])
        except ValueError:
            raise SourceError(MSG_BAD_DATE.format(value=headers["date"])) from None
    if published is None:
        raise SourceError(MSG_NO_DATE)
    return PressItem(origin, body, published, headers.get("url", ""), headers.get("language"))


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("p", "br", "div", "li"):
            self.parts.append("\n")


def strip_html(markup: str) -> str:
    parser = _TextOnly()
    parser.feed(markup)
    parser.close()
    text = html.unescape("".join(parser.parts))
    return re.sub(r"\n\s*\n+", "\n\n", re.sub(r"[ \t]+", " ", text)).strip()


def parse_feed(
    content: bytes, *, origin: str, published: datetime.date | None = None
) -> Iterator[PressItem | ItemFailure]:
    """Each entry of an RSS or Atom feed as a press text (title, blank line, text)."""
    feed = feedparser.parse(content)
    if feed.bozo and not feed.entries:
        raise SourceError(MSG_FEED_BROKEN.format(problem=feed.get("bozo_exception", "")))
    for number, entry in enumerate(feed.entries, start=1):
        where = f"{origin}, entry {number}"
        title = strip_html(entry.get("title", ""))
        body = ""
        if entry.get("content"):
            body = strip_html(entry["content"][0].get("value", ""))
        if not body:
            body = strip_html(entry.get("summary", ""))
        text = "\n\n".join(part for part in (title, body) if part)
        if not text:
            yield ItemFailure(where, MSG_ENTRY_EMPTY)
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        date = datetime.date(stamp.tm_year, stamp.tm_mon, stamp.tm_mday) if stamp else published
        if date is None:
            yield ItemFailure(where, MSG_ENTRY_NO_DATE)
            continue
        language = (entry.get("language") or feed.feed.get("language") or "")[:2] or None
        yield PressItem(where, text, date, entry.get("link", ""), language)


def read_path(
    path: Path, *, published: datetime.date | None = None
) -> Iterator[PressItem | ItemFailure]:
    """The press texts of a file, a feed, or every such file in a folder (sorted by name)."""
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file() and child.suffix.casefold() in TEXT_SUFFIXES + FEED_SUFFIXES:
                yield from read_path(child, published=published)
        return
    origin = str(path)
    suffix = path.suffix.casefold()
    try:
        content = path.read_bytes()
    except OSError as error:
        yield ItemFailure(origin, error.strerror or str(error))
        return
    if suffix in FEED_SUFFIXES:
        try:
            yield from parse_feed(content, origin=origin, published=published)
        except SourceError as error:
            yield ItemFailure(origin, str(error))
        return
    if suffix not in TEXT_SUFFIXES:
        expected = ", ".join(TEXT_SUFFIXES + FEED_SUFFIXES)
        yield ItemFailure(origin, MSG_UNKNOWN_SUFFIX.format(expected=expected))
        return
    try:
        yield parse_text_file(content.decode("utf-8"), origin=origin, published=published)
    except UnicodeDecodeError:
        yield ItemFailure(origin, MSG_NOT_UTF8)
    except SourceError as error:
        yield ItemFailure(origin, str(error))
