"""The custody record of an evidence file, through its URL (page, PDF, JSON) and `dozor evidence
custody`: every access in the audit trail listed with who, when and what, the chain checked, the
record itself an export, and given only to those who may open the file."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Q
from django.urls import reverse
from pypdf import PdfReader

from dozor.audit.models import Action, AuditEntry
from dozor.evidence.models import Attachment
from tests.conftest import Cast
from tests.evidence.conftest import attach, downloaded, jpeg_with_gps


@pytest.fixture
def photo(cast: Cast) -> Attachment:
    """A photo received through the incident page, downloaded twice and once without
    metadata."""
    attach(
        cast.client("owner"), cast.incident, ("побои.jpg", jpeg_with_gps()), made_on="2024-03-02"
    )
    attachment = Attachment.objects.get()
    downloaded(cast.client("owner").get(reverse("evidence:download", args=[attachment.pk])))
    downloaded(cast.client("colleague").get(reverse("evidence:download", args=[attachment.pk])))
    downloaded(
        cast.client("colleague").get(reverse("evidence:download_clean", args=[attachment.pk]))
    )
    return attachment


def _custody(cast: Cast, who: str, attachment: Attachment, file_format: str) -> Any:
    return cast.client(who).get(
        reverse("evidence:custody", args=[attachment.pk]), {"format": file_format}
    )


def test_the_custody_record_lists_the_receipt_every_download_and_its_own_production(
    cast: Cast, photo: Attachment
) -> None:
    answer = _custody(cast, "owner", photo, "json")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    record = json.loads(answer.content)
    assert record["file"]["sha256"] == photo.sha256
    assert record["file"]["size"] == photo.size
    assert record["file"]["made_on"] == "2024-03-02"
    assert record["file"]["received_by"] == "owner"
    assert record["file"]["file_name"] == "побои.jpg"
    assert record["evidence_of"] == {"record": "incident", "reference": cast.incident.reference}
    steps = [(a["who"], a["action"], a["details"].get("export")) for a in record["accesses"]]
    assert steps == [
        ("owner", Action.CREATE, None),
        ("owner", Action.CREATE, None),
        ("owner", Action.VIEW_NAMES, None),
        ("colleague", Action.VIEW_NAMES, None),
        ("colleague", Action.EXPORT, "download"),
        ("owner", Action.EXPORT, "custody"),
    ]
    assert [a["what"] for a in record["accesses"]][:2] == ["received", "preview made from it"]
    assert [a["what"] for a in record["accesses"]][-2:] == [
        "downloaded without metadata",
        "custody record produced",
    ]
    entries = AuditEntry.objects.filter(
        Q(target_type="evidence.attachment", target_id=str(photo.pk))
        | Q(target_type="evidence.preview", target_id=str(photo.preview.pk))
    ).order_by("id")
    assert [a["entry"] for a in record["accesses"]] == [entry.pk for entry in entries]
    assert record["audit_chain"]["all_intact"] is True
    assert record["audit_chain"]["head_entry"] == entries.last().pk


def test_the_custody_pdf_says_the_same_in_its_text(cast: Cast, photo: Attachment) -> None:
    answer = _custody(cast, "colleague", photo, "pdf")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)
    # Table cells wrap their lines: the words are looked for without the spaces between them.
    flat = "".join(text.split())
    assert photo.sha256 in flat
    assert cast.incident.reference in flat
    for words in (
        "received",
        "downloaded (the original)",
        "downloaded without metadata",
        "custody record produced",
    ):
        assert "".join(words.split()) in flat
    assert flat.count("colleague") >= 3


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the trigger refuses the edit")
def test_an_edited_audit_entry_shows_in_the_custody_record(cast: Cast, photo: Attachment) -> None:
    receipt = AuditEntry.objects.get(
        target_type="evidence.attachment", target_id=str(photo.pk), action=Action.CREATE
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET actor = %s WHERE id = %s", ["someone else", receipt.pk]
        )
    record = json.loads(_custody(cast, "owner", photo, "json").content)
    assert record["audit_chain"]["all_intact"] is False
    first = record["accesses"][0]
    assert first["who"] == "someone else"
    assert "does not match its hash" in first["chain"]


@pytest.mark.parametrize("file_format", ["html", "json"])
def test_who_may_not_open_the_file_gets_no_custody_record_and_leaves_no_export(
    cast: Cast, photo: Attachment, file_format: str
) -> None:
    assert _custody(cast, "reader", photo, file_format).status_code == 403
    assert _custody(cast, "outsider", photo, file_format).status_code == 404
    assert not AuditEntry.objects.filter(action=Action.EXPORT, changes__export="custody").exists()


def test_a_format_the_record_is_not_made_in_is_refused_by_name(
    cast: Cast, photo: Attachment
) -> None:
    answer = _custody(cast, "owner", photo, "docx")
    assert answer.status_code == 400
    assert "html, pdf, json, not docx" in answer.content.decode()


def test_dozor_evidence_custody_writes_the_record_for_a_user_who_may_open_it(
    cast: Cast, photo: Attachment, tmp_path: Path
) -> None:
    out = tmp_path / "custody.json"
    call_command(
        "evidence",
        "custody",
        str(photo.pk),
        "--user",
        "colleague",
        "--format",
        "json",
        "--output",
        str(out),
        stdout=io.StringIO(),
    )
    record = json.loads(out.read_text())
    assert record["accesses"][-1]["who"] == "colleague"
    assert record["accesses"][-1]["from"] == "command:evidence"
    pdf = tmp_path / "custody.pdf"
    call_command(
        "evidence",
        "custody",
        str(photo.pk),
        "--user",
        "owner",
        "--output",
        str(pdf),
        stdout=io.StringIO(),
    )
    assert pdf.read_bytes().startswith(b"%PDF")


def test_dozor_evidence_custody_refuses_a_user_who_may_not_open_the_file(
    cast: Cast, photo: Attachment, tmp_path: Path
) -> None:
    out = tmp_path / "custody.json"
    with pytest.raises(CommandError, match="reader may not open this file"):
        call_command(
            "evidence",
            "custody",
            str(photo.pk),
            "--user",
            "reader",
            "--format",
            "json",
            "--output",
            str(out),
        )
    with pytest.raises(CommandError, match="no evidence file with this number"):
        call_command(
            "evidence", "custody", str(photo.pk), "--user", "outsider", "--output", str(out)
        )
    assert not out.exists()


def test_the_incident_page_links_the_custody_record_for_those_who_may_open_the_file(
    cast: Cast, photo: Attachment
) -> None:
    page = reverse("records:incident_detail", args=[cast.incident.reference])
    custody = reverse("evidence:custody", args=[photo.pk])
    assert custody in cast.client("owner").get(page).content.decode()
    assert custody not in cast.client("reader").get(page).content.decode()


def _copy(client: Any, original: Attachment, name: str, content: bytes) -> Any:
    """A redacted copy added on the original's page, as a documenter adds it."""
    url = reverse("evidence:attach_copy", args=[original.pk])
    data = {"kind": "photo", "description": "лицо скрыто", "made_on": ""}
    return client.post(url, {**data, "files": [SimpleUploadedFile(name, content)]}, follow=True)


def test_a_redacted_copy_names_its_original_which_stays_unchanged(
    cast: Cast, photo: Attachment
) -> None:
    page = _copy(cast.client("owner"), photo, "побои-без-лица.jpg", jpeg_with_gps(b"copy"))
    assert "1 file kept as evidence" in page.content.decode()
    copy = Attachment.objects.latest("pk")
    assert copy.derived_from == photo and copy.incident == cast.incident
    assert Attachment.objects.get(pk=photo.pk).sha256 == photo.sha256
    receipt = AuditEntry.objects.get(
        target_type="evidence.attachment", target_id=str(copy.pk), action=Action.CREATE
    )
    assert receipt.changes["copy_of"] == photo.pk
    assert receipt.changes["original_sha256"] == photo.sha256
    detail = cast.client("owner").get(reverse("evidence:attachment_detail", args=[photo.pk]))
    assert reverse("evidence:attachment_detail", args=[copy.pk]) in detail.content.decode()


def test_the_custody_record_names_a_files_copies_and_a_copys_original(
    cast: Cast, photo: Attachment
) -> None:
    _copy(cast.client("owner"), photo, "побои-без-лица.jpg", jpeg_with_gps(b"copy"))
    copy = Attachment.objects.latest("pk")
    record = json.loads(_custody(cast, "owner", photo, "json").content)
    assert [c["sha256"] for c in record["copies"]] == [copy.sha256]
    receipt = next(a for a in record["accesses"] if a["what"].startswith("copy made of it"))
    assert receipt["action"] == Action.CREATE and receipt["who"] == "owner"
    of_copy = json.loads(_custody(cast, "owner", copy, "json").content)
    assert of_copy["derived_from"]["sha256"] == photo.sha256


@pytest.mark.parametrize(("who", "status"), [("reader", 403), ("outsider", 404)])
def test_who_may_not_open_the_original_adds_no_copy_of_it(
    cast: Cast, photo: Attachment, who: str, status: int
) -> None:
    url = reverse("evidence:attach_copy", args=[photo.pk])
    answer = cast.client(who).post(
        url, {"kind": "photo", "files": [SimpleUploadedFile("x.jpg", jpeg_with_gps())]}
    )
    assert answer.status_code == status
    assert Attachment.objects.count() == 1
