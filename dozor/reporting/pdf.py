"""HTML to PDF with WeasyPrint, shared by dossiers, report cards and annual reports.

The print templates carry no inline style (the Content-Security-Policy allows none): each links a
stylesheet from Dozor's static files. WeasyPrint reads that file through :class:`StaticFetcher`,
which serves Dozor's static files and nothing else, so rendering a PDF never reaches the network
or the rest of the disk whatever a page holds. A dossier or report written to a file with
``--out FILE.html`` is opened from disk, where no server answers the link, so
:func:`html_standalone` puts the stylesheet inside it; such a file is never served with the policy.

WeasyPrint is imported only when a PDF is asked for: it needs Debian's Pango, and the rest of
Dozor runs without it.
"""

from __future__ import annotations

import html as html_escaping
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.utils.translation import gettext_lazy as _

MSG_PDF_UNAVAILABLE = _(
    "PDF rendering is not available on this machine: WeasyPrint or Debian's Pango library is "
    "missing (apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core). The HTML "
    "version works without them. (%(error)s)"
)
MSG_NOT_A_STATIC_FILE = "PDF rendering reads Dozor's own static files only, not {url}"

# Relative links in a printed page resolve against this origin, which no network has (.invalid is
# reserved); StaticFetcher answers for it from the static files.
PRINT_ORIGIN = "https://print.dozor.invalid/"
STYLESHEET_LINK = re.compile(r'<link rel="stylesheet" href="(?P<href>[^"]+)">')


class PdfUnavailable(RuntimeError):
    """PDF rendering cannot run here."""


def static_file(url: str) -> Path | None:
    """The file behind a static URL of a printed page ("/static/dozor/print/dossier.css")."""
    parts = urlsplit(html_escaping.unescape(url))
    if parts.scheme not in ("", "http", "https") or (
        parts.netloc and parts.netloc != urlsplit(PRINT_ORIGIN).netloc
    ):
        return None
    marker = "/" + settings.STATIC_URL.strip("/") + "/"
    path = unquote(parts.path)
    if marker not in path:
        return None
    name = path.split(marker, 1)[1]
    try:
        found = finders.find(name)
    except SuspiciousFileOperation:
        return None
    if isinstance(found, list):
        found = found[0] if found else None
    return Path(found) if found else None


def html_standalone(html: str) -> str:
    """The page with its linked stylesheets inside it, for a file opened from disk."""

    def inline(match: re.Match[str]) -> str:
        path = static_file(match["href"])
        if path is None:
            return match[0]
        return "<style>\n" + path.read_text(encoding="utf-8") + "</style>"

    return STYLESHEET_LINK.sub(inline, html)


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFetcher(URLFetcher):  # type: ignore[misc]
        """Dozor's static files and data: URLs (inline SVG images), nothing else."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = static_file(url)
            if path is None:
                raise ValueError(MSG_NOT_A_STATIC_FILE.format(url=url))
            mime = "text/css" if path.suffix == ".css" else "application/octet-stream"
            return URLFetcherResponse(
                url, path.read_bytes(), headers={"Content-Type": mime}, status=200
            )

    return StaticFetcher()


def html_to_pdf(html: str) -> bytes:
    """The page as PDF. Raises PdfUnavailable when WeasyPrint cannot run here."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as error:
        raise PdfUnavailable(str(MSG_PDF_UNAVAILABLE % {"error": error})) from error
    document = HTML(string=html, base_url=PRINT_ORIGIN, url_fetcher=_fetcher())
    return bytes(document.write_pdf())
