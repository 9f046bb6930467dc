"""The words of a document kept as evidence find its incident in the incident search: read on
receipt from PDFs and office files, sealed with keyed tokens, searched only by those who see the
organisation's names; a hostile or broken document keeps no text and its upload still stands."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from dozor.audit.models import Action, AuditEntry
from dozor.evidence.models import Attachment
from dozor.records.models import Incident
from tests.conftest import Cast
from tests.evidence.conftest import attach, pdf_bytes
from tests.factories import IncidentFactory
from tests.responses.factories import ResponseEventFactory

OFFICER = "Сидоренко"
REFUSAL = f"Постановление об отказе в возбуждении уголовного дела. Участковый {OFFICER} И. П."
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)


def docx_bytes(document_xml: str) -> bytes:
    """A Word document as Word writes its parts: the content types, then word/document.xml."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("word/document.xml", document_xml)
    return out.getvalue()


def word_document(*paragraphs: str) -> str:
    body = "".join(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" for text in paragraphs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w='
        '"http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )


@pytest.fixture
def incident(cast: Cast) -> Incident:
    """A public incident whose title and summary do not hold the officer's name."""
    return IncidentFactory(
        organisation=cast.organisation, confidentiality="public", title="Нападение", summary=""
    )


def listed(cast: Cast, who: str, query: str, incident: Incident) -> bool:
    response = cast.client(who).get("/incidents/", {"q": query})
    assert response.status_code == 200
    return f"/incidents/{incident.reference}/" in response.content.decode()


def test_a_word_of_a_kept_pdf_finds_its_incident_for_those_who_see_names(
    cast: Cast, incident: Incident
) -> None:
    attach(cast.client("owner"), incident, ("отказ.pdf", pdf_bytes(REFUSAL)), kind="official")
    kept = Attachment.objects.get()
    assert OFFICER in kept.text
    assert listed(cast, "owner", OFFICER, incident)
    assert listed(cast, "owner", f"отказе {OFFICER}", incident)
    assert listed(cast, "colleague", OFFICER.lower(), incident)
    # The incident is public, yet its evidence is searched only where names are seen.
    assert not listed(cast, "reader", OFFICER, incident)
    assert not listed(cast, "outsider", OFFICER, incident)
    assert not listed(cast, "owner", "Петренко", incident)
    reading = AuditEntry.objects.get(target_id=str(kept.pk), action=Action.UPDATE)
    assert reading.changes["characters"] == len(kept.text)


def test_a_word_documents_paragraphs_are_read_and_the_text_lies_sealed(
    cast: Cast, incident: Incident
) -> None:
    document = docx_bytes(word_document("Справка № 17", f"Врач {OFFICER}"))
    attach(cast.client("owner"), incident, ("справка.docx", document), kind="medical")
    kept = Attachment.objects.get()
    assert kept.media_type.endswith("wordprocessingml.document")
    assert kept.text == f"Справка № 17\nВрач {OFFICER}"
    assert listed(cast, "owner", "справка", incident)
    detail = cast.client("owner").get(f"/evidence/{kept.pk}/").content.decode()
    assert f"Врач {OFFICER}" in detail
    if connection.vendor == "sqlite":
        database = Path(settings.DATABASES["default"]["NAME"])
        if database.is_file():
            raw = database.read_bytes()
            assert OFFICER.encode() not in raw
        else:  # the in-memory test database: read every text column as stored
            with connection.cursor() as cursor:
                cursor.execute("SELECT text FROM evidence_attachment")
                (stored,) = cursor.fetchone()
            assert OFFICER not in stored


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(
            '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;">]>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>",
            id="entity-expansion",
        ),
        pytest.param("<w:document>not closed", id="broken-xml"),
    ],
)
def test_a_hostile_or_broken_document_keeps_no_text_and_its_upload_stands(
    cast: Cast, incident: Incident, document: str
) -> None:
    page = attach(cast.client("owner"), incident, ("x.docx", docx_bytes(document)))
    assert "1 file kept as evidence" in page.content.decode()
    assert Attachment.objects.get().text == ""


def test_dozor_evidence_text_reads_documents_kept_before_text_was_read(
    cast: Cast, incident: Incident
) -> None:
    attach(cast.client("owner"), incident, ("отказ.pdf", pdf_bytes(REFUSAL)))
    # A file kept before Dozor read text: its row has none (as after an upgrade).
    kept = Attachment.objects.get()
    kept.text = ""
    kept.save(update_fields=["text"])
    assert not listed(cast, "owner", OFFICER, incident)
    out = io.StringIO()
    call_command("evidence", "text", stdout=out)
    assert "Read 1 documents without text; 1 had text" in out.getvalue()
    assert listed(cast, "owner", OFFICER, incident)


def test_a_word_of_a_response_events_evidence_finds_the_incident(
    cast: Cast, incident: Incident
) -> None:
    event = ResponseEventFactory(incident=incident)
    url = reverse("evidence:event_attach", args=[event.pk])
    cast.client("owner").post(
        url,
        {"kind": "official", "files": [SimpleUploadedFile("отказ.pdf", pdf_bytes(REFUSAL))]},
    )
    assert Attachment.objects.get().response_event == event
    assert listed(cast, "owner", OFFICER, incident)
    assert not listed(cast, "reader", OFFICER, incident)
