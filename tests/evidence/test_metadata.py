"""Metadata of evidence files, through the attachment page and the download without metadata:
shown to those who may open the file, gone from every copy that leaves Dozor (GPS first)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import ExifTags, Image
from pypdf import PdfReader

from dozor.audit.models import Action, AuditEntry
from dozor.evidence.metadata import Metadata, MetadataError, clean_copy, metadata_read
from dozor.evidence.models import Attachment
from tests.conftest import Cast
from tests.evidence.conftest import (
    CAMERA_MODEL,
    attach,
    downloaded,
    gps_exif,
    jpeg_with_gps,
    pdf_with_author,
    png_with_gps,
)

MARKER = b"comment-names-the-photographer"
AUTHOR = "Doctor Ivanova"


def _kept(cast: Cast, name: str, content: bytes, **fields: str) -> Attachment:
    attach(cast.client("owner"), cast.incident, (name, content), **fields)
    return Attachment.objects.latest("pk")


def _no_metadata(image: Image.Image) -> None:
    exif = image.getexif()
    assert dict(exif) == {}
    assert dict(exif.get_ifd(ExifTags.IFD.GPSInfo)) == {}
    assert "comment" not in image.info and "xmp" not in image.info


def test_the_attachment_page_shows_where_and_on_what_a_photo_was_taken(cast: Cast) -> None:
    attachment = _kept(cast, "photo.jpg", jpeg_with_gps(MARKER))
    page = cast.client("colleague").get(reverse("evidence:attachment_detail", args=[attachment.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "59.933333, 30.300000" in html
    assert CAMERA_MODEL in html
    assert MARKER.decode() in html
    assert AuditEntry.objects.filter(
        action=Action.VIEW, target_id=str(attachment.pk), changes__read="metadata"
    ).exists()


def test_who_may_not_open_the_file_sees_no_metadata(cast: Cast) -> None:
    attachment = _kept(cast, "photo.jpg", jpeg_with_gps(MARKER))
    url = reverse("evidence:attachment_detail", args=[attachment.pk])
    assert cast.client("reader").get(url).status_code == 403
    assert cast.client("outsider").get(url).status_code == 404
    assert not AuditEntry.objects.filter(action=Action.VIEW).exists()


def test_a_photo_downloaded_without_metadata_has_no_gps_device_or_comment(cast: Cast) -> None:
    photo = jpeg_with_gps(MARKER)
    attachment = _kept(cast, "photo.jpg", photo)
    answer = cast.client("owner").get(reverse("evidence:download_clean", args=[attachment.pk]))
    assert answer.status_code == 200
    assert answer["Content-Type"] == "image/jpeg"
    assert "photo-no-metadata.jpg" in answer["Content-Disposition"]
    copy = downloaded(answer)
    assert MARKER not in copy and CAMERA_MODEL.encode() not in copy and b"Exif" not in copy
    with Image.open(io.BytesIO(copy)) as image:
        _no_metadata(image)
        assert image.size == (16, 12)
    # The original stays as it was received.
    assert (
        downloaded(cast.client("owner").get(reverse("evidence:download", args=[attachment.pk])))
        == photo
    )


def test_a_png_downloaded_without_metadata_has_no_gps(cast: Cast) -> None:
    attachment = _kept(cast, "screen.png", png_with_gps())
    answer = cast.client("owner").get(reverse("evidence:download_clean", args=[attachment.pk]))
    with Image.open(io.BytesIO(downloaded(answer))) as image:
        _no_metadata(image)
        assert image.mode == "RGBA"


def test_a_pdf_downloaded_without_metadata_names_no_author(cast: Cast) -> None:
    attachment = _kept(cast, "справка.pdf", pdf_with_author(AUTHOR), kind="medical")
    original = PdfReader(
        io.BytesIO(
            downloaded(cast.client("owner").get(reverse("evidence:download", args=[attachment.pk])))
        )
    )
    assert original.metadata is not None and original.metadata.author == AUTHOR
    answer = cast.client("owner").get(reverse("evidence:download_clean", args=[attachment.pk]))
    copy = PdfReader(io.BytesIO(downloaded(answer)))
    assert copy.metadata is None or not copy.metadata.author
    assert "/Metadata" not in copy.root_object
    assert "Справка о побоях" in copy.pages[0].extract_text()


def test_a_download_without_metadata_is_an_export_in_the_audit_trail(cast: Cast) -> None:
    attachment = _kept(cast, "photo.jpg", jpeg_with_gps())
    cast.client("colleague").get(reverse("evidence:download_clean", args=[attachment.pk]))
    entry = AuditEntry.objects.get(action=Action.EXPORT, target_id=str(attachment.pk))
    assert entry.actor == "colleague"
    assert entry.changes["export"] == "download"
    assert entry.changes["sha256"] == attachment.sha256
    assert entry.changes["copy_sha256"] != attachment.sha256


def test_a_type_dozor_cannot_clean_is_refused_with_the_reason(cast: Cast) -> None:
    recording = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 200
    attachment = _kept(cast, "threat.mp3", recording, kind="threat")
    assert attachment.media_type == "audio/mpeg"
    answer = cast.client("owner").get(reverse("evidence:download_clean", args=[attachment.pk]))
    assert answer.status_code == 400
    assert "cannot remove the metadata of audio/mpeg" in answer.content.decode()
    assert not AuditEntry.objects.filter(action=Action.EXPORT).exists()


def test_the_clean_download_is_refused_to_who_may_not_open_the_file(cast: Cast) -> None:
    attachment = _kept(cast, "photo.jpg", jpeg_with_gps())
    url = reverse("evidence:download_clean", args=[attachment.pk])
    assert cast.client("reader").get(url).status_code == 403
    assert cast.client("outsider").get(url).status_code == 404


def test_the_attachment_page_shows_a_pdfs_author(cast: Cast) -> None:
    attachment = _kept(cast, "справка.pdf", pdf_with_author(AUTHOR), kind="medical")
    page = cast.client("owner").get(reverse("evidence:attachment_detail", args=[attachment.pk]))
    assert AUTHOR in page.content.decode()
    assert "Clinic records 4.2" in page.content.decode()


@pytest.mark.parametrize(
    ("pillow_format", "media_type", "clean_type"),
    [
        ("WEBP", "image/webp", "image/webp"),
        ("GIF", "image/gif", "image/png"),
        ("TIFF", "image/tiff", "image/png"),
    ],
)
def test_every_photo_type_dozor_cleans_loses_what_it_says_of_itself(
    pillow_format: str, media_type: str, clean_type: str
) -> None:
    """Pillow writes what each format can hold: WebP the whole EXIF with GPS, TIFF the device
    and time in its own tags, GIF a comment."""
    out = io.BytesIO()
    Image.new("RGB", (10, 6), (30, 120, 200)).save(
        out, format=pillow_format, exif=gps_exif(), comment=MARKER
    )
    found = metadata_read(out.getvalue(), media_type)
    assert found is not None and not found.is_empty
    copy, copy_type = clean_copy(out.getvalue(), media_type)
    assert copy_type == clean_type
    assert metadata_read(copy, copy_type) == Metadata()
    with Image.open(io.BytesIO(copy)) as image:
        _no_metadata(image)
        assert image.size == (10, 6)


def test_a_clean_photo_is_turned_upright_as_its_orientation_said() -> None:
    exif = gps_exif()
    exif[ExifTags.Base.Orientation] = 6  # taken with the phone on its side: turn 90° clockwise
    out = io.BytesIO()
    Image.new("RGB", (20, 10), (30, 120, 200)).save(out, format="JPEG", exif=exif)
    copy, _copy_type = clean_copy(out.getvalue(), "image/jpeg")
    with Image.open(io.BytesIO(copy)) as image:
        _no_metadata(image)
        assert image.size == (10, 20)


def test_a_file_that_is_not_what_its_type_says_is_refused_with_the_reason() -> None:
    with pytest.raises(MetadataError, match="cannot be read as JPEG"):
        clean_copy(b"\xff\xd8\xff\xe0 not a photo after all", "image/jpeg")
    with pytest.raises(MetadataError, match="cannot remove the metadata of image/heic"):
        clean_copy(b"anything", "image/heic")
