"""/api/v1/exports/: the incident list and the ODIHR submission as the web app's downloads give
them to the same person — the same bytes, names only with the grant, each in the audit trail."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dozor.audit.models import Action, AuditEntry
from tests.api.conftest import ApiClient
from tests.conftest import Cast
from tests.named import VICTIM_NAME, names_in
from tests.security.test_names_sweep import readable

pytestmark = pytest.mark.django_db

INCIDENT = {
    "title": "Нападение у гаражей",
    "incident_type": "physical_assault",
    "date_start": "2024-03-02",
    "region": "RU-SPE",
    "injured": 1,
    "confidentiality": "public",
    "biases": [{"motivation": "racist_xenophobic", "indicators": ["perpetrator_statements"]}],
    "people": [{"name": VICTIM_NAME, "sex": "male", "harm": "injured"}],
}


@pytest.fixture
def recorded(cast: Cast, callers: dict[str, ApiClient]) -> str:
    """An incident recorded through the API and marked for the 2024 submission on its page."""
    answer = callers["owner"].post("/api/v1/incidents/", INCIDENT)
    assert answer.status_code == 201, answer.content
    reference: str = answer.json()["reference"]
    marked = cast.client("owner").post(reverse("exports:odihr_mark", args=[reference]), {})
    assert marked.status_code == 302
    return reference


@pytest.mark.parametrize("who", ["owner", "colleague", "reader", "outsider"])
@pytest.mark.parametrize("file_format", ["csv", "json"])
def test_the_incident_list_file_is_the_list_pages_download(
    cast: Cast, recorded: str, callers: dict[str, ApiClient], who: str, file_format: str
) -> None:
    query = {"region": "RU-SPE"}
    answer = callers[who].get(f"/api/v1/exports/incidents/{file_format}/", data=query)
    web = cast.client(who).get(
        reverse("exports:incident_list_download", args=[file_format]), data=query
    )
    assert answer.status_code == web.status_code == 200
    assert answer["Content-Type"] == web["Content-Type"]
    assert b"".join(answer.streaming_content) == b"".join(web.streaming_content)


def test_names_reach_only_those_with_the_grant(
    recorded: str, callers: dict[str, ApiClient], tmp_path: object
) -> None:
    for who, named in (("owner", True), ("reader", False), ("outsider", False)):
        answer = callers[who].get("/api/v1/exports/incidents/json/")
        text = readable(b"".join(answer.streaming_content), answer["Content-Type"], tmp_path)
        assert (VICTIM_NAME in text) == named, who
        if not named:
            assert names_in(text) == []


def test_the_odihr_file_is_the_odihr_pages_download(
    cast: Cast, recorded: str, callers: dict[str, ApiClient]
) -> None:
    for file_format in ("xlsx", "csv"):
        query = {"country": "RU", "year": 2024, "lang": "ru"}
        answer = callers["owner"].get(f"/api/v1/exports/odihr/{file_format}/", data=query)
        web = cast.client("owner").get(
            reverse("exports:odihr_download", args=[file_format]), data=query
        )
        assert answer.status_code == web.status_code == 200, answer.content
        assert answer["Content-Type"] == web["Content-Type"]
        if file_format == "csv":
            assert answer.content == web.content
            assert len(answer.content.decode().splitlines()) == 2  # the header, the incident


def test_bad_filters_or_year_are_a_problem_naming_the_field_and_nothing_is_exported(
    recorded: str, callers: dict[str, ApiClient]
) -> None:
    before = AuditEntry.objects.filter(action=Action.EXPORT).count()
    bad = callers["owner"].get(
        "/api/v1/exports/incidents/csv/", data={"date_from": "2024-05-01", "date_to": "2024-01-01"}
    )
    assert bad.status_code == 400
    assert [e["field"] for e in bad.json()["errors"]] == ["date_to"]
    year = callers["owner"].get("/api/v1/exports/odihr/csv/", data={"year": 1900})
    assert year.status_code == 400
    assert [e["field"] for e in year.json()["errors"]] == ["year"]
    assert callers["owner"].get("/api/v1/exports/incidents/pdf/").status_code == 400
    assert AuditEntry.objects.filter(action=Action.EXPORT).count() == before


def test_each_export_is_in_the_trail_with_the_tokens_name(
    recorded: str, callers: dict[str, ApiClient]
) -> None:
    answer = callers["reader"].get("/api/v1/exports/incidents/csv/")
    b"".join(answer.streaming_content)
    callers["owner"].get("/api/v1/exports/odihr/xlsx/", data={"year": 2024})
    entries = AuditEntry.objects.filter(action=Action.EXPORT).order_by("id")
    assert [(e.actor, e.origin) for e in entries] == [
        ("reader", "api:notebook"),
        ("owner", "api:notebook"),
    ]
