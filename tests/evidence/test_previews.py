"""Previews of evidence, through the incident page's upload form and the preview URL: a photo's
thumbnail is a smaller upright picture with none of the photo's metadata, a PDF's first page is
a PNG, a file that cannot be previewed is still kept, and only those who may open the file see
its preview, each viewing in the audit trail."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from dozor.audit.models import Action, AuditEntry
from dozor.evidence import previews
from dozor.evidence.models import Attachment, Preview
from tests.conftest import Cast
from tests.evidence.conftest import jpeg_bytes, pdf_bytes, photo_with_gps, png_claiming

MARKER = b"phone-comment-5b1e"


def _attach(client: Client, cast: Cast, name: str, content: bytes) -> Any:
    url = reverse("evidence:incident_attach", args=[cast.incident.reference])
    data = {
        "kind": "photo",
        "description": "",
        "made_on": "",
        "files": [SimpleUploadedFile(name, content)],
    }
    return client.post(url, data, follow=True)


def _preview(client: Client, attachment: Attachment) -> Any:
    return client.get(reverse("evidence:preview", args=[attachment.pk]))


def _store_bytes() -> bytes:
    root = Path(settings.DOZOR_FILES)
    return b"".join(path.read_bytes() for path in root.rglob("*") if path.is_file())


def test_a_photos_thumbnail_is_smaller_upright_and_carries_no_exif_or_gps(cast: Cast) -> None:
    photo = photo_with_gps(MARKER, size=(1200, 800))
    _attach(cast.client("owner"), cast, "побои.jpg", photo)
    answer = _preview(cast.client("owner"), Attachment.objects.get())
    assert answer.status_code == 200
    assert answer["Content-Type"] == "image/jpeg"
    thumbnail = Image.open(io.BytesIO(answer.content))
    thumbnail.load()
    # Orientation 6 stands the 1200x800 photo upright: taller than wide, 320 pixels at most.
    assert thumbnail.size == (213, 320)
    assert len(thumbnail.getexif()) == 0
    assert b"Exif" not in answer.content and MARKER not in answer.content
    assert "exif" not in thumbnail.info and "icc_profile" not in thumbnail.info


def test_a_pdfs_first_page_is_previewed_as_a_png(cast: Cast) -> None:
    _attach(cast.client("owner"), cast, "справка.pdf", pdf_bytes())
    answer = _preview(cast.client("owner"), Attachment.objects.get())
    assert answer.status_code == 200
    assert answer["Content-Type"] == "image/png"
    page = Image.open(io.BytesIO(answer.content))
    assert page.format == "PNG"
    assert max(page.size) == previews.PREVIEW_SIDE
    # A page of text is mostly white paper, with dark letters on it.
    colours = page.convert("L").getextrema()
    assert colours[1] == 255 and colours[0] < 128


def test_an_image_of_billions_of_pixels_is_kept_without_a_preview(cast: Cast) -> None:
    bomb = png_claiming(40_000, 40_000)
    page = _attach(cast.client("owner"), cast, "bomb.png", bomb)
    assert "1 file kept as evidence" in page.content.decode()
    attachment = Attachment.objects.get()
    answer = _preview(cast.client("owner"), attachment)
    assert answer.status_code == 404
    assert "No preview" in answer.content.decode()
    assert "pixels" in Preview.objects.get(attachment=attachment).missing_because
    incident_page = cast.client("owner").get(
        reverse("records:incident_detail", args=[cast.incident.reference])
    )
    html = incident_page.content.decode()
    assert "no preview" in html
    assert reverse("evidence:preview", args=[attachment.pk]) not in html


def test_an_image_over_the_pixel_limit_that_pillow_would_open_gets_no_preview(
    cast: Cast,
) -> None:
    _attach(cast.client("owner"), cast, "wide.png", png_claiming(9_000, 8_000))
    answer = _preview(cast.client("owner"), Attachment.objects.get())
    assert answer.status_code == 404
    assert "72,000,000" in Preview.objects.get().missing_because


def test_a_preview_that_fails_on_receipt_does_not_fail_the_upload_and_is_made_later(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(data: bytes, media_type: str) -> previews.Rendered:
        raise RuntimeError("the renderer crashed")

    monkeypatch.setattr(previews, "preview_render", broken)
    page = _attach(cast.client("owner"), cast, "p.jpg", jpeg_bytes(size=(640, 480)))
    assert "1 file kept as evidence" in page.content.decode()
    assert not Preview.objects.exists()
    monkeypatch.undo()
    answer = _preview(cast.client("owner"), Attachment.objects.get())
    assert answer.status_code == 200
    assert Image.open(io.BytesIO(answer.content)).size == (320, 240)


def test_the_preview_is_made_once_kept_sealed_and_served_again_from_the_store(
    cast: Cast,
) -> None:
    _attach(cast.client("owner"), cast, "p.jpg", jpeg_bytes(size=(900, 600)))
    attachment = Attachment.objects.get()
    made = Preview.objects.get(attachment=attachment)
    first = _preview(cast.client("owner"), attachment).content
    second = _preview(cast.client("colleague"), attachment).content
    assert first == second
    assert Preview.objects.get(attachment=attachment).file_id == made.file_id
    assert first not in _store_bytes() and first[:64] not in _store_bytes()
    assert AuditEntry.objects.filter(
        target_type="evidence.preview", target_id=str(made.pk), action=Action.CREATE
    ).exists()


def test_who_may_not_open_the_file_gets_no_preview(cast: Cast) -> None:
    _attach(cast.client("owner"), cast, "лицо.jpg", jpeg_bytes(size=(64, 64)))
    attachment = Attachment.objects.get()
    assert _preview(cast.client("reader"), attachment).status_code == 403
    assert _preview(cast.client("outsider"), attachment).status_code == 404
    assert _preview(cast.client("anonymous"), attachment).status_code == 302
    page = cast.client("reader").get(
        reverse("records:incident_detail", args=[cast.incident.reference])
    )
    assert reverse("evidence:preview", args=[attachment.pk]) not in page.content.decode()


def test_the_incident_page_shows_the_preview_beside_the_file_to_who_may_open_it(
    cast: Cast,
) -> None:
    _attach(cast.client("owner"), cast, "p.jpg", jpeg_bytes())
    attachment = Attachment.objects.get()
    page = cast.client("colleague").get(
        reverse("records:incident_detail", args=[cast.incident.reference])
    )
    assert f'<img src="{reverse("evidence:preview", args=[attachment.pk])}"' in (
        page.content.decode()
    )


def test_every_viewing_of_a_preview_is_in_the_audit_trail(cast: Cast) -> None:
    _attach(cast.client("owner"), cast, "p.jpg", jpeg_bytes(size=(64, 64)))
    attachment = Attachment.objects.get()
    for _ in range(2):
        assert _preview(cast.client("colleague"), attachment).status_code == 200
    viewed = AuditEntry.objects.filter(
        target_type="evidence.attachment",
        target_id=str(attachment.pk),
        action=Action.VIEW_NAMES,
    )
    assert viewed.count() == 2
    assert viewed.first().changes["preview"] == Preview.objects.get().sha256


def test_a_preview_answer_is_never_cached_nor_sniffed(cast: Cast) -> None:
    _attach(cast.client("owner"), cast, "p.jpg", jpeg_bytes())
    answer = _preview(cast.client("owner"), Attachment.objects.get())
    assert answer["Cache-Control"] == "no-store"
    assert answer["X-Content-Type-Options"] == "nosniff"


def test_a_file_of_a_type_without_previews_says_no_preview(cast: Cast) -> None:
    wav = b"RIFF" + (36).to_bytes(4, "little") + b"WAVEfmt " + b"\x00" * 600
    _attach(cast.client("owner"), cast, "call.wav", wav)
    attachment = Attachment.objects.get()
    assert attachment.media_type == "audio/x-wav"
    assert _preview(cast.client("owner"), attachment).status_code == 404
    assert not Preview.objects.exists()


def test_a_pdf_over_the_preview_size_limit_is_kept_and_not_opened(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(previews, "PREVIEW_SOURCE_MAX_BYTES", 2**20)
    opened: list[bytes] = []
    monkeypatch.setattr(previews, "_pdf_first_page", lambda data: opened.append(data))
    large = pdf_bytes() + b"\n" * (2 * 2**20)
    page = _attach(cast.client("owner"), cast, "дело.pdf", large)
    assert "1 file kept as evidence" in page.content.decode()
    assert _preview(cast.client("owner"), Attachment.objects.get()).status_code == 404
    assert "larger than 1 MB" in Preview.objects.get().missing_because
    assert opened == []


def test_a_damaged_pdf_is_kept_without_a_preview(cast: Cast) -> None:
    page = _attach(cast.client("owner"), cast, "broken.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 80)
    assert "1 file kept as evidence" in page.content.decode()
    assert _preview(cast.client("owner"), Attachment.objects.get()).status_code == 404
    assert "cannot be read as PDF" in Preview.objects.get().missing_because
