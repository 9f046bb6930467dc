"""Evidence on an incident, through the incident page's form and the download link: what is
kept is the file received (SHA-256 equal), sealed on disk, refused with a reason when it is not
evidence or too large, opened only by those who may see names, every step in the audit trail."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import HttpRequest
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.datastructures import MultiValueDict

from dozor.audit.models import Action, AuditEntry
from dozor.evidence.models import Attachment
from dozor.evidence.uploads import SealedUpload
from dozor.security.files import StoredFile
from tests.conftest import Cast
from tests.evidence.conftest import jpeg_bytes, pdf_bytes, stored_files

MARKER = b"injury-photo-7f3a9c"


def _attach(client: Client, cast: Cast, *files: tuple[str, bytes], **fields: Any) -> Any:
    url = reverse("evidence:incident_attach", args=[cast.incident.reference])
    data = {"kind": "photo", "description": "", "made_on": "", **fields}
    data["files"] = [SimpleUploadedFile(name, content) for name, content in files]
    return client.post(url, data, follow=True)


def _store_bytes() -> bytes:
    return b"".join(
        path.read_bytes() for path in Path(settings.DOZOR_FILES).rglob("*") if path.is_file()
    )


def test_a_photo_and_a_pdf_come_back_unchanged_and_lie_sealed_on_disk(cast: Cast) -> None:
    photo, certificate = jpeg_bytes(MARKER), pdf_bytes()
    page = _attach(
        cast.client("owner"),
        cast,
        ("побои.jpg", photo),
        ("справка.pdf", certificate),
        description="Снимок травм",
        made_on="2024-03-02",
    )
    assert "2 files kept as evidence" in page.content.decode()
    kept = {a.media_type: a for a in Attachment.objects.all()}
    assert set(kept) == {"image/jpeg", "application/pdf"}
    assert kept["image/jpeg"].sha256 == hashlib.sha256(photo).hexdigest()
    assert kept["application/pdf"].size == len(certificate)
    assert str(kept["image/jpeg"].made_on) == "2024-03-02"
    assert MARKER not in _store_bytes() and b"JFIF" not in _store_bytes()

    download = cast.client("colleague").get(
        reverse("evidence:download", args=[kept["image/jpeg"].pk])
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == photo
    assert download["Content-Type"] == "image/jpeg"
    assert download["Cache-Control"] == "no-store"
    assert "attachment" in download["Content-Disposition"]


def test_the_incident_page_lists_the_files_with_their_hashes(cast: Cast) -> None:
    photo = jpeg_bytes(MARKER)
    _attach(cast.client("owner"), cast, ("photo.jpg", photo))
    page = cast.client("owner").get(
        reverse("records:incident_detail", args=[cast.incident.reference])
    )
    html = page.content.decode()
    assert hashlib.sha256(photo).hexdigest() in html
    assert "photo.jpg" in html


def test_a_file_that_is_not_evidence_is_refused_by_its_content_not_its_name(cast: Cast) -> None:
    page = _attach(cast.client("owner"), cast, ("photo.jpg", b"MZ\x90\x00" + b"\x00" * 600))
    text = page.content.decode()
    assert "Nothing was kept" in text and "photo.jpg" in text
    assert Attachment.objects.count() == 0
    assert stored_files() == []


def test_one_refused_file_keeps_none_of_the_upload(cast: Cast) -> None:
    page = _attach(
        cast.client("owner"), cast, ("good.jpg", jpeg_bytes()), ("notes.txt", b"plain words " * 40)
    )
    assert "notes.txt" in page.content.decode()
    assert Attachment.objects.count() == 0
    assert stored_files() == []


def test_a_file_over_the_limit_is_refused_and_nothing_of_it_is_stored(
    cast: Cast, settings: Any
) -> None:
    settings.DOZOR_EVIDENCE_FILE_MAX_MB = 1
    large = jpeg_bytes() + b"\x00" * (3 * 2**20)
    page = _attach(cast.client("owner"), cast, ("large.jpg", large))
    assert "larger than 1 MB" in page.content.decode()
    assert Attachment.objects.count() == 0
    assert stored_files() == []


def test_an_upload_over_its_total_limit_keeps_nothing(cast: Cast, settings: Any) -> None:
    settings.DOZOR_EVIDENCE_UPLOAD_MAX_MB = 1
    part = jpeg_bytes() + b"\x00" * (700 * 1024)
    _attach(cast.client("owner"), cast, ("one.jpg", part), ("two.jpg", part))
    assert Attachment.objects.count() == 0
    assert stored_files() == []


def test_a_failed_csrf_check_leaves_nothing_in_the_store(cast: Cast) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.owner)
    answer = client.post(
        reverse("evidence:incident_attach", args=[cast.incident.reference]),
        {"kind": "photo", "files": [SimpleUploadedFile("p.jpg", jpeg_bytes())]},
    )
    assert answer.status_code == 403
    assert stored_files() == []


def test_only_those_who_may_see_names_open_a_file_and_outsiders_do_not_learn_of_it(
    cast: Cast,
) -> None:
    _attach(cast.client("owner"), cast, ("лицо.jpg", jpeg_bytes(MARKER)))
    attachment = Attachment.objects.get()
    url = reverse("evidence:download", args=[attachment.pk])
    assert cast.client("reader").get(url).status_code == 403
    assert cast.client("outsider").get(url).status_code == 404
    assert cast.client("anonymous").get(url).status_code == 302
    page = cast.client("reader").get(
        reverse("records:incident_detail", args=[cast.incident.reference])
    )
    assert "лицо.jpg" not in page.content.decode()
    assert url not in page.content.decode()


def test_who_may_not_change_the_incident_cannot_fill_the_store(cast: Cast) -> None:
    answer = _attach(cast.client("reader"), cast, ("p.jpg", jpeg_bytes()))
    assert answer.status_code == 403
    assert stored_files() == []


def test_receipt_and_every_download_are_in_the_audit_trail(cast: Cast) -> None:
    photo = jpeg_bytes()
    _attach(cast.client("owner"), cast, ("p.jpg", photo))
    attachment = Attachment.objects.get()
    for _ in range(2):
        b"".join(
            cast.client("owner")
            .get(reverse("evidence:download", args=[attachment.pk]))
            .streaming_content
        )
    entries = AuditEntry.objects.filter(
        target_type="evidence.attachment", target_id=str(attachment.pk)
    )
    assert list(entries.values_list("action", flat=True)) == [
        Action.CREATE,
        Action.VIEW_NAMES,
        Action.VIEW_NAMES,
    ]
    assert entries.first().changes["sha256"] == hashlib.sha256(photo).hexdigest()


def test_dozor_evidence_verify_names_a_changed_and_a_missing_file(cast: Cast) -> None:
    _attach(cast.client("owner"), cast, ("a.jpg", jpeg_bytes(b"a")), ("b.jpg", jpeg_bytes(b"b")))
    call_command("evidence", "verify")
    first, second = Attachment.objects.order_by("pk")
    path = next(p for p in stored_files() if p.name.startswith(first.file_id))
    damaged = bytearray(path.read_bytes())
    damaged[-20] ^= 0x01
    path.write_bytes(bytes(damaged))
    next(p for p in stored_files() if p.name.startswith(second.file_id)).unlink()
    with pytest.raises(CommandError, match="2 of 2 evidence files"):
        call_command("evidence", "verify")


def test_the_incident_page_reads_its_evidence_in_one_query_however_many_files(
    cast: Cast,
) -> None:
    page = reverse("records:incident_detail", args=[cast.incident.reference])
    client = cast.client("owner")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page).status_code == 200
        return len(captured)

    _attach(client, cast, ("one.jpg", jpeg_bytes(b"1")))
    one = queries()
    _attach(client, cast, ("two.jpg", jpeg_bytes(b"2")), ("three.jpg", jpeg_bytes(b"3")))
    assert queries() == one


def test_a_missing_file_is_said_before_a_byte_is_sent_and_no_download_is_audited(
    cast: Cast,
) -> None:
    _attach(cast.client("owner"), cast, ("p.jpg", jpeg_bytes()))
    attachment = Attachment.objects.get()
    for path in stored_files():
        path.unlink()
    answer = cast.client("owner").get(reverse("evidence:download", args=[attachment.pk]))
    assert answer.status_code == 500
    assert "dozor evidence verify" in answer.content.decode()
    assert not AuditEntry.objects.filter(
        target_type="evidence.attachment", action=Action.VIEW_NAMES
    ).exists()


def test_an_upload_that_is_already_in_the_store_closes_quietly_at_the_requests_end() -> None:
    """Django closes every uploaded file when a request ends (HttpRequest.close, whose errors
    the response then swallows); one sealed in the store holds no open file to close."""
    stored = StoredFile(file_id="0" * 32, sha256="0" * 64, size=1)
    upload = SealedUpload(name="p.jpg", field_name="files", media_type="image/jpeg", stored=stored)
    request = HttpRequest()
    request._files = MultiValueDict({"files": [upload]})
    request.close()  # raised AttributeError ('NoneType' has no 'close') before
    assert upload.stored == stored
