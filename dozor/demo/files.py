# Russian text is the point of this module, so Cyrillic letters that look Latin are intended.
"""The demo's three source lists written as the files their keepers would send.

The NGO exports its database from a Russian spreadsheet: CSV in Windows-1251 with semicolons and
Russian headers, region names as its staff write them, several victims in one cell ("Иванов Иван
(м, 24); …"), dates as 04.12.2008, 12.2008 or 2008. The press scan is JSON Lines, one coded article
per line: the names as the article declines them, the place as it says it, its rubrics as tags.
The partner network sends a workbook with English headers, English region names ("Sverdlovsk
region"), Latin transliterations, one column group per victim, and dates as real dates, as
"March 2018", "2018-03" or a year.

Each file is read with a mapping shipped in ``dozor/intake/mappings/`` (``demo_*.yaml``); the
truth (which incident each row reports) is written beside them as ``truth.csv``, so that the
chain file → import → linkage → incidents → estimate can be scored. Plain Python, no Django.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook

from dozor.demo.dataset import DemoDataset, DemoReport

NGO_FILE = "ngo.csv"
PRESS_FILE = "press.jsonl"
PARTNER_FILE = "partner.xlsx"
TRUTH_FILE = "truth.csv"
MAPPINGS = Path(__file__).resolve().parents[1] / "intake" / "mappings"

NGO_COLUMNS = (
    "№",
    "Дата",
    "Регион",
    "Город",
    "Тип",
    "Мотив",
    "Группа пострадавших",
    "Пострадавшие",
    "Убиты",
    "Ранены",
    "Организация",
    "Кратко",
    "Описание",
    "Источник",
)
PARTNER_COLUMNS = (
    "ID",
    "Date",
    "Region",
    "City",
    "Incident type",
    "Bias motivation",
    "Killed",
    "Injured",
    "Title",
    "Description",
    "Source",
)
VICTIM_COLUMNS = ("name", "gender", "age")


@dataclass(frozen=True)
class DemoFile:
    """One source list as a file: where it is, the mapping that reads it, the id of each row."""

    list_key: str
    path: Path
    mapping: Path
    id_column: str
    kind: str  # source_kind code
    language: str


def row_id(report: DemoReport) -> str:
    """The identifier a report's row carries in its file (its id column's cell)."""
    column = {"ngo": "№", "press": "id", "partner": "ID"}[report.source_list]
    return str(report.raw[column])


def demo_files_write(dataset: DemoDataset, folder: Path) -> list[DemoFile]:
    """Write the three lists (and truth.csv) into ``folder``; return them in list order."""
    folder.mkdir(parents=True, exist_ok=True)
    by_list: dict[str, list[DemoReport]] = {s.key: [] for s in dataset.source_lists}
    for report in dataset.reports:
        by_list[report.source_list].append(report)
    _ngo_write(by_list["ngo"], folder / NGO_FILE)
    _press_write(by_list["press"], folder / PRESS_FILE)
    _partner_write(by_list["partner"], folder / PARTNER_FILE)
    with (folder / TRUTH_FILE).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["list", "id", "incident"])
        for report in dataset.reports:
            writer.writerow([report.source_list, row_id(report), report.incident_key])
    files = {
        "ngo": (NGO_FILE, "№"),
        "press": (PRESS_FILE, "id"),
        "partner": (PARTNER_FILE, "ID"),
    }
    return [
        DemoFile(
            list_key=s.key,
            path=folder / files[s.key][0],
            mapping=MAPPINGS / f"demo_{s.key}.yaml",
            id_column=files[s.key][1],
            kind=s.kind,
            language=s.language,
        )
        for s in dataset.source_lists
    ]


def _ngo_write(reports: list[DemoReport], path: Path) -> None:
    # Excel in a Russian locale saves "CSV" as Windows-1251 with semicolons and CRLF.
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(NGO_COLUMNS)
    for report in reports:
        writer.writerow([report.raw[column] for column in NGO_COLUMNS])
    path.write_bytes(buffer.getvalue().encode("cp1251"))


def _press_write(reports: list[DemoReport], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for report in reports:
            handle.write(json.dumps(report.raw, ensure_ascii=False) + "\n")


def _partner_date(text: str) -> str | datetime.datetime:
    """A full ISO date becomes a real date cell, as a spreadsheet keeps it; the rest stay text."""
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        return text
    return datetime.datetime(day.year, day.month, day.day)  # noqa: DTZ001 - a calendar day


def _partner_write(reports: list[DemoReport], path: Path) -> None:
    most = max((len(report.raw["Victims"]) for report in reports), default=0)
    victim_columns = [
        f"Victim {number} {part}" for number in range(1, most + 1) for part in VICTIM_COLUMNS
    ]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Incidents")
    sheet.append([*PARTNER_COLUMNS, *victim_columns])
    for report in reports:
        raw = report.raw
        cells: list[object] = [raw[column] for column in PARTNER_COLUMNS]
        cells[1] = _partner_date(str(raw["Date"]))
        for victim in raw["Victims"]:
            cells.extend([victim["name"], victim["gender"], victim["age"]])
        cells.extend([None] * (len(PARTNER_COLUMNS) + len(victim_columns) - len(cells)))
        sheet.append(cells)
    book.save(path)
