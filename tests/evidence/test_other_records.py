"""Evidence of reports, response events and raisings, through the same upload form as the
incident's, shown on each record's page; refused to who may not change the record and to other
organisations, with nothing left in the store."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import reverse

from dozor.evidence.models import Attachment
from tests.conftest import Cast
from tests.evidence.conftest import jpeg_bytes
from tests.factories import ReportFactory, SourceListFactory
from tests.responses.factories import RaisingFactory, ResponseEventFactory

KINDS = ("report", "response_event", "raising")


def _target(cast: Cast, kind: str) -> models.Model:
    if kind == "report":
        source_list = SourceListFactory(organisation=cast.organisation)
        report: models.Model = ReportFactory(source_list=source_list)
        return report
    if kind == "response_event":
        event: models.Model = ResponseEventFactory(incident=cast.incident)
        return event
    raising: models.Model = RaisingFactory(organisation=cast.organisation, incident=cast.incident)
    return raising


def _attach_url(target: models.Model, kind: str) -> str:
    name = {"report": "report_attach", "response_event": "event_attach"}.get(kind, f"{kind}_attach")
    return reverse(f"evidence:{name}", args=[target.pk])


def _page(target: Any, kind: str) -> str:
    if kind == "report":
        return reverse("reports:report_detail", args=[target.pk])
    if kind == "response_event":
        return reverse("responses:timeline", args=[target.incident.reference])
    return reverse("responses:raising_edit", args=[target.pk])


def _attach(client: Client, url: str, name: str, content: bytes) -> Any:
    data = {
        "kind": "official",
        "description": "Ответ прокуратуры",
        "made_on": "2009-04-01",
        "files": [SimpleUploadedFile(name, content)],
    }
    return client.post(url, data, follow=True)


def _stored_files() -> list[Path]:
    root = Path(settings.DOZOR_FILES)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_is_kept_as_evidence_of_the_record_and_shown_on_its_page(
    cast: Cast, kind: str
) -> None:
    target = _target(cast, kind)
    photo = jpeg_bytes(b"reply-scan")
    answer = _attach(cast.client("owner"), _attach_url(target, kind), "ответ.jpg", photo)
    assert answer.redirect_chain[-1][0].startswith(_page(target, kind))
    assert "1 file kept as evidence" in answer.content.decode()
    attachment = Attachment.objects.get()
    assert attachment.target() == target
    assert attachment.sha256 == hashlib.sha256(photo).hexdigest()
    assert attachment.organisation == cast.organisation
    page = cast.client("owner").get(_page(target, kind)).content.decode()
    assert "ответ.jpg" in page and attachment.sha256 in page
    assert reverse("evidence:preview", args=[attachment.pk]) in page
    assert _attach_url(target, kind) in page


@pytest.mark.parametrize("kind", KINDS)
def test_another_organisation_cannot_add_evidence_to_the_record(cast: Cast, kind: str) -> None:
    target = _target(cast, kind)
    answer = _attach(cast.client("outsider"), _attach_url(target, kind), "p.jpg", jpeg_bytes())
    assert answer.status_code in (403, 404)
    assert not Attachment.objects.exists()
    assert _stored_files() == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_reader_cannot_add_evidence_to_the_record(cast: Cast, kind: str) -> None:
    target = _target(cast, kind)
    answer = _attach(cast.client("reader"), _attach_url(target, kind), "p.jpg", jpeg_bytes())
    assert answer.status_code == 403
    assert not Attachment.objects.exists()
    assert _stored_files() == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_refused_file_is_named_on_the_records_page(cast: Cast, kind: str) -> None:
    target = _target(cast, kind)
    answer = _attach(cast.client("owner"), _attach_url(target, kind), "notes.jpg", b"words " * 99)
    assert answer.redirect_chain[-1][0].startswith(_page(target, kind))
    assert "Nothing was kept" in answer.content.decode()
    assert "notes.jpg" in answer.content.decode()
    assert _stored_files() == []


def test_each_event_of_a_timeline_has_its_own_panel_with_its_own_files(cast: Cast) -> None:
    first = ResponseEventFactory(incident=cast.incident)
    second = ResponseEventFactory(incident=cast.incident, kind="refusal_to_open")
    _attach(cast.client("owner"), _attach_url(second, "response_event"), "отказ.jpg", jpeg_bytes())
    page = cast.client("owner").get(reverse("responses:timeline", args=[cast.incident.reference]))
    html = page.content.decode()
    assert f'id="evidence-event-{first.pk}"' in html
    assert f'id="evidence-event-{second.pk}"' in html
    assert html.index("отказ.jpg") > html.index(f'id="evidence-event-{second.pk}"')
    assert Attachment.objects.get().response_event == second
