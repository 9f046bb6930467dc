"""Printed pages (dossiers, report cards, annual reports) as PDF or as a standalone HTML file.

The rendering is dozor.lib.pdf, which reads only the files a resolver names; here the resolver is
Django's static file finders and the collected static files, so a printed page reaches Dozor's own
static files and nothing else, and a missing WeasyPrint becomes a message in the reader's
language. A project module, not an app's: the dossier (responses), the report card (evaluation)
and the annual report (reporting) all print through it.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.utils.translation import gettext_lazy as _

from dozor.lib import pdf
from dozor.lib.pdf import PdfUnavailable

__all__ = ["MSG_PDF_UNAVAILABLE", "PdfUnavailable", "html_standalone", "html_to_pdf", "static_file"]

MSG_PDF_UNAVAILABLE = _(
    "PDF rendering is not available on this machine: WeasyPrint or Debian's Pango library is "
    "missing (apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core). The HTML "
    "version works without them. (%(error)s)"
)


def static_file(url: str) -> Path | None:
    """The file behind a static URL of a printed page ("/static/dozor/print/dossier.css", or
    once the files are collected "/static/dozor/print/dossier.1a2b3c4d5e6f.css")."""
    name = pdf.static_name(url, static_url=settings.STATIC_URL)
    if name is None:
        return None
    try:
        found = finders.find(name)
        if isinstance(found, list):
            found = found[0] if found else None
        if not found and staticfiles_storage.exists(name):
            # A collected copy with the hash in its name, in STATIC_ROOT (never outside it).
            found = staticfiles_storage.path(name)
    except SuspiciousFileOperation:
        return None
    return Path(found) if found else None


def html_standalone(html: str) -> str:
    """The page with its linked stylesheets inside it, for a file opened from disk."""
    return pdf.html_standalone(html, resolve=static_file)


def html_to_pdf(html: str) -> bytes:
    """The page as PDF; PdfUnavailable, its message translated, when WeasyPrint cannot run."""
    try:
        return pdf.html_to_pdf(html, resolve=static_file)
    except PdfUnavailable as unavailable:
        message = str(MSG_PDF_UNAVAILABLE % {"error": unavailable.cause or unavailable})
        raise PdfUnavailable(message, cause=unavailable.cause) from unavailable.cause
