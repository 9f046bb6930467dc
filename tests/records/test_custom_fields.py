"""Custom fields: their definitions, each type's validation, sealed values, removal, the audit
trail and the wall between organisations."""

from __future__ import annotations

import datetime
import decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from dozor.audit.models import AuditEntry
from dozor.records.custom_fields import CustomValue, FieldTarget, FieldType, values_holding
from dozor.records.services import (
    CustomFieldInput,
    IncidentInput,
    PersonInput,
    custom_field_remove,
    custom_field_update,
    incident_create,
    incident_update,
)
from dozor.security.crypto import TOKEN_PREFIX
from tests.conftest import Cast
from tests.records.custom_fields import SENSITIVE_VALUE, administrator, define

pytestmark = pytest.mark.django_db


def incident_with(cast: Cast, given: dict[str, object], **changes: object) -> IncidentInput:
    values: dict[str, object] = {
        "title": "Угрозы активистке",
        "incident_type": "threat",
        "date_start": datetime.date(2024, 3, 8),
        "custom": given,
        "custom_complete": True,
    }
    values.update(changes)
    return IncidentInput(**values)  # type: ignore[arg-type]


def stored_values(incident_id: int) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for value in CustomValue.objects.filter(incident_id=incident_id).select_related("field"):
        values.setdefault(value.field.key, []).append(value.shown())
    return values


def problems(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return dict(error.value.message_dict)


# --- definitions --------------------------------------------------------------------------


def test_a_key_that_is_not_a_plain_name_is_refused_with_an_example(cast: Cast) -> None:
    with pytest.raises(ValidationError) as error:
        define(cast.organisation, "Threat language", FieldType.TEXT)
    assert "threat_language" in problems(error)["key"][0]


def test_a_key_is_unique_within_the_organisation_but_not_across(cast: Cast) -> None:
    define(cast.organisation, "police_station", FieldType.TEXT)
    with pytest.raises(ValidationError) as error:
        define(cast.organisation, "police_station", FieldType.TEXT)
    assert "police_station" in problems(error)["key"][0]
    assert define(cast.other_organisation, "police_station", FieldType.TEXT).pk


def test_a_choice_field_needs_options_written_with_both_labels(cast: Cast) -> None:
    with pytest.raises(ValidationError) as error:
        define(cast.organisation, "language", FieldType.CHOICE, options=[])
    assert "at least one option" in problems(error)["options"][0]
    with pytest.raises(ValidationError) as error:
        define(cast.organisation, "language", FieldType.CHOICE, options=[{"code": "ru"}])
    assert "Option 1" in problems(error)["options"][0]


def test_only_an_administrator_of_the_organisation_defines_its_fields(cast: Cast) -> None:
    with pytest.raises(PermissionDenied):
        define(cast.organisation, "station", FieldType.TEXT, user=cast.owner)
    with pytest.raises(PermissionDenied):
        define(
            cast.organisation,
            "station",
            FieldType.TEXT,
            user=administrator(cast.other_organisation),
        )


def test_defining_changing_and_removing_a_field_is_audited(cast: Cast) -> None:
    admin = administrator(cast.organisation)
    field = define(cast.organisation, "station", FieldType.TEXT, user=admin)
    custom_field_update(
        custom=field,
        user=admin,
        data=CustomFieldInput(
            key="station",
            field_type=FieldType.TEXT,
            label_en="Police station",
            label_ru="Отдел полиции",
        ),
    )
    custom_field_remove(custom=field, user=admin)
    entries = AuditEntry.objects.filter(target_type="records.customfield", target_id=str(field.pk))
    actions = list(entries.order_by("id").values_list("action", "changes"))
    assert [action for action, _changes in actions] == ["create", "update", "update"]
    assert actions[1][1]["label_en"] == {"before": "Station", "after": "Police station"}
    assert actions[2][1]["removed"] == {"before": False, "after": True}


def test_the_type_of_a_field_holding_values_cannot_change(cast: Cast) -> None:
    admin = administrator(cast.organisation)
    field = define(cast.organisation, "station", FieldType.TEXT, user=admin)
    incident_create(
        organisation=cast.organisation, user=cast.owner, data=incident_with(cast, {"station": "5"})
    )
    with pytest.raises(ValidationError) as error:
        custom_field_update(
            custom=field,
            user=admin,
            data=CustomFieldInput(
                key="station", field_type=FieldType.NUMBER, label_en="S", label_ru="О"
            ),
        )
    assert "1" in problems(error)["field_type"][0]


def test_an_option_in_use_cannot_leave_the_list(cast: Cast) -> None:
    admin = administrator(cast.organisation)
    field = define(cast.organisation, "language", FieldType.CHOICE, user=admin)
    incident_create(
        organisation=cast.organisation,
        user=cast.owner,
        data=incident_with(cast, {"language": "tg"}),
    )
    with pytest.raises(ValidationError) as error:
        custom_field_update(
            custom=field,
            user=admin,
            data=CustomFieldInput(
                key="language",
                field_type=FieldType.CHOICE,
                label_en="Language",
                label_ru="Язык",
                options=[{"code": "ru", "en": "Russian", "ru": "русский"}],
            ),
        )
    assert "“tg”" in problems(error)["options"][0]


# --- values: each type ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field_type", "given", "stored"),
    [
        (FieldType.TEXT, "  Отдел полиции № 5 ", ["Отдел полиции № 5"]),
        (FieldType.NUMBER, "2.50", ["2.5"]),
        (FieldType.NUMBER, decimal.Decimal("3"), ["3"]),
        (FieldType.DATE, "2024-03-08", ["2024-03-08"]),
        (FieldType.DATE, datetime.date(2024, 3, 8), ["2024-03-08"]),
        (FieldType.FLAG, "да", ["yes"]),
        (FieldType.FLAG, False, ["no"]),
        (FieldType.CHOICE, "tg", ["tg"]),
        (FieldType.CHOICE, "Таджикский", ["tg"]),
        (FieldType.CHOICES, ["ru", "tg", "ru"], ["ru", "tg"]),
    ],
)
def test_each_type_stores_its_value_in_canonical_form(
    cast: Cast, field_type: str, given: object, stored: list[str]
) -> None:
    define(cast.organisation, "extra", field_type)
    incident = incident_create(
        organisation=cast.organisation, user=cast.owner, data=incident_with(cast, {"extra": given})
    )
    assert sorted(stored_values(incident.pk)["extra"]) == stored


@pytest.mark.parametrize(
    ("field_type", "given", "expected"),
    [
        (FieldType.TEXT, "я" * 501, "at most 500 characters"),
        (FieldType.NUMBER, "три", "takes a number"),
        (FieldType.NUMBER, "1e30", "too large"),
        (FieldType.DATE, "08.03.2024", "YYYY-MM-DD"),
        (FieldType.FLAG, "maybe", "yes or no"),
        (FieldType.CHOICE, "fr", "its options are: ru, tg, en"),
        (FieldType.CHOICE, ["ru", "tg"], "takes one option, not 2"),
        (FieldType.CHOICES, ["ru", "fr"], "no option “fr”"),
    ],
)
def test_each_type_refuses_a_wrong_value_naming_the_field(
    cast: Cast, field_type: str, given: object, expected: str
) -> None:
    define(cast.organisation, "extra", field_type)
    with pytest.raises(ValidationError) as error:
        incident_create(
            organisation=cast.organisation,
            user=cast.owner,
            data=incident_with(cast, {"extra": given}),
        )
    message = problems(error)["custom_extra"][0]
    assert expected in message and "“Extra”" in message


def test_a_required_field_left_empty_is_refused_by_a_complete_input(cast: Cast) -> None:
    define(cast.organisation, "station", FieldType.TEXT, required=True)
    with pytest.raises(ValidationError) as error:
        incident_create(
            organisation=cast.organisation, user=cast.owner, data=incident_with(cast, {})
        )
    assert problems(error)["custom_station"] == ["“Station” is required."]


def test_a_program_that_gives_no_custom_values_is_not_stopped_by_required_ones(
    cast: Cast,
) -> None:
    define(cast.organisation, "station", FieldType.TEXT, required=True)
    incident = incident_create(
        organisation=cast.organisation,
        user=cast.owner,
        data=incident_with(cast, {}, custom=None, custom_complete=False),
    )
    assert stored_values(incident.pk) == {}


def test_a_value_for_a_field_of_another_organisation_is_refused(cast: Cast) -> None:
    define(cast.other_organisation, "station", FieldType.TEXT)
    with pytest.raises(ValidationError) as error:
        incident_create(
            organisation=cast.organisation,
            user=cast.owner,
            data=incident_with(cast, {"station": "5"}),
        )
    assert "no field with the key “station”" in problems(error)["custom_station"][0]


def test_an_update_replaces_the_values_and_the_trail_records_the_change(cast: Cast) -> None:
    define(cast.organisation, "station", FieldType.TEXT)
    incident = incident_create(
        organisation=cast.organisation,
        user=cast.owner,
        data=incident_with(cast, {"station": "ОП-5"}),
    )
    incident_update(
        incident=incident, user=cast.owner, data=incident_with(cast, {"station": "ОП-7"})
    )
    assert stored_values(incident.pk) == {"station": ["ОП-7"]}
    entry = AuditEntry.objects.filter(target_id=str(incident.pk), action="update").get()
    assert entry.changes["custom.station"] == {"before": "ОП-5", "after": "ОП-7"}


def test_a_person_field_is_stored_with_the_person_and_kept_by_an_update(cast: Cast) -> None:
    define(cast.organisation, "asked_protection", FieldType.FLAG, applies_to=FieldTarget.PERSON)
    person = PersonInput(pseudonym="Victim A", custom={"asked_protection": "yes"})
    incident = incident_create(
        organisation=cast.organisation,
        user=cast.owner,
        data=incident_with(cast, {}, people=[person]),
    )
    incident_update(
        incident=incident,
        user=cast.owner,
        data=incident_with(cast, {}, people=[PersonInput(pseudonym="Victim A")]),
    )
    value = CustomValue.objects.get(person__incident=incident)
    assert value.flag is True and value.person is not None and value.person.pseudonym == "Victim A"


# --- sealed values ------------------------------------------------------------------------


def test_a_sensitive_value_is_sealed_found_by_equality_and_never_in_the_trail(cast: Cast) -> None:
    field = define(cast.organisation, "officer", FieldType.TEXT, sensitive=True)
    incident = incident_create(
        organisation=cast.organisation,
        user=cast.owner,
        data=incident_with(cast, {"officer": SENSITIVE_VALUE}),
    )
    value = CustomValue.objects.get(incident=incident)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sealed, text, folded FROM records_customvalue WHERE id = %s", [value.pk]
        )
        sealed, text, folded = cursor.fetchone()
    assert sealed.startswith(TOKEN_PREFIX) and "Грызлов" not in sealed
    assert text == "" and folded == ""
    assert value.shown() == SENSITIVE_VALUE
    assert list(values_holding(field, SENSITIVE_VALUE)) == [value]
    created = AuditEntry.objects.get(target_id=str(incident.pk), action="create")
    assert created.changes["custom.officer"] == "changed"
    assert "Грызлов" not in str(created.changes)


# --- removal ----------------------------------------------------------------------------


def test_a_removed_field_keeps_its_values_and_a_form_no_longer_touches_them(cast: Cast) -> None:
    admin = administrator(cast.organisation)
    field = define(cast.organisation, "station", FieldType.TEXT, user=admin, required=True)
    incident = incident_create(
        organisation=cast.organisation,
        user=cast.owner,
        data=incident_with(cast, {"station": "ОП-5"}),
    )
    custom_field_remove(custom=field, user=admin)
    incident_update(incident=incident, user=cast.owner, data=incident_with(cast, {}))
    assert stored_values(incident.pk) == {"station": ["ОП-5"]}


def test_a_key_taken_is_one_problem_on_the_key_alone(cast: Cast) -> None:
    define(cast.organisation, "police_station", FieldType.TEXT)
    with pytest.raises(ValidationError) as error:
        define(cast.organisation, "police_station", FieldType.TEXT)
    assert list(problems(error)) == ["key"] and len(problems(error)["key"]) == 1


def test_a_persons_values_of_a_removed_field_outlive_a_form_that_gives_the_others(
    cast: Cast,
) -> None:
    admin = administrator(cast.organisation)
    kind = FieldTarget.PERSON
    old = define(cast.organisation, "station", FieldType.TEXT, user=admin, applies_to=kind)
    define(cast.organisation, "threats", FieldType.NUMBER, user=admin, applies_to=kind)
    incident = incident_create(
        organisation=cast.organisation,
        user=cast.owner,
        data=incident_with(
            cast, {}, people=[PersonInput(pseudonym="Victim A", custom={"station": "ОП-5"})]
        ),
    )
    custom_field_remove(custom=old, user=admin)
    # As the form's person row gives it: every active field, the removed one not at all.
    row = PersonInput(pseudonym="Victim A", custom={"threats": "2"})
    incident_update(incident=incident, user=cast.owner, data=incident_with(cast, {}, people=[row]))
    kept = CustomValue.objects.filter(person__incident=incident).select_related("field")
    assert sorted((value.field.key, value.shown()) for value in kept) == [
        ("station", "ОП-5"),
        ("threats", "2"),
    ]
