"""Response notes, the raise list, the dialogue and dossiers name victims only for those who
may see names; everyone else reads the same texts with the names taken out."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from dozor.records.models import Incident
from tests.conftest import Cast
from tests.named import named_incident, named_responses, names_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(cast: Cast) -> Incident:
    incident = named_incident(cast.organisation, user=cast.owner)
    named_responses(incident, cast.owner)
    return incident


def body(cast: Cast, who: str, url: str, **query: str) -> str:
    response = cast.client(who).get(url, query)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "dossier.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_a_reader_sees_response_notes_and_the_dialogue_without_names(
    cast: Cast, incident: Incident
) -> None:
    page = body(cast, "reader", reverse("responses:timeline", args=[incident.reference]))
    assert names_in(page) == []
    assert "приняли только с третьего раза" in page and "is under review" in page


def test_a_reader_sees_the_raise_list_reason_without_names(cast: Cast, incident: Incident) -> None:
    page = body(cast, "reader", reverse("responses:raise_list"))
    assert names_in(page) == []
    assert "стоит год" in page


def test_the_owner_reads_the_dialogue_whole(cast: Cast, incident: Incident) -> None:
    page = body(cast, "owner", reverse("responses:timeline", args=[incident.reference]))
    assert "Каримзоды" in page and "Farkhod Karimzoda" in page


def test_a_dossier_for_a_reader_who_asks_for_names_has_none_in_its_text(
    cast: Cast, incident: Incident
) -> None:
    page = body(cast, "reader", reverse("responses:dossier"), ref=incident.reference, names="1")
    assert names_in(page) == []
    assert "ножевые ранения" in page


def test_a_dossier_printed_without_names_leaves_them_out_of_the_summary_and_dialogue(
    cast: Cast, incident: Incident
) -> None:
    page = body(cast, "owner", reverse("responses:dossier"), ref=incident.reference)
    assert names_in(page) == []


def test_a_dossier_printed_with_names_by_the_owner_has_them(cast: Cast, incident: Incident) -> None:
    page = body(cast, "owner", reverse("responses:dossier"), ref=incident.reference, names="1")
    assert "Каримзоде" in page and "Каримзоды" in page


def test_a_dossier_pdf_for_a_reader_has_no_name_in_its_text(
    cast: Cast, incident: Incident, tmp_path: Path
) -> None:
    response = cast.client("reader").get(
        reverse("responses:dossier"), {"ref": incident.reference, "format": "pdf"}
    )
    assert response.status_code == 200
    text = pdf_text(response.content, tmp_path)
    assert "ножевые" in text
    assert names_in(text) == []
