"""Evidence in case dossiers, through the dossier page and `dozor dossier`: each case's files
listed with kind, dates and SHA-256 (names only where the dossier shows names), and the photos
chosen printed from copies without their metadata."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from PIL import ExifTags, Image
from pypdf import PdfReader

from dozor.audit.models import Action, AuditEntry
from dozor.evidence.models import Attachment
from tests.conftest import Cast
from tests.evidence.conftest import attach, jpeg_with_gps, pdf_bytes
from tests.factories import IncidentFactory

DATA_URI = re.compile(r'src="data:(image/[a-z]+);base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture
def files(cast: Cast) -> tuple[Attachment, Attachment]:
    """A photo with GPS in its EXIF and a medical certificate, kept through the incident page."""
    client = cast.client("owner")
    attach(client, cast.incident, ("лицо-потерпевшего.jpg", jpeg_with_gps()), made_on="2024-03-02")
    attach(client, cast.incident, ("справка.pdf", pdf_bytes()), kind="medical")
    photo, certificate = Attachment.objects.order_by("pk")
    return photo, certificate


def _images(reader: PdfReader) -> list[bytes]:
    """The images a PDF holds, each once (WeasyPrint's pages share their resources)."""
    return list({image.name: image.data for page in reader.pages for image in page.images}.values())


def _dossier(cast: Cast, who: str, **query: object) -> str:
    answer = cast.client(who).get(
        reverse("responses:dossier"), {"ref": cast.incident.reference, "format": "html", **query}
    )
    assert answer.status_code == 200, answer.content
    return answer.content.decode()


def test_the_dossier_lists_the_cases_files_with_kinds_dates_and_hashes(
    cast: Cast, files: tuple[Attachment, Attachment]
) -> None:
    photo, certificate = files
    html = _dossier(cast, "owner")
    assert photo.sha256 in html and certificate.sha256 in html
    assert "medical record" in html and "02.03.2024" in html
    assert "лицо-потерпевшего.jpg" not in html
    assert "лицо-потерпевшего.jpg" in _dossier(cast, "owner", names="1")
    assert "лицо-потерпевшего.jpg" not in _dossier(cast, "reader", names="1")
    assert photo.sha256 in _dossier(cast, "reader")


def test_a_chosen_photo_is_printed_without_its_gps_and_its_printing_is_audited(
    cast: Cast, files: tuple[Attachment, Attachment]
) -> None:
    photo, _certificate = files
    html = _dossier(cast, "colleague", image=str(photo.pk))
    ((media_type, encoded),) = DATA_URI.findall(html)
    assert media_type == "image/jpeg"
    with Image.open(io.BytesIO(base64.b64decode(encoded))) as image:
        assert dict(image.getexif()) == {}
        assert dict(image.getexif().get_ifd(ExifTags.IFD.GPSInfo)) == {}
    entry = AuditEntry.objects.get(action=Action.EXPORT, target_id=str(photo.pk))
    assert (entry.actor, entry.changes["export"]) == ("colleague", "dossier")


def test_the_dossier_pdf_carries_the_chosen_photo_without_exif(
    cast: Cast, files: tuple[Attachment, Attachment]
) -> None:
    photo, _certificate = files
    answer = cast.client("owner").get(
        reverse("responses:dossier"),
        {"ref": cast.incident.reference, "format": "pdf", "image": str(photo.pk)},
    )
    assert answer.status_code == 200
    reader = PdfReader(io.BytesIO(answer.content))
    (image,) = _images(reader)
    assert b"Exif" not in image and b"GPS" not in image
    text = "".join("".join(page.extract_text().split()) for page in reader.pages)
    assert photo.sha256 in text


@pytest.mark.parametrize(
    ("who", "problem"),
    [("reader", "you may not open it"), ("owner", "not a photo Dozor can print")],
)
def test_a_photo_that_cannot_be_printed_is_refused_with_the_reason(
    cast: Cast, files: tuple[Attachment, Attachment], who: str, problem: str
) -> None:
    photo, certificate = files
    chosen = photo if who == "reader" else certificate
    answer = cast.client(who).get(
        reverse("responses:dossier"),
        {"ref": cast.incident.reference, "format": "html", "image": str(chosen.pk)},
    )
    assert answer.status_code == 400
    assert problem in answer.content.decode()
    assert "лицо-потерпевшего" not in answer.content.decode()
    assert not AuditEntry.objects.filter(action__in=[Action.EXPORT, Action.PRINT]).exists()


def test_a_photo_of_another_incident_is_not_printed(
    cast: Cast, files: tuple[Attachment, Attachment]
) -> None:
    photo, _certificate = files
    other = IncidentFactory(organisation=cast.organisation)
    answer = cast.client("owner").get(
        reverse("responses:dossier"), {"ref": other.reference, "image": str(photo.pk)}
    )
    assert answer.status_code == 400
    assert f"Attachment {photo.pk} is not a file of the incidents" in answer.content.decode()
    bad = cast.client("owner").get(
        reverse("responses:dossier"), {"ref": other.reference, "image": "first"}
    )
    assert bad.status_code == 400 and "image=first" in bad.content.decode()


def test_dozor_dossier_prints_the_files_and_the_chosen_photo(
    cast: Cast, files: tuple[Attachment, Attachment], tmp_path: Path
) -> None:
    photo, certificate = files
    out = tmp_path / "dossier.pdf"
    call_command(
        "dossier",
        cast.incident.reference,
        "--user",
        "owner",
        "--out",
        str(out),
        "--image",
        str(photo.pk),
        stdout=io.StringIO(),
    )
    reader = PdfReader(out)
    text = "".join("".join(page.extract_text().split()) for page in reader.pages)
    assert photo.sha256 in text and certificate.sha256 in text
    (image,) = _images(reader)
    assert b"Exif" not in image
    with pytest.raises(CommandError, match="not a photo Dozor can print"):
        call_command(
            "dossier",
            cast.incident.reference,
            "--user",
            "owner",
            "--out",
            str(out),
            "--image",
            str(certificate.pk),
        )
