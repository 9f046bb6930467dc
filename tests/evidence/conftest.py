from __future__ import annotations

import io
import struct
import zlib

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


# Where a photo was taken, as a phone writes it: 55°45'07.2"N 37°37'03.0"E.
GPS_LATITUDE = (55.0, 45.0, 7.2)
GPS_LONGITUDE = (37.0, 37.0, 3.0)
ORIENTATION = 0x0112
GPS_IFD = 0x8825


def photo_with_gps(marker: bytes = b"", size: tuple[int, int] = (1200, 800)) -> bytes:
    """A JPEG photo as a phone takes it: EXIF with the place (GPS) and an orientation that
    turns it upright (6: rotate 90° clockwise), and ``marker`` in its comment."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: GPS_LATITUDE, 3: "E", 4: GPS_LONGITUDE})
    out = io.BytesIO()
    Image.new("RGB", size, (180, 40, 40)).save(out, format="JPEG", exif=exif, comment=marker)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A PNG of a few bytes whose header claims ``width`` x ``height`` pixels: a decompression
    bomb, as far as any reader that believes the header is concerned."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )
