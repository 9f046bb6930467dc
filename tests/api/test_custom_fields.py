"""Custom fields through the API: written as the form writes them, read by the organisation's
own users only, sealed ones only with names."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from dozor.records.custom_fields import CustomValue, FieldType
from dozor.records.services import (
    IncidentInput,
    PersonInput,
    custom_field_remove,
    incident_create,
)
from tests.api.conftest import ApiClient
from tests.conftest import Cast
from tests.records.custom_fields import SENSITIVE_VALUE, administrator, define

pytestmark = pytest.mark.django_db

LIST = reverse("api-v1:incident_list")
NEW = {"title": "Угрозы", "incident_type": "threat", "date_start": "2024-03-08"}


def detail(reference: str) -> str:
    return reverse("api-v1:incident_get", args=[reference])


def test_an_incident_is_created_with_its_custom_fields_and_read_back(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    define(cast.organisation, "languages", FieldType.CHOICES)
    define(cast.organisation, "asked_protection", FieldType.FLAG)
    answer = callers["owner"].post(
        LIST, {**NEW, "custom_fields": {"languages": ["tg", "ru"], "asked_protection": True}}
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["custom_fields"] == {"languages": ["ru", "tg"], "asked_protection": "yes"}


def test_a_change_keeps_the_fields_it_does_not_name(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    define(cast.organisation, "station", FieldType.TEXT)
    define(cast.organisation, "threats", FieldType.NUMBER)
    made = callers["owner"].post(LIST, {**NEW, "custom_fields": {"station": "ОП-5", "threats": 2}})
    reference = made.json()["reference"]
    changed = callers["owner"].patch(detail(reference), {"custom_fields": {"threats": "3"}})
    assert changed.status_code == 200, changed.content
    assert changed.json()["custom_fields"] == {"station": "ОП-5", "threats": "3"}


def test_a_wrong_value_and_an_unknown_key_are_named(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    define(cast.organisation, "threats", FieldType.NUMBER)
    wrong = callers["owner"].post(LIST, {**NEW, "custom_fields": {"threats": "many"}})
    assert wrong.status_code == 400
    assert [e["field"] for e in wrong.json()["errors"]] == ["custom_threats"]
    unknown = callers["owner"].post(LIST, {**NEW, "custom_fields": {"station": "ОП-5"}})
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["field"] == "custom_fields.station"
    assert not CustomValue.objects.exists()


def test_a_sealed_value_reaches_the_owner_not_a_reader_nor_another_organisation(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    define(cast.organisation, "officer", FieldType.TEXT, sensitive=True)
    define(cast.organisation, "station", FieldType.TEXT)
    made = callers["owner"].post(
        LIST,
        {
            **NEW,
            "confidentiality": "public",
            "custom_fields": {"officer": SENSITIVE_VALUE, "station": "ОП-5"},
        },
    )
    reference = made.json()["reference"]
    assert made.json()["custom_fields"]["officer"] == SENSITIVE_VALUE
    assert callers["reader"].get(detail(reference)).json()["custom_fields"] == {"station": "ОП-5"}
    assert callers["outsider"].get(detail(reference)).json()["custom_fields"] == {}


def test_a_persons_fields_are_in_the_persons_entry_sealed_ones_with_names_only(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    define(cast.organisation, "asked_protection", FieldType.FLAG, applies_to="person")
    define(cast.organisation, "officer", FieldType.TEXT, applies_to="person", sensitive=True)
    incident = incident_create(
        organisation=cast.organisation,
        user=cast.owner,
        data=IncidentInput(
            title="Угрозы",
            incident_type="threat",
            date_start=datetime.date(2024, 3, 8),
            people=[
                PersonInput(
                    pseudonym="Victim A",
                    custom={"asked_protection": "yes", "officer": SENSITIVE_VALUE},
                )
            ],
        ),
    )
    owner = callers["owner"].get(detail(incident.reference)).json()["people"][0]
    assert owner["custom_fields"] == {"asked_protection": "yes", "officer": SENSITIVE_VALUE}
    reader = callers["reader"].get(detail(incident.reference)).json()["people"][0]
    assert reader["custom_fields"] == {"asked_protection": "yes"}


# --- people's fields, written ---------------------------------------------------------------


def person_field(cast: Cast, key: str, field_type: str, **changes: object) -> None:
    define(cast.organisation, key, field_type, applies_to="person", **changes)


def test_a_persons_fields_are_written_with_the_incident_and_read_back(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    person_field(cast, "languages", FieldType.CHOICES)
    person_field(cast, "asked_protection", FieldType.FLAG)
    answer = callers["owner"].post(
        LIST,
        {
            **NEW,
            "people": [
                {"name": "Иван Петров", "custom_fields": {"languages": ["tg", "ru"]}},
                {"name": "Анна Белова", "custom_fields": {"asked_protection": True}},
            ],
        },
    )
    assert answer.status_code == 201, answer.content
    assert [person["custom_fields"] for person in answer.json()["people"]] == [
        {"languages": ["ru", "tg"]},
        {"asked_protection": "yes"},
    ]


def test_a_change_of_a_person_keeps_the_person_fields_it_does_not_name(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    person_field(cast, "station", FieldType.TEXT)
    person_field(cast, "threats", FieldType.NUMBER)
    made = callers["owner"].post(
        LIST,
        {**NEW, "people": [{"pseudonym": "Victim A", "custom_fields": {"station": "ОП-5"}}]},
    )
    reference = made.json()["reference"]
    changed = callers["owner"].patch(
        detail(reference),
        {"people": [{"pseudonym": "Victim A", "custom_fields": {"threats": "3"}}]},
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["people"][0]["custom_fields"] == {"station": "ОП-5", "threats": "3"}


def test_a_client_names_a_person_by_the_pseudonym_the_answer_gives_to_keep_their_fields(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    """A person sent with a name only gets a pseudonym from Dozor; the answer gives it, so the
    next change can name the person by it and keep the fields it does not send."""
    person_field(cast, "station", FieldType.TEXT)
    person_field(cast, "threats", FieldType.NUMBER)
    made = callers["owner"].post(
        LIST, {**NEW, "people": [{"name": "Иван Петров", "custom_fields": {"station": "ОП-5"}}]}
    )
    [person] = made.json()["people"]
    assert person["label"] == "Иван Петров" and person["pseudonym"]
    changed = callers["owner"].patch(
        detail(made.json()["reference"]),
        {
            "people": [
                {
                    "name": "Иван Петров",
                    "pseudonym": person["pseudonym"],
                    "custom_fields": {"threats": "3"},
                }
            ]
        },
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["people"][0]["custom_fields"] == {"station": "ОП-5", "threats": "3"}


def test_a_change_without_people_keeps_their_fields(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    person_field(cast, "station", FieldType.TEXT)
    made = callers["owner"].post(
        LIST, {**NEW, "people": [{"name": "Иван Петров", "custom_fields": {"station": "ОП-5"}}]}
    )
    changed = callers["owner"].patch(detail(made.json()["reference"]), {"title": "Новое"})
    assert changed.status_code == 200, changed.content
    assert changed.json()["people"][0]["custom_fields"] == {"station": "ОП-5"}


def test_a_persons_value_is_emptied_by_null(cast: Cast, callers: dict[str, ApiClient]) -> None:
    person_field(cast, "station", FieldType.TEXT)
    made = callers["owner"].post(
        LIST,
        {**NEW, "people": [{"pseudonym": "Victim A", "custom_fields": {"station": "ОП-5"}}]},
    )
    changed = callers["owner"].patch(
        detail(made.json()["reference"]),
        {"people": [{"pseudonym": "Victim A", "custom_fields": {"station": None}}]},
    )
    assert changed.json()["people"][0]["custom_fields"] == {}


def test_a_wrong_person_value_is_named_by_the_person_and_the_key(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    person_field(cast, "threats", FieldType.NUMBER)
    wrong = callers["owner"].post(
        LIST,
        {**NEW, "people": [{"name": "Иван"}, {"name": "Анна", "custom_fields": {"threats": "x"}}]},
    )
    assert wrong.status_code == 400
    assert [e["field"] for e in wrong.json()["errors"]] == ["people[1].custom_fields.threats"]
    assert not CustomValue.objects.exists()


def test_a_required_person_field_left_out_is_named(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    person_field(cast, "station", FieldType.TEXT, required=True)
    answer = callers["owner"].post(LIST, {**NEW, "people": [{"name": "Иван Петров"}]})
    assert answer.status_code == 400
    assert [e["field"] for e in answer.json()["errors"]] == ["people[0].custom_fields.station"]


def test_an_unknown_person_key_is_refused_by_name(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    define(cast.organisation, "station", FieldType.TEXT)  # an incident field, not a person's
    answer = callers["owner"].post(
        LIST, {**NEW, "people": [{"name": "Иван", "custom_fields": {"station": "ОП-5"}}]}
    )
    assert answer.status_code == 400
    assert [(e["field"], e["code"]) for e in answer.json()["errors"]] == [
        ("people[0].custom_fields.station", "unknown")
    ]
    assert not CustomValue.objects.exists()


def test_another_organisations_person_field_is_unknown_to_the_caller(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    define(cast.other_organisation, "station", FieldType.TEXT, applies_to="person")
    answer = callers["owner"].post(
        LIST, {**NEW, "people": [{"name": "Иван", "custom_fields": {"station": "ОП-5"}}]}
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "people[0].custom_fields.station"


def test_a_sealed_person_value_written_by_the_owner_never_reaches_a_reader(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    person_field(cast, "officer", FieldType.TEXT, sensitive=True)
    made = callers["owner"].post(
        LIST,
        {
            **NEW,
            "confidentiality": "public",
            "people": [{"name": "Иван", "custom_fields": {"officer": SENSITIVE_VALUE}}],
        },
    )
    reference = made.json()["reference"]
    assert made.json()["people"][0]["custom_fields"] == {"officer": SENSITIVE_VALUE}
    for who in ("reader", "outsider"):
        answer = callers[who].get(detail(reference))
        assert answer.status_code == 200
        assert "Грызлов" not in answer.content.decode()


def test_a_change_keeps_a_persons_values_of_a_removed_field(
    cast: Cast, callers: dict[str, ApiClient]
) -> None:
    admin = administrator(cast.organisation)
    old = define(cast.organisation, "station", FieldType.TEXT, applies_to="person", user=admin)
    person_field(cast, "threats", FieldType.NUMBER)
    made = callers["owner"].post(
        LIST,
        {**NEW, "people": [{"pseudonym": "Victim A", "custom_fields": {"station": "ОП-5"}}]},
    )
    custom_field_remove(custom=old, user=admin)
    changed = callers["owner"].patch(
        detail(made.json()["reference"]),
        {"people": [{"pseudonym": "Victim A", "custom_fields": {"threats": "2"}}]},
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["people"][0]["custom_fields"] == {"station": "ОП-5", "threats": "2"}
