import csv
import io

import pytest

from dozor.lib.csv_safety import csv_safe_cell, csv_text


@pytest.mark.parametrize(
    "text",
    ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1", "  =1", "＝1"],
)
def test_a_cell_a_spreadsheet_would_evaluate_gets_an_apostrophe(text: str) -> None:
    assert csv_safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Нападение у метро", "2008-12-04", "a=b", ""])
def test_ordinary_text_is_unchanged(value: str) -> None:
    assert csv_safe_cell(value) == value


def test_numbers_stay_numbers_even_when_negative() -> None:
    assert (csv_safe_cell(-5), csv_safe_cell(2.5), csv_safe_cell(None)) == ("-5", "2.5", "")


def test_csv_text_makes_every_cell_safe_including_the_header() -> None:
    text = csv_text(["=h"], [["=x", "y"]])
    assert list(csv.reader(io.StringIO(text))) == [["'=h"], ["'=x", "y"]]
