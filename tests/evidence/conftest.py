from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

# Where the photo says it was taken: 59°56'N 30°18'E, St Petersburg.
GPS_LATITUDE = (59.0, 56.0, 0.0)
GPS_LONGITUDE = (30.0, 18.0, 0.0)
CAMERA_MAKE = "PhoneMaker"
CAMERA_MODEL = "Field Phone 7"


def jpeg_bytes(marker: bytes = b"", size: tuple[int, int] = (8, 8)) -> bytes:
    """A small real JPEG photo; ``marker`` rides in a comment segment so that a test can look
    for the photo's own bytes on disk."""
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="JPEG", comment=marker)
    return out.getvalue()


def gps_exif() -> Image.Exif:
    """EXIF as a phone writes it: where (GPS), on what, when, with which software."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA_MAKE
    exif[ExifTags.Base.Model] = CAMERA_MODEL
    exif[ExifTags.Base.Software] = "Camera 2.1"
    exif[ExifTags.Base.DateTime] = "2024:03:02 23:41:07"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = GPS_LATITUDE
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = GPS_LONGITUDE
    return exif


def jpeg_with_gps(marker: bytes = b"", size: tuple[int, int] = (16, 12)) -> bytes:
    """A JPEG photo whose EXIF says where and on what it was taken, with ``marker`` in its
    comment."""
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, format="JPEG", exif=gps_exif(), comment=marker)
    return out.getvalue()


def png_with_gps(size: tuple[int, int] = (12, 12)) -> bytes:
    """A PNG whose eXIf chunk carries the same GPS position."""
    out = io.BytesIO()
    Image.new("RGBA", size, (30, 120, 200, 128)).save(out, format="PNG", exif=gps_exif())
    return out.getvalue()


def pdf_bytes(text: str = "Справка о побоях") -> bytes:
    """A one-page PDF, as WeasyPrint makes the dossiers."""
    from weasyprint import HTML

    return HTML(string=f"<p>{text}</p>").write_pdf()


def pdf_with_author(author: str, text: str = "Справка о побоях") -> bytes:
    """A one-page PDF whose document information names its author."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(text))))
    writer.add_metadata({"/Author": author, "/Creator": "Clinic records 4.2"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def attach(client: Any, incident: Any, *files: tuple[str, bytes], **fields: Any) -> Any:
    """Files added through the incident page's evidence form, as a documenter adds them."""
    url = reverse("evidence:incident_attach", args=[incident.reference])
    data = {"kind": "photo", "description": "", "made_on": "", **fields}
    data["files"] = [SimpleUploadedFile(name, content) for name, content in files]
    return client.post(url, data, follow=True)


def downloaded(response: Any) -> bytes:
    """The body of a download, streamed or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


def photo_with_gps(marker: bytes = b"", size: tuple[int, int] = (1200, 800)) -> bytes:
    """A JPEG photo as a phone takes it: EXIF with the place (GPS) and an orientation that
    turns it upright (6: rotate 90° clockwise), and ``marker`` in its comment."""
    exif = gps_exif()
    exif[ExifTags.Base.Orientation] = 6
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


def stored_files() -> list[Path]:
    """Every file in the encrypted file store, sealed as it lies on disk."""
    root = Path(settings.DOZOR_FILES)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []
