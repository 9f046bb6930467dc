from __future__ import annotations

import io
from typing import Any

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
