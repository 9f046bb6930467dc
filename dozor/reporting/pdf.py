"""HTML to PDF with WeasyPrint, shared by dossiers, report cards and annual reports.

WeasyPrint is imported only when a PDF is asked for: it needs Debian's Pango, and the rest of
Dozor runs without it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

MSG_PDF_UNAVAILABLE = _(
    "PDF rendering is not available on this machine: WeasyPrint or Debian's Pango library is "
    "missing (apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core). The HTML "
    "version works without them. (%(error)s)"
)


class PdfUnavailable(RuntimeError):
    """PDF rendering cannot run here."""


def html_to_pdf(html: str) -> bytes:
    """The page as PDF. Raises PdfUnavailable when WeasyPrint cannot run here."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as error:
        raise PdfUnavailable(str(MSG_PDF_UNAVAILABLE % {"error": error})) from error
    return bytes(HTML(string=html).write_pdf())
