"""The field types of a mapping, read as partners write their values: each form each type reads,
and the refusals (with the column and what was expected) of what it cannot read."""

from __future__ import annotations

import datetime
import textwrap
from typing import Any

import pytest

from dozor.intake.mapping import Mapping, MappingError, mapping_parse
from dozor.intake.problems import Problem


def mapping(fields: str, extra: str = "") -> Mapping:
    text = "version: 1\nname: partner\nfields:\n" + textwrap.indent(textwrap.dedent(fields), "  ")
    return mapping_parse(text + textwrap.dedent(extra), "partner.yaml")


def read(spec: Mapping, **cells: Any) -> dict[str, Any]:
    result = spec.apply(cells, 2)
    assert result.problems == (), [p.as_dict() for p in result.problems]
    assert result.fields is not None
    return result.fields


def refused(spec: Mapping, **cells: Any) -> Problem:
    result = spec.apply(cells, 2)
    assert result.fields is None
    (problem,) = result.problems
    return problem


# ---- date ------------------------------------------------------------------------------------

DATE = mapping("date: {column: Дата, type: date}\n")
DATE_RU = mapping('date: {column: Дата, type: date, formats: ["%d.%m.%Y", "%Y-%m", "%Y"]}\n')


@pytest.mark.parametrize(
    ("cell", "date", "precision"),
    [
        ("2018-03-12", "2018-03-12", "day"),
        ("2018-03", "2018-03-01", "month"),
        ("2018", "2018-01-01", "year"),
    ],
)
def test_a_date_takes_the_precision_of_the_format_that_read_it(cell, date, precision) -> None:
    fields = read(DATE, Дата=cell)
    assert (fields["date"], fields["date_precision"]) == (date, precision)
    assert "date_end" not in fields


def test_a_day_of_the_year_directive_reads_a_day() -> None:
    spec = mapping('date: {column: Дата, type: date, formats: ["%Y/%j"]}\n')
    assert read(spec, Дата="2018/071")["date_precision"] == "day"


@pytest.mark.parametrize(
    ("cell", "date", "precision"),
    [
        ("март 2018", "2018-03-01", "month"),
        ("Марта 2018 г.", "2018-03-01", "month"),
        ("марта 2018 года", "2018-03-01", "month"),
        ("12 марта 2018 г.", "2018-03-12", "day"),
        ("12 МАРТА 2018", "2018-03-12", "day"),
        ("March 2018", "2018-03-01", "month"),
        ("12 March 2018", "2018-03-12", "day"),
        ("Mar 2018", "2018-03-01", "month"),
        ("Mar. 2018", "2018-03-01", "month"),
        ("March 12, 2018", "2018-03-12", "day"),
        ("сент. 2019", "2019-09-01", "month"),
        ("3 мая 2020 г.", "2020-05-03", "day"),
    ],
)
def test_a_date_reads_russian_and_english_month_names(cell, date, precision) -> None:
    fields = read(DATE, Дата=cell)
    assert (fields["date"], fields["date_precision"]) == (date, precision)


@pytest.mark.parametrize(
    "cell",
    [
        "2018-03-01/2018-03-05",
        "2018-03-01 – 2018-03-05",
        "2018-03-01 - 2018-03-05",
        "2018-03-01—2018-03-05",
        "2018-03-01-2018-03-05",
        "01–05.03.2018",
        "1–5 марта 2018",
        "1-5 March 2018",
    ],
)
def test_a_range_is_its_first_day_and_its_last(cell) -> None:
    fields = read(DATE_RU if "." in cell else DATE, Дата=cell)
    assert (fields["date"], fields["date_precision"], fields["date_end"]) == (
        "2018-03-01",
        "range",
        "2018-03-05",
    )


def test_a_range_of_months_ends_on_the_last_day_of_the_second() -> None:
    fields = read(DATE, Дата="2018-02/2018-03")
    assert (fields["date"], fields["date_end"]) == ("2018-02-01", "2018-03-31")


def test_a_date_field_of_another_name_writes_its_own_precision_and_end() -> None:
    spec = mapping("reported: {column: R, type: date}\n")
    fields = read(spec, R="2018-03-01/2018-03-05")
    assert fields["reported_precision"] == "range"
    assert fields["reported_end"] == "2018-03-05"


def test_an_unreadable_date_names_the_column_and_the_forms_expected() -> None:
    problem = refused(DATE_RU, Дата="Гондор")
    assert (problem.column, problem.code) == ("Дата", "not_date")
    message = problem.message()
    assert "%d.%m.%Y" in message and "март 2018" in message and "2018-03-01/2018-03-05" in message


def test_month_names_false_reads_only_the_formats() -> None:
    spec = mapping("date: {column: Дата, type: date, month_names: false, ranges: false}\n")
    problem = refused(spec, Дата="март 2018")
    assert problem.code == "not_date"
    assert "март" not in problem.message()


def test_ranges_false_refuses_a_range() -> None:
    spec = mapping("date: {column: Дата, type: date, ranges: false}\n")
    assert refused(spec, Дата="2018-03-01/2018-03-05").code == "not_date"


def test_a_range_that_ends_before_it_starts_is_refused() -> None:
    problem = refused(DATE, Дата="2018-03-05/2018-03-01")
    assert (problem.column, problem.code) == ("Дата", "date_range_backwards")


COLUMNS = mapping("date: {type: date, columns: {year: Год, month: Месяц, day: День}}\n")


@pytest.mark.parametrize(
    ("year", "month", "day", "date", "precision"),
    [
        ("2018", "3", "12", "2018-03-12", "day"),
        ("2018", "марта", "12", "2018-03-12", "day"),
        ("2018", "March", "", "2018-03-01", "month"),
        ("2018", "", "", "2018-01-01", "year"),
        (2018, 3, "", "2018-03-01", "month"),
    ],
)
def test_a_date_from_separate_columns_has_the_precision_present(
    year, month, day, date, precision
) -> None:
    fields = read(COLUMNS, Год=year, Месяц=month, День=day)
    assert (fields["date"], fields["date_precision"]) == (date, precision)


@pytest.mark.parametrize(
    ("cells", "column", "code"),
    [
        ({"Год": "2018", "Месяц": "13", "День": ""}, "Месяц", "not_month"),
        ({"Год": "2018", "Месяц": "", "День": "5"}, "День", "day_without_month"),
        ({"Год": "2018", "Месяц": "2", "День": "30"}, "День", "not_day"),
        ({"Год": "18", "Месяц": "", "День": ""}, "Год", "not_year"),
        ({"Год": "", "Месяц": "3", "День": ""}, "Год", "required"),
    ],
)
def test_a_date_from_columns_names_the_column_it_cannot_read(cells, column, code) -> None:
    problem = refused(COLUMNS, **cells)
    assert (problem.column, problem.code) == (column, code)


def test_a_date_check_compares_the_first_days() -> None:
    spec = mapping(
        "date: {column: D, type: date}\nreported: {column: R, type: date}\n",
        "checks: [{earlier: date, later: reported}]\n",
    )
    assert read(spec, D="2018-03", R="2018-03-01")["date"] == "2018-03-01"
    assert refused(spec, D="2018-03", R="2018-02-28").code == "date_order"


def test_an_empty_date_takes_its_default_with_the_defaults_precision() -> None:
    spec = mapping("date: {column: D, type: date, default: '2018'}\n")
    fields = read(spec, D="")
    assert (fields["date"], fields["date_precision"]) == ("2018-01-01", "year")


# ---- region ----------------------------------------------------------------------------------

REGION = mapping("region: {column: Регион, type: region}\n")


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("Москва", "RU-MOW"),
        ("г. Москва", "RU-MOW"),
        ("Moscow", "RU-MOW"),
        ("Республика Татарстан", "RU-TA"),
        ("Татарстан", "RU-TA"),
        ("Tatarstan", "RU-TA"),
        ("Republic of Tatarstan", "RU-TA"),
        ("RU-TA", "RU-TA"),
        ("ru-ta", "RU-TA"),
        ("СПб", "RU-SPE"),
        ("Спб", "RU-SPE"),
        ("Питер", "RU-SPE"),
        ("Spb", "RU-SPE"),
        ("St. Petersburg", "RU-SPE"),
        ("Saint Petersburg", "RU-SPE"),
        ("Санкт-Петербург", "RU-SPE"),
        ("Ленинградская обл.", "RU-LEN"),
        ("Ленобласть", "RU-LEN"),
        ("Подмосковье", "RU-MOS"),
        ("Moscow Oblast", "RU-MOS"),
        ("Moscow region", "RU-MOS"),
        ("Krasnodar territory", "RU-KDA"),
        ("Краснодарский край", "RU-KDA"),
        ("Кубань", "RU-KDA"),
        ("Приморье", "RU-PRI"),
        ("Primorsky Krai", "RU-PRI"),
        ("ХМАО", "RU-KHM"),
        ("ЯНАО", "RU-YAN"),
        ("Чувашия", "RU-CU"),
        ("Якутия", "RU-SA"),
        ("Кабардино-Балкария", "RU-KB"),
        ("Свердловская область", "RU-SVE"),
        ("Респ. Башкортостан", "RU-BA"),
        ("Ханты-Мансийский автономный округ", "RU-KHM"),
        ("Ненецкий АО", "RU-NEN"),
        ("Орловская обл", "RU-ORL"),
        ("Oryol region", "RU-ORL"),
    ],
)
def test_a_region_is_read_from_its_code_or_its_names(cell, code) -> None:
    assert read(REGION, Регион=cell)["region"] == code


def test_a_region_code_of_another_country_is_read_when_no_country_is_given() -> None:
    assert read(REGION, Регион="US-NY")["region"] == "US-NY"


def test_a_region_code_pycountry_does_not_know_is_refused() -> None:
    problem = refused(REGION, Регион="US-ZZ")
    assert (problem.column, problem.code) == ("Регион", "region_unknown_code")
    assert "“US-ZZ” is not an ISO 3166-2 region code" in problem.message()


def test_a_name_it_cannot_place_is_refused_saying_so() -> None:
    problem = refused(REGION, Регион="Гондор")
    assert (problem.column, problem.code) == ("Регион", "region_not_placed")
    assert problem.message().startswith("“Гондор” is not a region of Russia that Dozor knows;")


def test_a_capital_is_a_city_not_its_region() -> None:
    problem = refused(REGION, Регион="Казань")
    assert problem.code == "region_is_a_city"
    assert "capital of RU-TA" in problem.message()


def test_a_name_that_fits_two_regions_is_refused_not_guessed() -> None:
    problem = refused(REGION, Регион="Altai")
    assert problem.code == "region_ambiguous"
    assert "RU-AL, RU-ALT" in problem.message()


def test_unmatched_keep_keeps_the_name_as_the_locality_and_flags_the_report() -> None:
    spec = mapping("region: {column: Регион, type: region, unmatched: keep}\n")
    fields = read(spec, Регион="Казань")
    assert fields["region"] is None
    assert fields["locality"] == "Казань"
    assert fields["flags"] == ["region_not_placed"]


def test_unmatched_keep_leaves_a_locality_the_row_gives() -> None:
    spec = mapping(
        "region: {column: Регион, type: region, unmatched: keep}\nlocality: {column: Город}\n"
    )
    fields = read(spec, Регион="Гондор", Город="Минас-Тирит")
    assert fields["locality"] == "Минас-Тирит"
    assert fields["unmapped"] == {"region": "Гондор"}
    assert fields["flags"] == ["region_not_placed"]


def test_unmatched_keep_still_refuses_an_unknown_code() -> None:
    spec = mapping("region: {column: Регион, type: region, unmatched: keep}\n")
    assert refused(spec, Регион="RU-ZZZ").code == "region_unknown_code"


def test_a_mappings_own_names_for_regions_come_first() -> None:
    spec = mapping('region: {column: Регион, type: region, values: {RU-MOS: ["Подмоск."]}}\n')
    assert read(spec, Регион="подмоск.")["region"] == "RU-MOS"


def test_a_regions_country_reads_names_among_that_countrys_regions() -> None:
    spec = mapping("region: {column: State, type: region, country: US}\n")
    assert read(spec, State="New York")["region"] == "US-NY"
    problem = refused(spec, State="RU-TA")
    assert problem.code == "region_other_country"
    assert problem.message() == "RU-TA is a region of Russia, not of the United States"


def test_a_regions_country_defaults_to_the_rows_country_field() -> None:
    spec = mapping(
        "region: {column: State, type: region}\ncountry: {column: Country, type: country}\n"
    )
    assert read(spec, State="Ohio", Country="USA")["region"] == "US-OH"
    assert read(spec, State="Татарстан", Country="")["region"] == "RU-TA"


def test_a_region_code_of_another_country_than_the_option_is_refused_when_read() -> None:
    with pytest.raises(MappingError, match=r"fields.region.values.RU-MOS: expected an ISO"):
        mapping("region: {column: R, type: region, country: US, values: {RU-MOS: [x]}}\n")


# ---- country ---------------------------------------------------------------------------------

COUNTRY = mapping("country: {column: Страна, type: country}\n")


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("RU", "RU"),
        ("rus", "RU"),
        ("Россия", "RU"),
        ("РФ", "RU"),
        ("Russia", "RU"),
        ("Russian Federation", "RU"),
        ("Российская Федерация", "RU"),
        ("США", "US"),
        ("USA", "US"),
        ("United States", "US"),
        ("UK", "GB"),
        ("Великобритания", "GB"),
        ("Германия", "DE"),
        ("Canada", "CA"),
        ("Korea, Republic of", "KR"),
    ],
)
def test_a_country_is_read_as_its_alpha_2_code(cell, code) -> None:
    assert read(COUNTRY, Страна=cell)["country"] == code


@pytest.mark.parametrize("cell", ["XX", "ZZ", "Нарния"])
def test_a_country_dozor_does_not_know_is_refused(cell) -> None:
    problem = refused(COUNTRY, Страна=cell)
    assert (problem.column, problem.code) == ("Страна", "country_unknown")
    assert "expected an ISO 3166-1 code" in problem.message()


def test_a_countrys_default_is_checked_when_the_mapping_is_read() -> None:
    with pytest.raises(MappingError, match=r"fields.country.default: expected a country"):
        mapping("country: {type: country, default: XX}\n")
    assert read(mapping("country: {type: country, default: CA}\n"))["country"] == "CA"


# ---- people ----------------------------------------------------------------------------------

VICTIMS = mapping("victims: {column: Пострадавшие, type: people}\n")


def person(name: str = "", sex: str = "unknown", age: int | None = None) -> dict[str, Any]:
    return {"name": name, "sex": sex, "age": age, "perceived_group": "", "harm": "unknown"}


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Иванов И.", person("Иванов И.")),
        ("Ivanov, Ivan", person("Ivanov, Ivan")),
        ("Рустам Саидов (24)", person("Рустам Саидов", age=24)),
        ("Иванов Иван (м, 24)", person("Иванов Иван", "male", 24)),
        ("Petrov Ivan (M, 31)", person("Petrov Ivan", "male", 31)),
        ("Анна К. (ж)", person("Анна К.", "female")),
        ("Рустам Саидов, 24 года", person("Рустам Саидов", age=24)),
        ("Ivan Petrov, 24", person("Ivan Petrov", age=24)),
        ("unknown (m)", person(sex="male")),
        ("Имя не установлено (женщина, 40 лет)", person(sex="female", age=40)),
        ("Н/Д", person()),
        ("Olga (F, 30 y.o.)", person("Olga", "female", 30)),
        ("Пётр Сидоров, мужчина, 45", person("Пётр Сидоров", "male", 45)),
    ],
)
def test_a_person_is_read_as_written(cell, expected) -> None:
    assert read(VICTIMS, Пострадавшие=cell)["victims"] == [expected]


def test_several_people_in_one_cell_split_on_semicolons_and_lines() -> None:
    fields = read(VICTIMS, Пострадавшие="Иванов И. (м); Анна К. (ж)\nРустам Саидов (24)")
    assert fields["victims"] == [
        person("Иванов И.", "male"),
        person("Анна К.", "female"),
        person("Рустам Саидов", age=24),
    ]


def test_a_people_separator_can_be_a_list() -> None:
    spec = mapping('victims: {column: V, type: people, separator: ["|", "/"]}\n')
    assert [p["name"] for p in read(spec, V="A | B/C")["victims"]] == ["A", "B", "C"]


def test_an_empty_cell_is_no_people() -> None:
    assert read(VICTIMS, Пострадавшие="")["victims"] == []


def test_an_unreadable_age_names_the_person_and_the_column() -> None:
    problem = refused(VICTIMS, Пострадавшие="Иванов И.; Петров П. (150)")
    assert (problem.column, problem.code) == ("Пострадавшие", "person_age")
    assert problem.message().startswith("person 2: “150” is not an age")


def test_a_mapping_adds_words_for_no_name_and_for_sex() -> None:
    spec = mapping(
        'victims: {column: V, type: people, unnamed: ["аноним"], sex: {female: ["девушка"]}}\n'
    )
    assert read(spec, V="Аноним (девушка, 19)")["victims"] == [person(sex="female", age=19)]


GROUPS = mapping(
    """\
    victims:
      type: people
      groups: {name: "Victim {n} name", sex: "Victim {n} gender", age: "Victim {n} age"}
    """
)


def test_numbered_column_groups_are_one_person_each() -> None:
    cells = {
        "Victim 1 name": "Anna K.",
        "Victim 1 gender": "Female",
        "Victim 1 age": "30",
        "Victim 2 name": "",
        "Victim 2 gender": "",
        "Victim 2 age": "",
        "Victim 3 name": "unknown",
        "Victim 3 gender": "M",
        "Victim 3 age": "",
    }
    assert read(GROUPS, **cells)["victims"] == [person("Anna K.", "female", 30), person(sex="male")]


def test_a_groups_unreadable_sex_names_its_column_and_the_person() -> None:
    problem = refused(GROUPS, **{"Victim 1 name": "A", "Victim 1 gender": "x", "Victim 1 age": ""})
    assert (problem.column, problem.code) == ("Victim 1 gender", "person_sex")
    assert problem.message().startswith("person 1: “x” is not a sex")


def test_a_group_pattern_the_file_lacks_is_a_missing_column_of_the_whole_file() -> None:
    assert GROUPS.missing_columns(["Victim 1 name", "Other"]) == []
    assert GROUPS.missing_columns(["Other"]) == [
        "Victim {n} name / Victim {n} gender / Victim {n} age"
    ]


def test_a_json_list_of_texts_is_read_person_by_person() -> None:
    fields = read(VICTIMS, Пострадавшие=["Иванов И. (м)", "Анна К., 30"])
    assert fields["victims"] == [person("Иванов И.", "male"), person("Анна К.", age=30)]


def test_a_json_list_of_objects_is_read_by_the_keys_the_mapping_names() -> None:
    spec = mapping("victims: {column: v, type: people, keys: {sex: gender, age: years}}\n")
    cell = [{"name": "Anna", "gender": "f", "years": 30}, {"name": "Н/Д", "gender": None}]
    assert read(spec, v=cell)["victims"] == [person("Anna", "female", 30), person()]


def test_a_json_item_that_is_not_a_person_is_refused_with_its_position() -> None:
    problem = refused(VICTIMS, Пострадавшие=["A", 7])
    assert problem.code == "person_not_readable"
    assert problem.message().startswith("person 2: expected a text or an object")


def test_a_perceived_group_and_a_harm_are_given_to_every_person_of_the_row() -> None:
    spec = mapping(
        """\
        victims:
          column: V
          type: people
          harm: injured
          perceived_group: {column: Группа, values: {central_asian: [мигранты]}}
        """
    )
    fields = read(spec, V="A; B", Группа="Мигранты")
    assert [(p["perceived_group"], p["harm"]) for p in fields["victims"]] == [
        ("central_asian", "injured"),
        ("central_asian", "injured"),
    ]
    labelled = read(spec, V="A", Группа="Выходцы с Кавказа")["victims"][0]
    assert labelled["perceived_group"] == "caucasian"
    assert refused(spec, V="A", Группа="марсиане").column == "Группа"


def test_people_required_refuses_a_row_without_anyone() -> None:
    spec = mapping("victims: {column: V, type: people, required: true}\n")
    assert refused(spec, V=" ").code == "required"


# ---- code and codes --------------------------------------------------------------------------


def test_codes_split_on_any_of_several_separators() -> None:
    spec = mapping(
        'b: {column: M, type: codes, vocabulary: bias_motivation, separator: [";", ",", "/"]}\n'
    )
    assert read(spec, M="Антисемитизм; anti_lgbti/disability")["b"] == [
        "antisemitic",
        "anti_lgbti",
        "disability",
    ]


def test_a_json_list_cell_gives_its_items_as_values() -> None:
    spec = mapping("b: {column: M, type: codes, vocabulary: bias_motivation}\n")
    assert read(spec, M=["antisemitic", "Anti-LGBTI"])["b"] == ["antisemitic", "anti_lgbti"]


BOTH = '["ANTI-BLACK/SEXUAL ORIENTATION"]'


def test_one_value_listed_under_two_codes_gives_both_codes() -> None:
    spec = mapping(
        f"b: {{column: M, type: codes, vocabulary: bias_motivation, separator: '/', "
        f"values: {{racist_xenophobic: {BOTH}, anti_lgbti: {BOTH}}}}}\n"
    )
    assert read(spec, M="Anti-Black/Sexual Orientation")["b"] == ["racist_xenophobic", "anti_lgbti"]


CODE_SEVERAL = """\
    t:
      column: T
      type: code
      vocabulary: incident_type
      separator: ","
      {rule}
"""


def test_a_code_cell_with_several_codes_is_quarantined_by_default() -> None:
    spec = mapping(CODE_SEVERAL.format(rule=""))
    problem = refused(spec, T="threat, arson")
    assert (problem.column, problem.code) == ("T", "several_codes")
    assert "threat, arson" in problem.message() and "several: first" in problem.message()


def test_several_first_takes_the_first_and_keeps_the_rest_as_unmapped() -> None:
    fields = read(mapping(CODE_SEVERAL.format(rule="several: first")), T="threat, arson")
    assert fields["t"] == "threat"
    assert fields["unmapped"] == {"t": "arson"}


def test_several_order_takes_the_most_serious() -> None:
    rule = "several: order\n      order: [homicide, arson, physical_assault, threat]"
    fields = read(mapping(CODE_SEVERAL.format(rule=rule)), T="threat, arson, physical_assault")
    assert fields["t"] == "arson"
    assert fields["unmapped"] == {"t": "threat; physical_assault"}


def test_a_code_value_under_two_codes_needs_a_several_rule() -> None:
    fields = f"values: {{homicide: {BOTH}, arson: {BOTH}}}"
    with pytest.raises(MappingError, match="is given for both “homicide” and “arson”"):
        mapping(CODE_SEVERAL.format(rule=fields))
    spec = mapping(CODE_SEVERAL.format(rule=f"several: first\n      {fields}"))
    assert read(spec, T="anti-black/sexual orientation")["t"] == "homicide"


def test_unmatched_empty_keeps_working_for_a_code() -> None:
    spec = mapping("t: {column: T, type: code, vocabulary: incident_type, unmatched: empty}\n")
    fields = read(spec, T="Wilful Promotion of Hatred")
    assert fields["t"] is None and fields["unmapped"] == {"t": "Wilful Promotion of Hatred"}


def test_a_code_field_may_use_a_response_vocabulary() -> None:
    spec = mapping("article: {column: A, type: code, vocabulary: legal_article}\n")
    assert read(spec, A="ru_cc_105_1")["article"] == "ru_cc_105_1"


def test_a_spreadsheets_date_cell_is_read_as_its_day() -> None:
    fields = read(DATE_RU, Дата=datetime.datetime(2018, 3, 12, 14, 30, tzinfo=datetime.UTC))
    assert (fields["date"], fields["date_precision"]) == ("2018-03-12", "day")
