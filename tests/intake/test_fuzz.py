"""Whatever a file holds, the import neither crashes nor stores half a row."""

import csv
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dozor.intake.mapping import mapping_parse
from dozor.intake.models import QuarantinedRow
from dozor.intake.readers import ImportFileError, table_open
from dozor.intake.services import import_run
from dozor.records.models import Report
from tests.intake.conftest import SMALL_MAPPING

MAPPING = mapping_parse(SMALL_MAPPING, "partner.yaml")
HEADER = "id,Дата,Мотив,Убито\n"
FORMULA = "=cmd|' /C calc'!A0"
cells = st.one_of(
    st.text(max_size=30),
    st.sampled_from([FORMULA, "04.12.2008", "ксенофобия", "0", "", "x" * 200_000, '"', "\x00"]),
)


def read_all(path: Path) -> None:
    try:
        table = table_open(path, file=path.name)
        for row in table.rows:
            if row.problem is None:
                result = MAPPING.apply(row.cells, row.number)
                assert (result.fields is None) == bool(result.problems)
    except ImportFileError:
        pass


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".xlsx", ".jsonl", ".bin"]))
def test_random_bytes_never_crash_the_readers(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"f{suffix}"
    path.write_bytes(data)
    read_all(path)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    text=st.text(max_size=300),
    encoding=st.sampled_from(["utf-8", "utf-16", "cp1251", "koi8-r", "latin-1"]),
)
def test_text_in_any_encoding_never_crashes_the_readers(
    tmp_path: Path, text: str, encoding: str
) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes((HEADER + text).encode(encoding, errors="replace"))
    read_all(path)


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(st.tuples(cells, cells, cells, cells), min_size=1, max_size=6))
def test_an_import_stores_whole_rows_or_quarantines_them(cast, tmp_path: Path, rows) -> None:
    from tests.factories import SourceListFactory

    source_list = SourceListFactory(organisation=cast.organisation)
    path = tmp_path / "f.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "Дата", "Мотив", "Убито"])
        writer.writerows(rows)
    try:
        summary = import_run(
            user=cast.owner, source_list=source_list, path=path, file_name="f.csv", mapping=MAPPING
        )
    except ImportFileError:
        assert Report.objects.filter(source_list=source_list).count() == 0
        return
    stored = Report.objects.filter(source_list=source_list)
    quarantined = QuarantinedRow.objects.filter(source_list=source_list).count()
    assert (
        summary.rows
        == summary.stored
        + summary.quarantined
        + summary.already_present
        + summary.duplicate_in_file
    )
    assert stored.count() == summary.stored and quarantined == summary.quarantined
    for report in stored:
        assert set(report.fields) >= {"date", "biases", "killed"}
        assert report.payload["id"].strip() == report.external_id


NEW_TYPES = mapping_parse(
    """
version: 1
name: partner
id_column: [id, n]
fields:
  country: {column: Страна, type: country}
  region: {column: Регион, type: region, unmatched: keep}
  date: {column: Дата, type: date, formats: ["%d.%m.%Y", "%Y-%m", "%Y"]}
  reported: {type: date, columns: {year: Год, month: Месяц}}
  victims:
    column: Пострадавшие
    type: people
    perceived_group: {column: Группа, empty_values: ["-"]}
  perpetrators:
    type: people
    groups: {name: "Нападавший {n}", age: "Возраст {n}"}
  incident_type:
    column: Что
    type: code
    vocabulary: incident_type
    separator: [",", ";", "/"]
    several: order
    order: [homicide, physical_assault, threat]
  bias_motivations: {column: Мотив, type: codes, vocabulary: bias_motivation, separator: [",", ";"]}
response_events:
  - {when: reported, present: true, kind: reported_to_police, date: reported}
""",
    "partner.yaml",
)
NEW_COLUMNS = [
    "id",
    "n",
    "Страна",
    "Регион",
    "Дата",
    "Год",
    "Месяц",
    "Пострадавшие",
    "Группа",
    "Нападавший 1",
    "Возраст 1",
    "Нападавший 2",
    "Что",
    "Мотив",
]
new_cells = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "Татарстан",
            "US-ZZ",
            "ru-ta",
            "Казань",
            "Altai",
            "XX",
            "РФ",
            "март 2018",
            "1–5 марта 2018",
            "2018-03-05/2018-03-01",
            "31.02.2018",
            "2018-" * 40,
            "Рустам Саидов (24); Анна К. (ж)",
            "Пётр (150)",
            "unknown (m)",
            "(м, 24)",
            "Ivanov, Ivan",
            "homicide, threat",
            "антисемитизм; гомофобия",
            "13",
            "марта",
            "-",
            "/",
            "\n",
            "x" * 20_000,
        ]
    ),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | new_cells,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(row=st.dictionaries(st.sampled_from(NEW_COLUMNS), json_values))
def test_the_new_types_read_any_row_as_fields_or_problems(row) -> None:
    """Whatever a JSON Lines row holds, each new type gives fields or problems, never both and
    never an exception; the fields are stored as JSON."""
    result = NEW_TYPES.apply(row, 2)
    assert (result.fields is None) == bool(result.problems)
    for problem in result.problems:
        assert problem.message()
    if result.fields is not None:
        json.dumps(result.fields)
    key, id_problem = NEW_TYPES.identity(row, 2)
    assert bool(key) != bool(id_problem)


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(st.lists(new_cells, min_size=14, max_size=14), min_size=1, max_size=5))
def test_an_import_with_the_new_types_stores_whole_rows_or_quarantines_them(
    cast, tmp_path: Path, rows
) -> None:
    from tests.factories import SourceListFactory

    source_list = SourceListFactory(organisation=cast.organisation)
    path = tmp_path / "f.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(NEW_COLUMNS)
        writer.writerows(rows)
    summary = import_run(
        user=cast.owner, source_list=source_list, path=path, file_name="f.csv", mapping=NEW_TYPES
    )
    stored = Report.objects.filter(source_list=source_list)
    assert summary.rows == (
        summary.stored + summary.quarantined + summary.already_present + summary.duplicate_in_file
    )
    assert stored.count() == summary.stored
    for report in stored:
        assert {"country", "region", "date", "victims", "perpetrators"} <= set(report.fields)
        assert isinstance(report.fields["victims"], list)
