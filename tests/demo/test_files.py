"""The demo's lists written as partners' files: each file reads back as its keeper wrote it."""

from __future__ import annotations

import csv
import datetime
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from dozor.demo.files import NGO_COLUMNS, TRUTH_FILE, demo_files_write, row_id
from dozor.demo.generator import demo_generate


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    dataset = demo_generate(size=120, seed=3)
    folder = tmp_path_factory.mktemp("demo-files")
    demo_files_write(dataset, folder)
    return folder, dataset


def test_ngo_file_is_windows_1251_with_semicolons_and_russian_headers(written) -> None:
    folder, dataset = written
    data = (folder / "ngo.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    rows = list(csv.DictReader(StringIO(data.decode("cp1251"), newline=""), delimiter=";"))
    assert tuple(rows[0]) == NGO_COLUMNS
    ngo = [r for r in dataset.reports if r.source_list == "ngo"]
    assert [row["№"] for row in rows] == [row_id(r) for r in ngo]
    assert [row["Пострадавшие"] for row in rows] == [r.raw["Пострадавшие"] for r in ngo]


def test_press_file_is_one_coded_article_per_line_with_event_date(written) -> None:
    folder, dataset = written
    lines = (folder / "press.jsonl").read_text(encoding="utf-8").splitlines()
    press = [r for r in dataset.reports if r.source_list == "press"]
    assert [json.loads(line) for line in lines] == [r.raw for r in press]
    for report in press:
        assert report.raw["event_date"].startswith(report.parsed["date"][:4])
        assert report.parsed["date"].startswith(report.raw["event_date"])


def test_partner_workbook_has_one_column_group_per_victim_and_date_cells(written) -> None:
    folder, dataset = written
    sheet = load_workbook(folder / "partner.xlsx")["Incidents"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:2] == ("ID", "Date")
    assert "Victim 1 name" in header and "Victim 1 age" in header
    partner = [r for r in dataset.reports if r.source_list == "partner"]
    assert len(rows) - 1 == len(partner)
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    for report in partner:
        row = by_id[report.raw["ID"]]
        names = [row[f"Victim {n} name"] or "" for n in range(1, len(report.raw["Victims"]) + 1)]
        assert names == [v["name"] for v in report.raw["Victims"]]
        if report.parsed["date_precision"] == "day":
            day = datetime.date.fromisoformat(report.parsed["date"])
            written = row["Date"]
            if isinstance(written, datetime.datetime):
                assert written.date() == day
            else:
                assert written == f"{day:%d/%m/%Y}"


def test_truth_names_the_incident_of_every_row(written) -> None:
    folder, dataset = written
    with (folder / TRUTH_FILE).open(encoding="utf-8", newline="") as handle:
        truth = list(csv.DictReader(handle))
    assert len(truth) == len(dataset.reports)
    assert {(t["list"], t["id"]): t["incident"] for t in truth} == {
        (r.source_list, row_id(r)): r.incident_key for r in dataset.reports
    }


def test_demo_command_writes_the_files_and_says_how_to_import_them(tmp_path: Path) -> None:
    out = StringIO()
    call_command("demo", "--write-files", str(tmp_path / "lists"), "--size", "20", stdout=out)
    names = sorted(p.name for p in (tmp_path / "lists").iterdir())
    assert names == ["ngo.csv", "partner.xlsx", "press.jsonl", "truth.csv"]
    text = out.getvalue()
    assert text.count("dozor import") == 3
    assert "demo_ngo.yaml" in text and "dozor link accept" in text
