"""Custom fields in the incident list's exports: a column each, removed fields too, sealed
values only where names are, another organisation's never."""

from __future__ import annotations

import csv
import datetime
import io
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dozor.records.custom_fields import FieldType
from dozor.records.services import IncidentInput, custom_field_remove, incident_create
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
