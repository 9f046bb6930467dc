"""Small pictures of evidence files: a photo's thumbnail, a PDF's first page.

Made on the server from the original's bytes in memory, never with a script in the browser, and
bounded: an original larger than PREVIEW_SOURCE_MAX_BYTES or an image of more than
PREVIEW_MAX_PIXELS (a decompression bomb: a few kilobytes that claim a picture of billions of
pixels) gets no preview. A thumbnail is drawn onto a new, empty image before it is saved, so
nothing of the original's metadata (EXIF with its GPS position and device, comments, colour
profiles) rides along; the photo's orientation is applied first, so it stands as it was taken.

Plain functions of bytes to bytes: the caching, sealing and audit are the services' (services.py).
"""

from __future__ import annotations

import io
import threading
import warnings
from dataclasses import dataclass

import pypdfium2
from PIL import Image, ImageOps

# The longest side of a preview, in pixels.
PREVIEW_SIDE = 320
# A 50-megapixel photo is previewed; Pillow itself refuses more than twice its own limit.
PREVIEW_MAX_PIXELS = 50_000_000
PREVIEW_SOURCE_MAX_BYTES = 50 * 2**20
# Pillow's names of the image formats Dozor keeps that it can read (HEIC needs a plugin).
IMAGE_FORMATS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
    "image/tiff": "TIFF",
}
PDF = "application/pdf"
PREVIEWABLE = frozenset({*IMAGE_FORMATS, PDF})

MSG_TOO_LARGE = "the file is larger than {limit} MB, the most a preview is made from"
MSG_TOO_MANY_PIXELS = "the image claims {pixels:,} pixels, more than {limit:,}"
MSG_UNREADABLE = "the file cannot be read as {kind}: {error}"
MSG_NO_PAGE = "the PDF has no page"

# PDFium is not thread-safe: one page is rendered at a time in a process.
_PDFIUM = threading.Lock()


class NoPreview(ValueError):
    """Why a file gets no preview (logged and recorded, never shown as an error)."""


@dataclass(frozen=True)
class Rendered:
    data: bytes
    media_type: str


def previewable(media_type: str) -> bool:
    """Whether Dozor makes previews of files of this type at all."""
    return media_type in PREVIEWABLE


def preview_render(data: bytes, media_type: str) -> Rendered:
    """The preview of a file of ``media_type``, or NoPreview saying why there is none."""
    if len(data) > PREVIEW_SOURCE_MAX_BYTES:
        raise NoPreview(MSG_TOO_LARGE.format(limit=PREVIEW_SOURCE_MAX_BYTES // 2**20))
    if media_type == PDF:
        # A page is text and lines: PNG keeps them sharp where JPEG would blur them.
        return _without_metadata(_pdf_first_page(data), png=True)
    if media_type in IMAGE_FORMATS:
        return _without_metadata(_image_thumbnail(data, IMAGE_FORMATS[media_type]), png=False)
    raise NoPreview(f"Dozor makes no preview of {media_type}")


def _image_thumbnail(data: bytes, image_format: str) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # Pillow warns above its limit and raises above twice it; both mean no preview.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[image_format]) as image:
                pixels = image.width * image.height
                if pixels > PREVIEW_MAX_PIXELS:
                    raise NoPreview(
                        MSG_TOO_MANY_PIXELS.format(pixels=pixels, limit=PREVIEW_MAX_PIXELS)
                    )
                # A JPEG is decoded at the smallest scale still larger than the preview.
                image.draft("RGB", (PREVIEW_SIDE * 2, PREVIEW_SIDE * 2))
                upright = ImageOps.exif_transpose(image)
                upright.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
                return upright
    except NoPreview:
        raise
    except (
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise NoPreview(MSG_UNREADABLE.format(kind=image_format, error=error)) from None


def _pdf_first_page(data: bytes) -> Image.Image:
    with _PDFIUM:
        try:
            document = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError as error:
            raise NoPreview(MSG_UNREADABLE.format(kind="PDF", error=error)) from None
        try:
            if len(document) == 0:
                raise NoPreview(MSG_NO_PAGE)
            page = document[0]
            width, height = page.get_size()
            if min(width, height) <= 0:
                raise NoPreview(MSG_UNREADABLE.format(kind="PDF", error="its page has no size"))
            scale = PREVIEW_SIDE / max(width, height)
            bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255))
            page_image: Image.Image = bitmap.to_pil().convert("RGB")
            return page_image
        except pypdfium2.PdfiumError as error:
            raise NoPreview(MSG_UNREADABLE.format(kind="PDF", error=error)) from None
        finally:
            document.close()


def _without_metadata(image: Image.Image, *, png: bool) -> Rendered:
    """The picture alone, on a new image: nothing of the original's info goes with it. A PNG
    when asked or when it has transparency, else a JPEG."""
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    mode = "RGBA" if transparent else "RGB"
    try:
        pixels = image.convert(mode)
    except ValueError as error:
        raise NoPreview(MSG_UNREADABLE.format(kind="an image", error=error)) from None
    clean = Image.new(mode, pixels.size)
    clean.paste(pixels)
    out = io.BytesIO()
    if png or transparent:
        clean.save(out, format="PNG", optimize=True)
        return Rendered(out.getvalue(), "image/png")
    clean.save(out, format="JPEG", quality=80)
    return Rendered(out.getvalue(), "image/jpeg")
