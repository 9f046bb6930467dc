"""POST /api/v1/reports/: a partner's records stored through the import path, as its file would
be, once per idempotency key, with the import page's counts, quarantine and audit."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dozor.audit.models import Action, AuditEntry
from dozor.intake.models import ImportBatch, QuarantinedRow
from dozor.records.models import Report, SourceList
from tests.api.conftest import ApiClient
from tests.conftest import Cast
from tests.factories import SourceListFactory

pytestmark = pytest.mark.django_db

# Rows shaped as the demo partner network's workbook has them (English headers, Latin names).
RECORDS = [
    {
        "ID": "PN-2024-001",
        "Date": "2024-03-02",
        "Region": "Sverdlovsk Oblast",
        "City": "Yekaterinburg",
        "Incident type": "Physical assault",
        "Bias motivation": "Racist and xenophobic",
        "Victim 1 name": "Farkhod Karimzoda",
        "Victim 1 gender": "male",
        "Victim 1 age": "34",
        "Killed": "0",
        "Injured": "1",
        "Title": "Assault at a bus stop",
        "Description": "Two men beat Farkhod Karimzoda, shouting slurs.",
        "Source": "Partner monitor",
    },
    {
        "ID": "PN-2024-002",
        "Date": "March 2024",
        "Region": "Krasnodar territory",
        "City": "Sochi",
        "Incident type": "Damage to property",
        "Bias motivation": "Anti-Muslim",
        "Killed": "0",
        "Injured": "0",
        "Title": "Mosque windows broken",
        "Description": "Windows of the mosque were broken at night.",
        "Source": "Local news",
    },
]
# A row the mapping cannot read: the partner wrote something else where the date goes.
UNREADABLE = {**RECORDS[0], "ID": "PN-2024-003", "Date": "весной"}


@pytest.fixture
def partner(cast: Cast) -> SourceList:
    return SourceListFactory(name="Partner network", organisation=cast.organisation)


def upload(
    client: ApiClient, source_list: SourceList, records: list[dict[str, Any]], **kwargs: Any
) -> Any:
    key = kwargs.pop("key", "batch-1")
    body = {"source_list": source_list.pk, "mapping": "demo_partner.yaml", "records": records}
    headers = {"Idempotency-Key": key} if key else {}
    headers.update(kwargs.pop("headers", {}))
    return client.post("/api/v1/reports/", {**body, **kwargs}, headers=headers)


def test_a_partners_records_are_stored_as_reports_with_the_import_pages_counts(
    partner: SourceList, callers: dict[str, ApiClient]
) -> None:
    answer = upload(callers["owner"], partner, [*RECORDS, UNREADABLE])
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["rows"], body["stored"], body["quarantined"]) == (3, 2, 1)
    assert [r["external_id"] for r in body["reports"]] == ["PN-2024-001", "PN-2024-002"]
    assert body["quarantine"][0]["row"] == 3
    assert body["quarantine"][0]["problems"][0]["column"] == "Date"
    assert body["quarantine"][0]["problems"][0]["code"] == "not_date"
    batch = ImportBatch.objects.get(pk=body["batch"])
    assert body["url"].endswith(reverse("intake:import_detail", args=[batch.pk]))
    stored = Report.objects.get(source_list=partner, external_id="PN-2024-001")
    assert stored.payload["Victim 1 name"] == "Farkhod Karimzoda"
    # The stored reports are the Reports list's, as for a file.
    listed = callers["owner"].get(f"/api/v1/reports/?batch={batch.pk}").json()
    assert {row["id"] for row in listed["results"]} == {r["id"] for r in body["reports"]}


def test_records_are_read_as_sent_whatever_encoding_the_mapping_gives_the_partners_file(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    # The NGO's mapping reads its CSV as cp1251; the records come as JSON, in UTF-8.
    ngo = SourceListFactory(name="NGO database", organisation=cast.organisation)
    record = {"№": "17", "Дата": "04.12.2008", "Регион": "Санкт-Петербург", "Тип": "нападение"}
    body = {"source_list": ngo.pk, "mapping": "demo_ngo.yaml", "records": [record]}
    answer = callers["owner"].post("/api/v1/reports/", body, headers={"Idempotency-Key": "ngo"})
    assert answer.status_code == 201, answer.content
    assert (answer.json()["stored"], answer.json()["quarantined"]) == (1, 0)
    assert Report.objects.get(source_list=ngo).fields["region"] == "RU-SPE"


def test_the_same_key_again_stores_nothing_twice_and_answers_the_first_import(
    partner: SourceList, callers: dict[str, ApiClient]
) -> None:
    first = upload(callers["owner"], partner, [*RECORDS, UNREADABLE])
    counts = (Report.objects.count(), ImportBatch.objects.count(), QuarantinedRow.objects.count())
    again = upload(callers["owner"], partner, [*RECORDS, UNREADABLE])
    assert again.status_code == 200, again.content
    assert again.json() == {**first.json(), "replayed": True}
    assert (
        Report.objects.count(),
        ImportBatch.objects.count(),
        QuarantinedRow.objects.count(),
    ) == counts


def test_the_same_key_with_other_records_is_refused_and_stores_nothing(
    partner: SourceList, callers: dict[str, ApiClient]
) -> None:
    upload(callers["owner"], partner, RECORDS[:1])
    reports = Report.objects.count()
    reused = upload(callers["owner"], partner, RECORDS[1:])
    assert reused.status_code == 422, reused.content
    assert "Idempotency-Key" in reused.json()["detail"]
    assert Report.objects.count() == reports


def test_a_batch_without_a_key_is_refused_in_the_callers_language(
    partner: SourceList, callers: dict[str, ApiClient]
) -> None:
    english = upload(callers["owner"], partner, RECORDS, key="")
    assert english.status_code == 400
    assert "Idempotency-Key" in english.json()["detail"]
    russian = upload(callers["owner"], partner, RECORDS, key="", headers={"Accept-Language": "ru"})
    assert russian.status_code == 400
    assert "повтор" in russian.json()["detail"]
    assert not Report.objects.exists()


def test_a_field_a_record_leaves_out_is_an_empty_cell_not_a_missing_column(
    partner: SourceList, callers: dict[str, ApiClient]
) -> None:
    """A record without victims, or without a city, is stored as the same row of a workbook
    with those cells empty would be; one without its identifier is quarantined for it."""
    no_id = {key: value for key, value in RECORDS[1].items() if key != "ID"}
    body = upload(callers["owner"], partner, [RECORDS[1], no_id]).json()
    assert (body["stored"], body["quarantined"]) == (1, 1)
    assert [(p["column"], p["code"]) for p in body["quarantine"][0]["problems"]] == [
        ("ID", "required")
    ]


def test_a_dry_run_reads_the_records_and_stores_nothing(
    partner: SourceList, callers: dict[str, ApiClient]
) -> None:
    answer = upload(callers["owner"], partner, [*RECORDS, UNREADABLE], key="", dry_run=True)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["batch"], body["stored"], body["quarantined"]) == (None, 2, 1)
    assert body["quarantine"][0]["problems"][0]["code"] == "not_date"
    assert not Report.objects.exists() and not ImportBatch.objects.exists()


def test_a_mapping_that_cannot_be_used_is_named_as_the_import_page_names_it(
    partner: SourceList, callers: dict[str, ApiClient]
) -> None:
    unknown = upload(callers["owner"], partner, RECORDS, mapping="no_such.yaml")
    assert unknown.status_code == 400
    assert [e["field"] for e in unknown.json()["errors"]] == ["mapping"]
    broken = upload(callers["owner"], partner, RECORDS, mapping_text="fields: [")
    assert broken.status_code == 400
    assert [e["field"] for e in broken.json()["errors"]] == ["mapping_text"]
    assert not Report.objects.exists() and not ImportBatch.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("owner", 201),
        ("colleague", 201),
        ("owner_read_only", 403),
        ("reader", 403),
        ("outsider", 404),
        ("anonymous", 401),
        ("expired", 401),
        ("revoked", 401),
    ],
)
def test_only_a_writer_of_the_source_lists_organisation_stores_reports(
    cast: Cast, partner: SourceList, callers: dict[str, ApiClient], who: str, status: int
) -> None:
    answer = upload(callers[who], partner, RECORDS)
    assert answer.status_code == status, answer.content
    assert Report.objects.exists() == (status == 201)
    if who in ("owner", "colleague", "reader"):
        # The web's import page lets the same people in.
        web = cast.client(who).get(reverse("intake:import_new"))
        assert (web.status_code == 200) == (status == 201)


def test_an_upload_is_in_the_trail_with_the_tokens_name(
    partner: SourceList, callers: dict[str, ApiClient]
) -> None:
    answer = upload(callers["owner"], partner, RECORDS)
    entry = AuditEntry.objects.filter(action=Action.IMPORT).get()
    assert entry.origin == "api:notebook" and entry.actor == "owner"
    assert entry.target_id == str(answer.json()["batch"])


def test_the_answers_quarantine_is_the_import_pages(
    cast: Cast, partner: SourceList, callers: dict[str, ApiClient]
) -> None:
    """The problems the uploader is told are those a colleague reads on the import's page."""
    body = upload(callers["owner"], partner, [UNREADABLE]).json()
    page = Client()
    page.force_login(cast.colleague)
    shown = page.get(reverse("intake:import_detail", args=[body["batch"]])).content.decode()
    assert body["quarantine"][0]["problems"][0]["value"] == "весной"
    assert "весной" in shown and body["quarantine"][0]["problems"][0]["message"] in shown
