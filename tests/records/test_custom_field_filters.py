"""The list's filters on custom fields: each type, sealed ones by exact value for those who see
names only, and never another organisation's field."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from dozor.records.custom_fields import FieldType
from dozor.records.models import Incident
from dozor.records.services import IncidentInput, incident_create
from tests.conftest import Cast
from tests.records.custom_fields import SENSITIVE_VALUE, define

pytestmark = pytest.mark.django_db


def recorded(cast: Cast, title: str, **custom: Any) -> Incident:
    return incident_create(
        organisation=cast.organisation,
        user=cast.owner,
        data=IncidentInput(
            title=title,
            incident_type="threat",
            date_start=datetime.date(2024, 3, 8),
            custom=custom,
        ),
    )


def listed(cast: Cast, who: str, **query: str) -> str:
    response = cast.client(who).get(reverse("records:incident_list"), query)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("field_type", "kept", "dropped", "query"),
    [
        (FieldType.TEXT, "ОП № 5", "ОП № 7", {"custom_extra": "оп № 5"}),
        (FieldType.NUMBER, "3", "12", {"custom_extra_from": "2", "custom_extra_to": "5"}),
        (FieldType.DATE, "2024-01-10", "2023-05-01", {"custom_extra_from": "2024-01-01"}),
        (FieldType.FLAG, "yes", "no", {"custom_extra": "yes"}),
        (FieldType.CHOICE, "tg", "ru", {"custom_extra": "tg"}),
        (FieldType.CHOICES, ["tg", "en"], ["ru"], {"custom_extra": "en"}),
    ],
)
def test_the_list_is_filtered_by_each_type(
    cast: Cast, field_type: str, kept: Any, dropped: Any, query: dict[str, str]
) -> None:
    define(cast.organisation, "extra", field_type)
    recorded(cast, "Совпадает", extra=kept)
    recorded(cast, "Не совпадает", extra=dropped)
    page = listed(cast, "owner", **query)
    assert "Совпадает" in page and "Не совпадает" not in page


def test_a_sealed_field_is_filtered_by_its_exact_value_for_those_who_see_names(
    cast: Cast,
) -> None:
    define(cast.organisation, "officer", FieldType.TEXT, sensitive=True, label_en="Officer")
    recorded(cast, "Совпадает", officer=SENSITIVE_VALUE)
    recorded(cast, "Не совпадает", officer="Участковый Иванов")
    page = listed(cast, "owner", custom_officer=SENSITIVE_VALUE.upper())
    assert "Совпадает" in page and "Не совпадает" not in page
    assert 'name="custom_officer_from"' not in page


def test_a_reader_gets_no_filter_on_a_sealed_field_and_the_query_is_ignored(cast: Cast) -> None:
    define(cast.organisation, "officer", FieldType.TEXT, sensitive=True, label_en="Officer")
    define(
        cast.organisation,
        "told_by",
        FieldType.CHOICE,
        sensitive=True,
        options=[{"code": "grizlov", "en": "Officer Gryzlov", "ru": "участковый Грызлов"}],
    )
    recorded(cast, "Совпадает", officer=SENSITIVE_VALUE)
    recorded(cast, "Не совпадает", officer="Участковый Иванов")
    page = listed(cast, "reader", custom_officer=SENSITIVE_VALUE, custom_told_by="grizlov")
    assert 'name="custom_officer"' not in page and "Грызлов" not in page and "Gryzlov" not in page
    assert "Совпадает" in page and "Не совпадает" in page


def test_another_organisation_neither_sees_nor_uses_the_filter(cast: Cast) -> None:
    define(cast.organisation, "station", FieldType.TEXT, label_en="Police station")
    define(cast.other_organisation, "station", FieldType.TEXT, label_en="Station of B")
    incident = recorded(cast, "Открытое", station="ОП № 5")
    Incident.objects.filter(pk=incident.pk).update(confidentiality="public")
    page = listed(cast, "outsider", custom_station="ОП № 5")
    # B's own filter of the same key finds nothing of A's values: the field is B's.
    assert "Police station" not in page and "Station of B" in page
    assert "Открытое" not in page


def test_the_filtered_list_downloads_with_the_filter(cast: Cast) -> None:
    define(cast.organisation, "station", FieldType.TEXT)
    recorded(cast, "Совпадает", station="ОП № 5")
    recorded(cast, "Не совпадает", station="ОП № 7")
    response = cast.client("owner").get(
        reverse("exports:incident_list_download", args=["csv"]), {"custom_station": "ОП № 5"}
    )
    content = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert "Совпадает" in content and "Не совпадает" not in content
