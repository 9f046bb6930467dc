from __future__ import annotations

import io

from PIL import Image


def jpeg_bytes(marker: bytes = b"", size: tuple[int, int] = (8, 8)) -> bytes:
    """A small real JPEG photo; ``marker`` rides in a comment segment so that a test can look
    for the photo's own bytes on disk."""
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="JPEG", comment=marker)
    return out.getvalue()


def pdf_bytes(text: str = "Справка о побоях") -> bytes:
    """A one-page PDF, as WeasyPrint makes the dossiers."""
    from weasyprint import HTML

    return HTML(string=f"<p>{text}</p>").write_pdf()
