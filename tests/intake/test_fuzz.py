"""Whatever a file holds, the import neither crashes nor stores half a row."""

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
    import csv

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
