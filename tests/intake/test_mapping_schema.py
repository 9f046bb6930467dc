"""The mapping file's schema: what it refuses, in the words of the file, the key, what was expected
and what was found; standard fields checked against the report schema; the linkage warning."""

from __future__ import annotations

import pytest
from django.core.management.base import CommandError
from django.utils import translation

from dozor.intake.mapping import (
    LINKAGE_WARNINGS,
    MappingError,
    mapping_parse,
)
from dozor.records.models import Report
from dozor.records.report_schema import LINKAGE_ESSENTIALS
from tests.intake.conftest import import_by_command, write_csv

HEAD = "version: 1\nname: partner\n"


def refusal(text: str) -> str:
    with pytest.raises(MappingError) as error:
        mapping_parse(HEAD + text, "partner.yaml")
    return str(error.value)


def test_an_unknown_type_is_refused_with_every_type_named() -> None:
    assert refusal("fields: {date: {column: Дата, type: datum}}") == (
        "partner.yaml: fields.date.type: expected one of text, integer, date, boolean, code, "
        "codes, region, country, people; found str 'datum'."
    )


def test_a_standard_field_of_another_type_is_refused_naming_the_key() -> None:
    assert refusal("fields: {victims: {column: Пострадавшие}}") == (
        "partner.yaml: fields.victims.type: victims is a standard field, read by linkage and "
        "incidents as a list of people; expected type people; found text."
    )


def test_a_standard_code_field_must_use_its_vocabulary() -> None:
    message = refusal("fields: {incident_type: {column: T, type: code, vocabulary: harm}}")
    assert message.startswith("partner.yaml: fields.incident_type.vocabulary: incident_type is a")
    assert "expected vocabulary incident_type; found harm." in message


@pytest.mark.parametrize("name", ["date_precision", "date_end"])
def test_the_fields_a_date_writes_cannot_be_mapped_beside_it(name: str) -> None:
    message = refusal(f"fields: {{date: {{column: D, type: date}}, {name}: {{column: X}}}}")
    assert message.startswith(f"partner.yaml: fields.{name}: the date field date writes {name}")


def test_a_date_fields_precision_name_is_taken_for_any_date() -> None:
    message = refusal(
        "fields: {reported: {column: R, type: date}, reported_precision: {column: P}}"
    )
    assert "fields.reported_precision: the date field reported writes" in message


def test_every_other_name_is_an_extra_field() -> None:
    spec = mapping_parse(HEAD + "fields: {police_division: {column: DIVISION}}", "m.yaml")
    assert spec.apply({"DIVISION": "D11"}, 2).fields == {"police_division": "D11"}


def test_an_unknown_key_names_the_keys_allowed_for_that_type() -> None:
    message = refusal("fields: {region: {column: R, type: region, separator: ','}}")
    assert message.startswith("partner.yaml: fields.region.separator: unknown key;")
    assert "column, country, default, empty_values" in message


def test_a_yaml_yes_in_a_list_of_values_is_refused_with_the_reason() -> None:
    message = refusal('fields: {a: {column: A, type: boolean, "true": [Yes], "false": ["No"]}}')
    assert "fields.a.true: expected a text or a list of texts (YAML reads yes" in message
    assert "found bool True." in message


def test_a_date_format_without_a_year_is_refused() -> None:
    message = refusal('fields: {date: {column: D, type: date, formats: ["%d.%m"]}}')
    assert "fields.date.formats: expected strftime formats with a year" in message


def test_several_order_needs_its_order() -> None:
    message = refusal(
        "fields: {t: {column: T, type: code, vocabulary: incident_type, several: order}}"
    )
    assert "fields.t.order: expected a list of codes, the most serious first" in message


def test_an_order_code_outside_the_vocabulary_is_refused() -> None:
    message = refusal(
        "fields: {t: {column: T, type: code, vocabulary: incident_type, several: order, "
        "order: [homicide, war]}}"
    )
    assert "fields.t.order[2]: “war” is not a code of the vocabulary “incident_type”" in message


def test_a_region_default_must_be_a_region_code() -> None:
    assert "fields.region.default: expected an ISO 3166-2 region code" in refusal(
        "fields: {region: {type: region, default: RU-XX}}"
    )


def test_a_people_group_pattern_must_number_its_columns() -> None:
    message = refusal("fields: {victims: {type: people, groups: {name: Victim name}}}")
    assert "fields.victims.groups.name: expected a column name with {n} once" in message


def test_a_people_field_reads_a_column_or_groups_not_both() -> None:
    message = refusal('fields: {victims: {type: people, column: V, groups: {name: "Victim {n}"}}}')
    assert "fields.victims: expected a column or groups (one of them); found str 'both'." in message


def test_a_harm_outside_its_vocabulary_is_refused() -> None:
    message = refusal("fields: {victims: {type: people, column: V, harm: bruised}}")
    assert "fields.victims.harm: expected a code of the vocabulary harm" in message


def test_a_perceived_group_code_outside_its_vocabulary_is_refused() -> None:
    message = refusal(
        "fields: {victims: {type: people, column: V, perceived_group: {column: G, "
        "values: {martians: [x]}}}}"
    )
    assert "“martians” is not a code of the vocabulary “perceived_group”" in message


def test_an_id_column_list_must_name_each_column_once() -> None:
    assert "id_column: expected each column once" in refusal(
        "id_column: [a, a]\nfields: {x: {column: a}}"
    )
    assert "id_column: expected a column, or a list of columns" in refusal(
        "id_column: []\nfields: {x: {column: a}}"
    )


def test_a_version_of_true_is_not_version_1() -> None:
    with pytest.raises(MappingError, match=r"version: expected 1; found bool True\."):
        mapping_parse("version: true\nname: x\nfields: {x: {column: a}}", "partner.yaml")


def test_a_mapping_without_date_place_or_victims_is_read_with_warnings() -> None:
    spec = mapping_parse(HEAD + "fields: {killed: {column: K, type: integer}}", "m.yaml")
    assert spec.warnings == tuple(str(LINKAGE_WARNINGS[group]) for group in LINKAGE_ESSENTIALS)
    assert "linkage cannot compare the people attacked" in spec.warnings[2]
    assert "`victims` (type people)" in spec.warnings[2]


def test_a_locality_is_a_place_for_linkage() -> None:
    spec = mapping_parse(
        HEAD + "fields: {date: {column: D, type: date}, locality: {column: L}, "
        "victims: {column: V, type: people}}",
        "m.yaml",
    )
    assert spec.warnings == ()


def test_every_group_linkage_compares_has_its_warning() -> None:
    assert set(LINKAGE_WARNINGS) == set(LINKAGE_ESSENTIALS)


BROKEN = (
    "version: 1\nname: partner\ncolour: red\n"
    "fields: {date: {column: Дата, type: date, month_names: 'no'}, n: {column: N, type: integer, "
    'default: "x"}}\n'
)


@pytest.mark.django_db
def test_dozor_import_names_every_mistake_of_the_mapping(cast, source_list, tmp_path) -> None:
    path = write_csv(tmp_path / "partner.csv", "Дата,N\n2024-01-01,1\n")
    with pytest.raises(CommandError) as error:
        import_by_command(path, source_list, cast.owner, mapping_text=BROKEN)
    file = tmp_path / "mapping.yaml"
    assert str(error.value).splitlines() == [
        f"{file}: fields.date.month_names: expected true or false; found str 'no'.",
        f"{file}: fields.n.default: expected a whole number of at least -1000000000000000; "
        "found str 'x'.",
        f"{file}: colour: unknown key; the keys allowed here are checks, description, fields, "
        "format, id_column, name, response_events, version.",
    ]
    assert not Report.objects.filter(source_list=source_list).exists()


def test_a_mapping_mistake_is_told_in_russian_to_a_russian_reader() -> None:
    with translation.override("ru"), pytest.raises(MappingError) as error:
        mapping_parse("version: 1\nfields: {n: {column: N}}", "p.yaml")
    assert str(error.value) == "p.yaml: name: ожидалось непустой текст; найдено ничего."
