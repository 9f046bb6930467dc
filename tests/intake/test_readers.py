import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from dozor.intake.readers import ImportFileError, table_open, text_decode

TEXT = "id;Дата;Мотив\n1;04.12.2008;ксенофобия\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1251"])
def test_the_encoding_is_detected(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(TEXT.encode(encoding))
    table = table_open(path, file="list.csv")
    rows = list(table.rows)
    assert rows[0].cells == {"id": "1", "Дата": "04.12.2008", "Мотив": "ксенофобия"}


def test_utf16_without_a_bom_is_detected() -> None:
    text, used = text_decode(TEXT.encode("utf-16-le"), file="f")
    assert used == "utf-16-le" and text == TEXT


def test_a_given_encoding_that_does_not_fit_is_named() -> None:
    with pytest.raises(ImportFileError, match="not readable as utf-8"):
        text_decode("ксенофобия".encode("cp1251"), file="f", encoding="utf-8")


def test_an_unknown_encoding_is_named() -> None:
    with pytest.raises(ImportFileError, match="“klingon” is not an encoding"):
        text_decode(b"a", file="f", encoding="klingon")


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "list.csv"
    path.write_text(TEXT.replace(";", delimiter), encoding="utf-8")
    table = table_open(path, file="list.csv")
    assert table.delimiter == delimiter and table.columns == ["id", "Дата", "Мотив"]


def test_a_row_with_too_many_cells_carries_a_problem_and_every_cell(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("a,b\n1,2,3\n", encoding="utf-8")
    row = next(table_open(path, file="list.csv").rows)
    assert row.problem is not None and row.problem.code == "cell_count"
    assert row.cells == {"a": "1", "b": "2", "(extra 1)": "3"}


def test_a_header_named_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("a,a\n1,2\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="“a” appears twice"):
        table_open(path, file="list.csv")


def test_blank_lines_are_counted_not_rows(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("a,b\n1,2\n\n3,4\n", encoding="utf-8")
    table = table_open(path, file="list.csv")
    assert [row.number for row in table.rows] == [2, 4] and table.blank_lines == 1


def test_xlsx_is_read_in_read_only_mode_with_dates_as_text(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["id", "Дата", "Убито"])
    # Spreadsheets hold naive dates.
    sheet.append(["A-1", datetime.datetime(2008, 12, 4), 2])  # noqa: DTZ001 - a spreadsheet cell holds a naive time
    sheet.append(["A-2", datetime.datetime(2008, 12, 4, 21, 30), 0])  # noqa: DTZ001 - a spreadsheet cell holds a naive time
    path = tmp_path / "list.xlsx"
    workbook.save(path)
    rows = list(table_open(path, file="list.xlsx").rows)
    assert rows[0].number == 2
    # A day is a day, as the date type reads it; a time of day is kept.
    assert rows[0].cells == {"id": "A-1", "Дата": "2008-12-04", "Убито": 2}
    assert rows[1].cells["Дата"] == "2008-12-04T21:30:00"


def test_a_file_that_is_not_a_workbook_is_named(tmp_path: Path) -> None:
    path = tmp_path / "list.xlsx"
    path.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ImportFileError, match="not a readable XLSX workbook"):
        table_open(path, file="list.xlsx")


def test_json_lines_are_read_and_a_bad_line_carries_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "list.jsonl"
    path.write_text('{"id": 1, "Дата": "2008-12-04"}\nnot json\n[1]\n', encoding="utf-8")
    rows = list(table_open(path, file="list.jsonl").rows)
    assert rows[0].cells == {"id": 1, "Дата": "2008-12-04"} and rows[0].problem is None
    assert rows[1].problem is not None and rows[1].problem.code == "not_json"
    assert rows[2].problem is not None and rows[2].problem.code == "not_an_object"


def test_a_nul_character_sends_the_row_to_quarantine_shown_escaped(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("a,b\n1,x\x00y\n", encoding="utf-8")
    row = next(table_open(path, file="list.csv").rows)
    assert row.problem is not None and row.problem.code == "nul_character"
    assert row.problem.column == "b" and row.cells["b"] == "x\\x00y"
