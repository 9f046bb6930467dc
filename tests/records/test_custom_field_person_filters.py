"""The list's filters on people's custom fields: an incident is found when one of its people
holds the value; sealed ones by exact value for those who see names only; never another
organisation's field."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from dozor.records.custom_fields import FieldTarget, FieldType
from dozor.records.models import Incident
from dozor.records.services import IncidentInput, PersonInput, incident_create
from tests.conftest import Cast
from tests.records.custom_fields import SENSITIVE_VALUE, define

pytestmark = pytest.mark.django_db


def recorded(cast: Cast, title: str, *people: dict[str, Any]) -> Incident:
    """An incident of the cast's organisation with one person per mapping of custom values."""
    return incident_create(
        organisation=cast.organisation,
        user=cast.owner,
        data=IncidentInput(
            title=title,
            incident_type="threat",
            date_start=datetime.date(2024, 3, 8),
            people=tuple(
                PersonInput(pseudonym=f"P{number}", custom=custom)
                for number, custom in enumerate(people, start=1)
            ),
        ),
    )


def listed(cast: Cast, who: str, **query: str) -> str:
    response = cast.client(who).get(reverse("records:incident_list"), query)
    assert response.status_code == 200
    return response.content.decode()


def person_field(cast: Cast, key: str, field_type: str, **changes: Any) -> None:
    define(cast.organisation, key, field_type, applies_to=FieldTarget.PERSON, **changes)


@pytest.mark.parametrize(
    ("field_type", "kept", "dropped", "query"),
    [
        (FieldType.TEXT, "ОП № 5", "ОП № 7", {"person_custom_extra": "оп № 5"}),
        (
            FieldType.NUMBER,
            "3",
            "12",
            {"person_custom_extra_from": "2", "person_custom_extra_to": "5"},
        ),
        (FieldType.DATE, "2024-01-10", "2023-05-01", {"person_custom_extra_from": "2024-01-01"}),
        (FieldType.FLAG, "yes", "no", {"person_custom_extra": "yes"}),
        (FieldType.CHOICE, "tg", "ru", {"person_custom_extra": "tg"}),
        (FieldType.CHOICES, ["tg", "en"], ["ru"], {"person_custom_extra": "en"}),
    ],
)
def test_the_list_is_filtered_by_each_type_of_person_field(
    cast: Cast, field_type: str, kept: Any, dropped: Any, query: dict[str, str]
) -> None:
    person_field(cast, "extra", field_type)
    recorded(cast, "Совпадает", {"extra": dropped}, {"extra": kept})
    recorded(cast, "Не совпадает", {"extra": dropped})
    page = listed(cast, "owner", **query)
    assert "Совпадает" in page and "Не совпадает" not in page


def test_a_person_field_and_an_incident_field_of_one_key_filter_apart(cast: Cast) -> None:
    define(cast.organisation, "language", FieldType.CHOICE)
    person_field(cast, "language", FieldType.CHOICE)
    recorded(cast, "Человек говорит по-таджикски", {"language": "tg"})
    page = listed(cast, "owner", person_custom_language="tg")
    assert "Человек говорит по-таджикски" in page
    assert "Человек говорит по-таджикски" not in listed(cast, "owner", custom_language="tg")


def test_a_sealed_person_field_is_filtered_by_its_exact_value_for_those_who_see_names(
    cast: Cast,
) -> None:
    person_field(cast, "officer", FieldType.TEXT, sensitive=True, label_en="Officer")
    recorded(cast, "Совпадает", {"officer": SENSITIVE_VALUE})
    recorded(cast, "Не совпадает", {"officer": "Участковый Иванов"})
    page = listed(cast, "owner", person_custom_officer=SENSITIVE_VALUE.upper())
    assert "Совпадает" in page and "Не совпадает" not in page


def test_a_reader_gets_no_filter_on_a_sealed_person_field_and_the_query_is_ignored(
    cast: Cast,
) -> None:
    person_field(cast, "officer", FieldType.TEXT, sensitive=True, label_en="Officer")
    recorded(cast, "Совпадает", {"officer": SENSITIVE_VALUE})
    recorded(cast, "Не совпадает", {"officer": "Участковый Иванов"})
    page = listed(cast, "reader", person_custom_officer=SENSITIVE_VALUE)
    assert 'name="person_custom_officer"' not in page
    assert "Совпадает" in page and "Не совпадает" in page


def test_another_organisation_neither_sees_nor_uses_a_person_filter(cast: Cast) -> None:
    person_field(cast, "station", FieldType.TEXT, label_en="Police station")
    define(
        cast.other_organisation,
        "station",
        FieldType.TEXT,
        label_en="Station of B",
        applies_to=FieldTarget.PERSON,
    )
    incident = recorded(cast, "Открытое", {"station": "ОП № 5"})
    Incident.objects.filter(pk=incident.pk).update(confidentiality="public")
    page = listed(cast, "outsider", person_custom_station="ОП № 5")
    # B's own filter of the same key finds nothing of A's values: the field is B's.
    assert "Police station" not in page and "Station of B" in page
    assert "Открытое" not in page
