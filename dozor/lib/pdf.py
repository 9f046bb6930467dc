"""HTML to PDF with WeasyPrint, reading no file but those a caller's resolver names.

A printed page links its stylesheet (the Content-Security-Policy allows no inline style). WeasyPrint
asks for every URL the page names through :class:`StaticFetcher`, which answers ``data:`` URLs and
the files the caller's ``resolve`` maps a URL to, and refuses everything else: rendering a PDF never
reaches the network or the rest of the disk whatever a page holds. A page written to a file and
opened from disk has no server to follow its links, so :func:`html_standalone` puts the stylesheets
inside it.

Relative links in a printed page resolve against :data:`PRINT_ORIGIN`, which no network has
(``.invalid`` is reserved); :func:`static_name` tells which of a resolver's static files a URL
names. The Django side (the static file finders, the translated message) is dozor.printing.

WeasyPrint is imported only when a PDF is asked for: it needs Debian's Pango, and the rest of
Dozor runs without it.
"""

from __future__ import annotations

import html as html_escaping
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

MSG_NOT_A_STATIC_FILE = "PDF rendering reads Dozor's own static files only, not {url}"

PRINT_ORIGIN = "https://print.dozor.invalid/"
STYLESHEET_LINK = re.compile(r'<link rel="stylesheet" href="(?P<href>[^"]+)">')

# A printed page's URL -> the file it names, or None for a URL that names none that may be read.
Resolver = Callable[[str], Path | None]


class PdfUnavailable(RuntimeError):
    """PDF rendering cannot run here (WeasyPrint or Pango is missing); ``cause`` says why."""

    def __init__(self, message: str, *, cause: Exception | None = None) -> None:
        super().__init__(message)
        self.cause = cause


def static_name(url: str, *, static_url: str) -> str | None:
    """The static file name a printed page's URL names ("/static/dozor/print/dossier.css" ->
    "dozor/print/dossier.css"), or None for another host or a path outside ``static_url``."""
    parts = urlsplit(html_escaping.unescape(url))
    if parts.scheme not in ("", "http", "https") or (
        parts.netloc and parts.netloc != urlsplit(PRINT_ORIGIN).netloc
    ):
        return None
    marker = "/" + static_url.strip("/") + "/"
    path = unquote(parts.path)
    if marker not in path:
        return None
    return path.split(marker, 1)[1]


def html_standalone(html: str, *, resolve: Resolver) -> str:
    """The page with its linked stylesheets inside it, for a file opened from disk."""

    def inline(match: re.Match[str]) -> str:
        path = resolve(match["href"])
        if path is None:
            return match[0]
        return "<style>\n" + path.read_text(encoding="utf-8") + "</style>"

    return STYLESHEET_LINK.sub(inline, html)


def _fetcher(resolve: Resolver) -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFetcher(URLFetcher):  # type: ignore[misc]
        """The resolver's files and data: URLs (inline SVG images), nothing else."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = resolve(url)
            if path is None:
                raise ValueError(MSG_NOT_A_STATIC_FILE.format(url=url))
            mime = "text/css" if path.suffix == ".css" else "application/octet-stream"
            return URLFetcherResponse(
                url, path.read_bytes(), headers={"Content-Type": mime}, status=200
            )

    return StaticFetcher()


def html_to_pdf(html: str, *, resolve: Resolver) -> bytes:
    """The page as PDF. Raises PdfUnavailable when WeasyPrint cannot run here."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as error:
        raise PdfUnavailable(str(error), cause=error) from error
    document = HTML(string=html, base_url=PRINT_ORIGIN, url_fetcher=_fetcher(resolve))
    return bytes(document.write_pdf())
