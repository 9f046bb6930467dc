"""What a file says of itself beyond its content, read for those who may open it and removed from
every copy that leaves Dozor.

A phone's photo carries where it was taken (GPS), on which device, when and with which software;
a PDF carries who wrote it and with what. Inside Dozor that is part of the evidence; outside it
(a download without metadata, a dossier) it can lead to the person who took the photo or to the
place a victim hides. The original is never changed: a clean copy is made in memory, each time
it is asked for.

- Photos (JPEG, PNG, WebP, GIF, TIFF) are decoded by Pillow and encoded again from their pixels
  alone, turned upright first (the orientation was metadata too): no EXIF (GPS, device, time),
  no XMP, no IPTC, no comments, no text chunks. The colour profile stays, as it describes
  colours and not a device or a place. A GIF or a TIFF becomes a PNG of its first frame or page.
- PDFs lose their document information (author, creator, producer, dates) and their XMP, the
  document's and each page's; the pages are copied as they are, so what is in a page (an
  embedded photo's own EXIF) stays.
- Other types (HEIC, office documents, audio, video) are left as they are: no clean copy is
  made of them, and none is embedded anywhere.

Clean copies and readings are made in memory from the whole file, so they are offered for files
of at most CLEAN_MAX_BYTES.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

CLEAN_MAX_BYTES = 100 * 2**20
# Pillow's format name for each type it cleans, and the format of the clean copy.
IMAGE_FORMATS = {
    "image/jpeg": ("JPEG", "image/jpeg"),
    "image/png": ("PNG", "image/png"),
    "image/webp": ("WEBP", "image/webp"),
    "image/gif": ("GIF", "image/png"),
    "image/tiff": ("TIFF", "image/png"),
}
PDF = "application/pdf"
CLEANABLE = frozenset([*IMAGE_FORMATS, PDF])
SAVE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
# The modes Pillow writes to each clean format without converting.
KEPT_MODES = {
    "JPEG": ("RGB", "L", "CMYK"),
    "PNG": ("RGB", "RGBA", "L", "LA", "I;16"),
    "WEBP": ("RGB", "RGBA"),
}
JPEG_QUALITY = 95

MSG_NOT_CLEANABLE = _(
    "Dozor cannot remove the metadata of %(type)s files, so it makes no copy of them without it."
)
MSG_TOO_LARGE_TO_CLEAN = _(
    "This file is larger than %(limit)s MB, the most Dozor reads whole to remove its metadata."
)
MSG_UNREADABLE = _("This file cannot be read as %(type)s: %(error)s")


class MetadataError(ValueError):
    """A file whose metadata cannot be read or removed; the message says why, for its reader."""


@dataclass(frozen=True)
class Metadata:
    """What a file says of where, when, on what and by whom it was made."""

    latitude: float | None = None
    longitude: float | None = None
    altitude: float | None = None
    make: str = ""
    model: str = ""
    taken: str = ""
    software: str = ""
    # Everything else found, as (name, value) in the order read: an author, a title, a comment,
    # that XMP is present.
    other: list[tuple[str, str]] = field(default_factory=list)

    @property
    def has_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def is_empty(self) -> bool:
        return not (
            self.has_position
            or self.make
            or self.model
            or self.taken
            or self.software
            or self.other
        )


def can_clean(media_type: str) -> bool:
    return media_type in CLEANABLE


def _check_size(data: bytes) -> None:
    if len(data) > CLEAN_MAX_BYTES:
        raise MetadataError(MSG_TOO_LARGE_TO_CLEAN % {"limit": CLEAN_MAX_BYTES // 2**20})


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).strip("\x00 ").strip()


def _degrees(value: Any, reference: Any) -> float | None:
    """Degrees, minutes and seconds as EXIF keeps them, as signed decimal degrees."""
    try:
        degrees, minutes, seconds = (Fraction(str(float(part))) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    decimal = float(degrees + minutes / 60 + seconds / 3600)
    return -decimal if _text(reference).upper() in ("S", "W") else decimal


def _image_metadata(image: Image.Image) -> Metadata:
    exif = image.getexif()
    details = exif.get_ifd(ExifTags.IFD.Exif)
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    latitude = longitude = altitude = None
    if ExifTags.GPS.GPSLatitude in gps and ExifTags.GPS.GPSLongitude in gps:
        latitude = _degrees(gps[ExifTags.GPS.GPSLatitude], gps.get(ExifTags.GPS.GPSLatitudeRef))
        longitude = _degrees(gps[ExifTags.GPS.GPSLongitude], gps.get(ExifTags.GPS.GPSLongitudeRef))
    if ExifTags.GPS.GPSAltitude in gps:
        try:
            altitude = float(gps[ExifTags.GPS.GPSAltitude])
        except (TypeError, ValueError, ZeroDivisionError):
            altitude = None
    other = [
        (name, _text(exif[tag]))
        for tag, name in (
            (ExifTags.Base.Artist, "Artist"),
            (ExifTags.Base.Copyright, "Copyright"),
            (ExifTags.Base.ImageDescription, "ImageDescription"),
            (ExifTags.Base.HostComputer, "HostComputer"),
        )
        if tag in exif and _text(exif[tag])
    ]
    for tag, name in ((ExifTags.Base.BodySerialNumber, "BodySerialNumber"),):
        if tag in details and _text(details[tag]):
            other.append((name, _text(details[tag])))
    if image.info.get("comment"):
        other.append(("Comment", _text(image.info["comment"])))
    if image.info.get("xmp") or image.info.get("XML:com.adobe.xmp"):
        other.append(("XMP", str(_("present"))))
    for key, value in getattr(image, "text", {}).items():
        if key != "XML:com.adobe.xmp":
            other.append((str(key), _text(value)))
    if gps and latitude is None:
        other.append(("GPS", str(_("present, without a position"))))
    return Metadata(
        latitude=latitude,
        longitude=longitude,
        altitude=altitude,
        make=_text(exif.get(ExifTags.Base.Make, "")),
        model=_text(exif.get(ExifTags.Base.Model, "")),
        taken=_text(
            details.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime, "")
        ),
        software=_text(exif.get(ExifTags.Base.Software, "")),
        other=other,
    )


def _pdf_metadata(data: bytes) -> Metadata:
    # pypdf is needed only for PDFs; it is imported here so that reading a photo does not
    # load it.
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        info: Mapping[Any, Any] = reader.metadata or {}
        has_xmp = "/Metadata" in reader.root_object
    except (PdfReadError, ValueError, KeyError) as error:
        raise MetadataError(MSG_UNREADABLE % {"type": "PDF", "error": error}) from None
    values = {str(key).lstrip("/"): _text(value) for key, value in info.items()}
    other = [
        (name, values[name])
        for name in ("Author", "Title", "Subject", "Keywords", "Producer", "ModDate")
        if values.get(name)
    ]
    if has_xmp:
        other.append(("XMP", str(_("present"))))
    return Metadata(
        taken=values.get("CreationDate", ""),
        software=values.get("Creator", ""),
        other=other,
    )


def metadata_read(data: bytes, media_type: str) -> Metadata | None:
    """The metadata of a photo or a PDF (None for the types Dozor does not read)."""
    if media_type == PDF:
        _check_size(data)
        return _pdf_metadata(data)
    if media_type not in IMAGE_FORMATS:
        return None
    _check_size(data)
    with _image(data, media_type) as image:
        return _image_metadata(image)


def _image(data: bytes, media_type: str) -> Image.Image:
    pillow_format, _clean_type = IMAGE_FORMATS[media_type]
    try:
        return Image.open(io.BytesIO(data), formats=[pillow_format])
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError) as error:
        raise MetadataError(MSG_UNREADABLE % {"type": pillow_format, "error": error}) from None


def clean_copy(data: bytes, media_type: str, *, max_side: int | None = None) -> tuple[bytes, str]:
    """A copy of the file without its metadata, and the copy's type; a photo is scaled down to
    fit ``max_side`` pixels when given (a PDF never is).

    Raises MetadataError for a type Dozor does not clean, a file too large to clean in memory,
    or one that does not read as its type."""
    if not can_clean(media_type):
        raise MetadataError(MSG_NOT_CLEANABLE % {"type": media_type})
    _check_size(data)
    if media_type == PDF:
        return _clean_pdf(data), PDF
    return _clean_image(data, media_type, max_side)


def _clean_image(data: bytes, media_type: str, max_side: int | None) -> tuple[bytes, str]:
    _pillow_format, clean_type = IMAGE_FORMATS[media_type]
    save_format = SAVE_FORMATS[clean_type]
    with _image(data, media_type) as image:
        try:
            upright = ImageOps.exif_transpose(image)
            profile = image.info.get("icc_profile")
            if upright.mode not in KEPT_MODES[save_format]:
                transparent = upright.mode in ("RGBA", "LA", "PA") or (
                    "transparency" in upright.info
                )
                upright = upright.convert("RGBA" if transparent else "RGB")
            if save_format == "JPEG" and upright.mode == "RGBA":
                upright = upright.convert("RGB")
            # A new image of the pixels alone: nothing of the original's info or EXIF rides
            # along into the encoder.
            pixels = Image.frombytes(upright.mode, upright.size, upright.tobytes())
            if max_side is not None:
                pixels.thumbnail((max_side, max_side))
        except (OSError, ValueError, Image.DecompressionBombError) as error:
            raise MetadataError(
                MSG_UNREADABLE % {"type": image.format or media_type, "error": error}
            ) from None
    out = io.BytesIO()
    options: dict[str, Any] = {}
    if profile:
        options["icc_profile"] = profile
    if save_format in ("JPEG", "WEBP"):
        options["quality"] = JPEG_QUALITY
    pixels.save(out, format=save_format, **options)
    return out.getvalue(), clean_type


def _clean_pdf(data: bytes) -> bytes:
    # pypdf is needed only for PDFs (see _pdf_metadata).
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PdfReadError
    from pypdf.generic import NameObject

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise MetadataError(MSG_UNREADABLE % {"type": "PDF", "error": _("it is encrypted")})
        writer = PdfWriter(clone_from=reader)
    except (PdfReadError, ValueError, KeyError) as error:
        raise MetadataError(MSG_UNREADABLE % {"type": "PDF", "error": error}) from None
    writer.metadata = None
    for holder in [writer.root_object, *writer.pages]:
        for key in ("/Metadata", "/PieceInfo"):
            if NameObject(key) in holder:
                del holder[NameObject(key)]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
