"""Custom fields in the incident list's exports: a column each, removed fields too, sealed
values only where names are, another organisation's never; people's fields under each person
(JSON) and in a column each (CSV); no query per incident."""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from dozor.audit.models import AuditEntry
from dozor.records.custom_fields import FieldTarget, FieldType
from dozor.records.services import (
    IncidentInput,
    PersonInput,
    custom_field_remove,
    incident_create,
)
from tests.conftest import Cast
from tests.records.custom_fields import SENSITIVE_VALUE, administrator, define

pytestmark = pytest.mark.django_db


def recorded(cast: Cast, **custom: Any) -> None:
    incident_create(
        organisation=cast.organisation,
        user=cast.owner,
        data=IncidentInput(
            title="Угрозы",
            incident_type="threat",
            date_start=datetime.date(2024, 3, 8),
            confidentiality="public",
            custom=custom,
        ),
    )


def download(client: Client, file_format: str) -> str:
    response = client.get(reverse("exports:incident_list_download", args=[file_format]))
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]


def csv_rows(client: Client) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(download(client, "csv"))))


def test_the_csv_has_a_column_per_field_removed_ones_included(cast: Cast) -> None:
    admin = administrator(cast.organisation)
    define(cast.organisation, "languages", FieldType.CHOICES, user=admin)
    old = define(cast.organisation, "station", FieldType.TEXT, user=admin)
    recorded(cast, languages=["ru", "tg"], station="ОП-5")
    custom_field_remove(custom=old, user=admin)
    row = next(r for r in csv_rows(cast.client("owner")) if r["custom.station"])
    assert row["custom.languages"] == "ru; tg" and row["custom.station"] == "ОП-5"


def test_a_sealed_value_is_exported_only_where_names_are(cast: Cast) -> None:
    define(cast.organisation, "officer", FieldType.TEXT, sensitive=True)
    recorded(cast, officer=SENSITIVE_VALUE)
    assert SENSITIVE_VALUE in download(cast.client("owner"), "csv")
    for who in ("reader", "outsider"):
        assert "Грызлов" not in download(cast.client(who), "csv")
        assert "Грызлов" not in download(cast.client(who), "json")


def test_another_organisation_gets_neither_the_columns_nor_the_values(cast: Cast) -> None:
    define(cast.organisation, "station", FieldType.TEXT)
    recorded(cast, station="ОП-5")
    rows = csv_rows(cast.client("outsider"))
    assert rows and "custom.station" not in rows[0]
    data = json.loads(download(cast.client("outsider"), "json"))
    assert all(record["custom_fields"] == {} for record in data)


# --- people's fields ----------------------------------------------------------------------


def recorded_people(cast: Cast, *people: dict[str, Any], title: str = "Угрозы") -> None:
    """A public incident of the cast's organisation, one person per mapping of custom values."""
    incident_create(
        organisation=cast.organisation,
        user=cast.owner,
        data=IncidentInput(
            title=title,
            incident_type="threat",
            date_start=datetime.date(2024, 3, 8),
            confidentiality="public",
            people=tuple(
                PersonInput(name=f"Человек {number}", pseudonym=f"P{number}", custom=custom)
                for number, custom in enumerate(people, start=1)
            ),
        ),
    )


def person_field(cast: Cast, key: str, field_type: str, **changes: Any) -> None:
    define(cast.organisation, key, field_type, applies_to=FieldTarget.PERSON, **changes)


def test_the_csv_has_a_column_per_person_field_with_the_people_in_order(cast: Cast) -> None:
    person_field(cast, "languages", FieldType.CHOICES)
    person_field(cast, "station", FieldType.TEXT)
    recorded_people(cast, {"languages": ["ru", "tg"]}, {"station": "ОП-5", "languages": ["en"]})
    row = next(r for r in csv_rows(cast.client("owner")) if r["people.custom.station"])
    assert row["people.custom.languages"] == "ru, tg; en"
    assert row["people.custom.station"] == "; ОП-5"


def test_the_json_puts_each_persons_values_under_that_person(cast: Cast) -> None:
    person_field(cast, "station", FieldType.TEXT)
    recorded_people(cast, {"station": "ОП-5"}, {})
    record = next(r for r in json.loads(download(cast.client("owner"), "json")) if r["people"])
    assert [person["custom_fields"] for person in record["people"]] == [{"station": "ОП-5"}, {}]


def test_a_sealed_person_value_is_exported_only_where_names_are(cast: Cast) -> None:
    person_field(cast, "officer", FieldType.TEXT, sensitive=True)
    recorded_people(cast, {"officer": SENSITIVE_VALUE})
    assert SENSITIVE_VALUE in download(cast.client("owner"), "csv")
    assert SENSITIVE_VALUE in download(cast.client("owner"), "json")
    for who in ("reader", "outsider"):
        assert "Грызлов" not in download(cast.client(who), "csv")
        assert "Грызлов" not in download(cast.client(who), "json")


def test_a_reader_gets_no_column_for_a_sealed_incident_field(cast: Cast) -> None:
    """As for people's fields: the column would hold nothing for a reader without the grant."""
    define(cast.organisation, "officer", FieldType.TEXT, sensitive=True)
    define(cast.organisation, "station", FieldType.TEXT)
    recorded(cast, officer=SENSITIVE_VALUE, station="ОП-5")
    row = next(r for r in csv_rows(cast.client("reader")) if r["custom.station"])
    assert "custom.officer" not in row and row["custom.station"] == "ОП-5"
    assert "custom.officer" in csv_rows(cast.client("owner"))[0]


def test_a_reader_gets_no_column_for_a_sealed_person_field(cast: Cast) -> None:
    person_field(cast, "officer", FieldType.TEXT, sensitive=True)
    person_field(cast, "station", FieldType.TEXT)
    recorded_people(cast, {"officer": SENSITIVE_VALUE, "station": "ОП-5"})
    row = csv_rows(cast.client("reader"))[0]
    assert "people.custom.officer" not in row and row["people.custom.station"] == "ОП-5"
    assert "people.custom.officer" in csv_rows(cast.client("owner"))[0]


def test_another_organisation_gets_neither_the_person_columns_nor_the_values(
    cast: Cast,
) -> None:
    person_field(cast, "station", FieldType.TEXT)
    recorded_people(cast, {"station": "ОП-5"})
    rows = csv_rows(cast.client("outsider"))
    assert rows and "people.custom.station" not in rows[0]
    data = json.loads(download(cast.client("outsider"), "json"))
    assert all(person["custom_fields"] == {} for record in data for person in record["people"])


def test_the_export_runs_the_same_queries_for_2_incidents_as_for_12(
    cast: Cast, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    define(cast.organisation, "station", FieldType.TEXT)
    person_field(cast, "languages", FieldType.CHOICES)
    person_field(cast, "officer", FieldType.TEXT, sensitive=True)

    def queries(file_format: str) -> int:
        client = cast.client("owner")
        with django_assert_max_num_queries(1000) as captured:
            download(client, file_format)
        return len(captured)

    for _ in range(2):
        recorded_people(cast, {"languages": ["ru"], "officer": "А"}, {"languages": ["tg"]})
    few = {file_format: queries(file_format) for file_format in ("csv", "json")}
    for _ in range(10):
        recorded_people(cast, {"languages": ["ru"], "officer": "Б"}, {"officer": "В"}, {})
    assert {file_format: queries(file_format) for file_format in ("csv", "json")} == few


def test_the_export_command_carries_the_person_fields_sealed_ones_with_names_only(
    cast: Cast, tmp_path: Path
) -> None:
    person_field(cast, "officer", FieldType.TEXT, sensitive=True)
    person_field(cast, "station", FieldType.TEXT)
    recorded_people(cast, {"officer": SENSITIVE_VALUE, "station": "ОП-5"})

    def exported(who: str, file_format: str) -> str:
        out = tmp_path / f"{who}.{file_format}"
        call_command(
            "export",
            "incidents",
            "--user",
            who,
            "--format",
            file_format,
            "--out",
            str(out),
            stdout=io.StringIO(),
        )
        return out.read_text(encoding="utf-8-sig")

    owner = json.loads(exported("owner", "json"))
    assert {"officer": SENSITIVE_VALUE, "station": "ОП-5"} in [
        person["custom_fields"] for record in owner for person in record["people"]
    ]
    reader = exported("reader", "csv")
    assert "people.custom.station" in reader and "ОП-5" in reader
    assert "people.custom.officer" not in reader and "Грызлов" not in reader


def test_an_export_filtered_by_a_sealed_person_field_keeps_only_the_values_digest(
    cast: Cast,
) -> None:
    person_field(cast, "officer", FieldType.TEXT, sensitive=True)
    recorded_people(cast, {"officer": SENSITIVE_VALUE})
    response = cast.client("owner").get(
        reverse("exports:incident_list_download", args=["json"]),
        {"person_custom_officer": SENSITIVE_VALUE},
    )
    assert len(json.loads(b"".join(response.streaming_content))) == 1  # type: ignore[attr-defined]
    entry = AuditEntry.objects.filter(action="export").get()
    (custom,) = entry.changes["filters"]["custom"]
    assert custom["field"] == "officer" and custom["applies_to"] == "person" and custom["digest"]
    assert "Грызлов" not in json.dumps(entry.changes, ensure_ascii=False)
