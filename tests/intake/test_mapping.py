import pytest

from dozor.intake.mapping import (
    MappingError,
    mapping_parse,
    normalised,
    row_fingerprint,
)
from tests.intake.conftest import SMALL_MAPPING


def test_the_toronto_mapping_is_valid(toronto_mapping) -> None:
    assert toronto_mapping.id_column == "EVENT_UNIQUE_ID"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "version: 1\nname: x\nfields: {a: {column: A, type: colour}}",
            "fields.a.type: expected one of text",
        ),
        ("version: 2\nname: x\nfields: {a: {column: A}}", "version: expected 1"),
        (
            "version: 1\nname: x\nfields: {a: {type: text}}",
            "fields.a: expected a column or a default; found nothing",
        ),
        (
            "version: 1\nname: x\nfields: {a: {column: A, colour: red}}",
            "fields.a.colour: unknown key",
        ),
        (
            "version: 1\nname: x\nfields: {a: {column: A, type: code, vocabulary: colours}}",
            "fields.a.vocabulary: expected one of",
        ),
        (
            "version: 1\nname: x\nfields: {a: {column: A, type: code, "
            "vocabulary: bias_motivation, values: {anti_cats: [x]}}}",
            "“anti_cats” is not a code of the vocabulary “bias_motivation”",
        ),
        (
            "version: 1\nname: x\nfields: {a: {column: A, type: date, formats: [dd.mm.yyyy]}}",
            "strftime formats",
        ),
        ("version: 1\nname: x\nfields: [a]", "fields: expected a mapping"),
        ("version: 1\nfields: {a: {column: A}}", "name: expected a non-empty text"),
        (
            "version: 1\nname: x\nfields: {a: {column: A}}\nchecks: [{earlier: a, later: a}]",
            "checks[1].earlier: expected a date field",
        ),
        ("{{{", "not valid YAML"),
        (
            "version: 1\nname: x\nformat: {encoding: klingon}\nfields: {a: {column: A}}",
            "format.encoding",
        ),
    ],
)
def test_a_broken_mapping_is_refused_naming_file_and_key(text: str, fragment: str) -> None:
    with pytest.raises(MappingError) as error:
        mapping_parse(text, "partner.yaml")
    assert str(error.value).startswith("partner.yaml: ")
    assert fragment in str(error.value)


def test_one_synonym_for_two_codes_is_refused() -> None:
    text = (
        "version: 1\nname: x\nfields: {a: {column: A, type: code, vocabulary: bias_motivation, "
        "values: {antisemitic: [x], anti_muslim: [X]}}}"
    )
    with pytest.raises(MappingError, match="“X” is given for both"):
        mapping_parse(text, "m.yaml")


def test_values_match_ignoring_case_and_spacing(small_mapping) -> None:
    result = small_mapping.apply(
        {"id": "1", "Дата": "04.12.2008", "Мотив": " КСЕНОФОБИЯ ,Гомофобия", "Убито": ""}, 2
    )
    assert result.fields is not None
    assert result.fields["biases"] == ["racist_xenophobic", "anti_lgbti"]


def test_a_vocabulary_code_and_its_labels_match_without_a_synonym(small_mapping) -> None:
    result = small_mapping.apply(
        {"id": "1", "Дата": "2008-12-04", "Мотив": "Антисемитизм", "Убито": "1"}, 2
    )
    assert result.fields is not None and result.fields["biases"] == ["antisemitic"]


def test_a_default_fills_an_empty_cell(small_mapping) -> None:
    result = small_mapping.apply({"id": "1", "Дата": "2008-12-04", "Мотив": "", "Убито": ""}, 2)
    assert result.fields is not None and result.fields["killed"] == 0


def test_every_problem_of_a_row_is_named_with_row_column_value(small_mapping) -> None:
    result = small_mapping.apply(
        {"id": "1", "Дата": "31.02.2008", "Мотив": "злоба", "Убито": "два"}, 7
    )
    assert result.fields is None
    found = {(p.row, p.column, p.value, p.code) for p in result.problems}
    assert found == {
        (7, "Дата", "31.02.2008", "not_date"),
        (7, "Мотив", "злоба", "not_in_mapping"),
        (7, "Убито", "два", "not_integer"),
    }
    assert "%d.%m.%Y" in result.problems[0].message()


def test_a_missing_required_value_is_a_problem(small_mapping) -> None:
    result = small_mapping.apply({"id": "1", "Дата": " ", "Мотив": "", "Убито": ""}, 3)
    assert [p.code for p in result.problems] == ["required"]


def test_toronto_case_variants_are_one_bias(toronto_mapping) -> None:
    base = dict.fromkeys(
        ["RACE_BIAS", "ETHNICITY_BIAS", "LANGUAGE_BIAS", "RELIGION_BIAS", "GENDER_BIAS"], "None"
    )
    base |= {"AGE_BIAS": "NO", "MENTAL_OR_PHYSICAL_DISABILITY": "NO"}
    codes = []
    for variant in ("2SLGBTQ+", "2Slgbtq+"):
        fields = toronto_row(toronto_mapping, base | {"SEXUAL_ORIENTATION_BIAS": variant})
        codes.append(fields["bias_motivations"])
    assert codes == [["anti_lgbti"], ["anti_lgbti"]]


def toronto_row(mapping, cells):
    row = {
        "EVENT_UNIQUE_ID": "GO-1",
        "OCCURRENCE_DATE": "2020-01-01",
        "OCCURRENCE_TIME": "900",
        "REPORTED_DATE": "2020-01-02",
        "DIVISION": "D11",
        "LOCATION_TYPE": "NA",
        "NEIGHBOURHOOD_158": "Rouge (131)",
        "PRIMARY_OFFENCE": "Assault",
        "MULTIPLE_BIAS": "No",
        "ARREST_MADE": "Yes",
        **cells,
    }
    result = mapping.apply(row, 2)
    assert result.problems == (), result.problems
    return result.fields


def test_toronto_arrest_made_is_kept_for_the_response_timeline(toronto_mapping) -> None:
    fields = toronto_row(toronto_mapping, {"RACE_BIAS": "Black"} | _nones(exclude="RACE_BIAS"))
    assert fields["arrest_made"] is True


def test_toronto_an_occurrence_reported_years_later_is_kept_and_flagged(toronto_mapping) -> None:
    fields = toronto_row(
        toronto_mapping, {"OCCURRENCE_DATE": "2014-08-01", "REPORTED_DATE": "2020-04-30"} | _nones()
    )
    assert fields["flags"] == ["reported_over_a_year_later"]


def test_toronto_a_report_before_the_occurrence_is_quarantined(toronto_mapping) -> None:
    row = {
        "EVENT_UNIQUE_ID": "GO-1",
        "OCCURRENCE_DATE": "2020-02-01",
        "REPORTED_DATE": "2020-01-01",
    }
    row |= {c: "x" for c in ("OCCURRENCE_TIME", "DIVISION", "LOCATION_TYPE", "NEIGHBOURHOOD_158")}
    row |= {"PRIMARY_OFFENCE": "Assault", "MULTIPLE_BIAS": "No", "ARREST_MADE": "No"} | _nones()
    result = toronto_mapping.apply(row, 9)
    assert [p.code for p in result.problems] == ["date_order"]


def test_toronto_an_offence_without_incident_type_is_kept_as_unmapped(toronto_mapping) -> None:
    fields = toronto_row(
        toronto_mapping, {"PRIMARY_OFFENCE": "Wilful Promotion of Hatred"} | _nones()
    )
    assert fields["incident_type"] is None
    assert fields["unmapped"] == {"incident_type": "Wilful Promotion of Hatred"}
    assert fields["offence"] == "Wilful Promotion of Hatred"


def _nones(exclude: str = "") -> dict[str, str]:
    columns = [
        "RACE_BIAS",
        "ETHNICITY_BIAS",
        "LANGUAGE_BIAS",
        "RELIGION_BIAS",
        "GENDER_BIAS",
        "SEXUAL_ORIENTATION_BIAS",
    ]
    cells = {column: "None" for column in columns if column != exclude}
    return cells | {"AGE_BIAS": "NO", "MENTAL_OR_PHYSICAL_DISABILITY": "NO"}


def test_the_fingerprint_ignores_spacing_but_not_case() -> None:
    assert row_fingerprint({"a": " x  y"}) == row_fingerprint({"a": "x y"})
    assert row_fingerprint({"a": "x"}) != row_fingerprint({"a": "X"})


def test_normalised_folds_case_and_spaces() -> None:
    assert normalised("  2Slgbtq+ ") == normalised("2SLGBTQ+")


def test_the_small_mapping_text_is_kept_verbatim(small_mapping) -> None:
    assert small_mapping.text == SMALL_MAPPING
