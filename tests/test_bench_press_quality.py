"""bench/press_quality.py: its evaluation set passes the schema check, a broken entry is refused
by id and field, and each field is scored right, wrong or not produced as the bench says."""

from __future__ import annotations

import copy
import datetime
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from dozor.analysis.text import extract_draft
from tests.bench_modules import bench_module


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    with bench_module("press_quality") as module:
        yield module


@pytest.fixture(scope="module")
def entries(bench: ModuleType) -> dict[str, Any]:
    return {entry.id: entry for entry in bench.load_set()}


def _draft_fields(expected: dict[str, Any]) -> dict[str, Any]:
    """The fields a perfect draft of today's shape would have: no perpetrators, attempted or
    origin."""
    return {
        "date": expected["date"].isoformat() if expected["date"] else None,
        "date_end": expected["date_end"].isoformat() if expected["date_end"] else None,
        "date_precision": expected["date_precision"],
        "region": expected["region"],
        "locality": expected["locality"],
        "incident_type": expected["incident_type"],
        "bias_motivations": list(expected["bias_motivations"]),
        "defender_targeted": expected["defender_targeted"],
        "killed": expected["killed"],
        "injured": expected["injured"],
        "victims": [dict(victim) for victim in expected["victims"]],
    }


def test_the_evaluation_set_passes_the_schema_check_with_enough_texts_in_each_language(
    bench: ModuleType, entries: dict[str, Any]
) -> None:
    languages = Counter(entry.language for entry in entries.values())
    assert languages["ru"] >= 60 and languages["en"] >= 20


def test_every_tag_of_what_a_text_tries_is_tried_by_some_text(
    bench: ModuleType, entries: dict[str, Any]
) -> None:
    tried = {tag for entry in entries.values() for tag in entry.covers}
    assert tried == bench.COVERS


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("region", "RU-XX", "region 'RU-XX' is not a Russian region code"),
        ("date_precision", "week", "date_precision 'week' is not a date_precision code"),
        ("date", datetime.date(2007, 8, 15), None),
        ("incident_type", "riot", "incident_type 'riot' is unknown"),
        ("victim_origin", "Dagestan", "victim_origin 'Dagestan' is no region or country code"),
        ("killed", 2, "an attempt kills nobody"),
    ],
)
def test_a_broken_entry_is_refused_naming_the_entry_and_the_field(
    bench: ModuleType, tmp_path: Path, field: str, value: Any, message: str | None
) -> None:
    data = yaml.safe_load(bench.SET_FILE.read_text(encoding="utf-8"))
    (attempt,) = (item for item in data["texts"] if item["id"].startswith("ru008_"))
    broken = copy.deepcopy(attempt)  # an attempt, published 2023-10-16
    broken["expected"][field] = value
    if field == "date":
        # A month's date must be its first day.
        broken["expected"]["date_precision"] = "month"
        message = "a month's date is its first day"
    path = tmp_path / "set.yaml"
    path.write_text(yaml.safe_dump({"texts": [broken]}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(bench.SetError) as error:
        bench.load_set(path)
    assert f"entry #1 ({broken['id']})" in str(error.value)
    assert message is not None and message in str(error.value)


def test_an_entry_without_expected_fields_is_refused(bench: ModuleType, tmp_path: Path) -> None:
    data = yaml.safe_load(bench.SET_FILE.read_text(encoding="utf-8"))
    broken = copy.deepcopy(data["texts"][0])
    del broken["expected"]["perpetrators"]
    path = tmp_path / "set.yaml"
    path.write_text(yaml.safe_dump({"texts": [broken]}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(bench.SetError, match=r"expected lacks \['perpetrators'\]"):
        bench.load_set(path)


def test_a_perfect_draft_of_todays_shape_is_right_on_its_fields_and_lacks_the_new_ones(
    bench: ModuleType, entries: dict[str, Any]
) -> None:
    entry = entries["ru002_national_unity_day_woman"]
    scores = bench.score_entry(_draft_fields(entry.expected), entry.expected)
    assert {field for field, score in scores.items() if score != bench.RIGHT} == {
        "perpetrators",
        "attempted",
        "victim_origin",
    }
    assert {scores[field] for field in ("perpetrators", "attempted", "victim_origin")} == {
        bench.NOT_PRODUCED
    }


def test_perpetrators_attempted_and_origin_are_scored_once_the_draft_has_them(
    bench: ModuleType, entries: dict[str, Any]
) -> None:
    entry = entries["ru008_attempted_murder_no_deaths"]
    fields = _draft_fields(entry.expected)
    fields["perpetrators"] = [{"name": "Максим Грачев", "role": "perpetrator"}]
    fields["attempted"] = True
    fields["victims"] = [{"name": "Фирдавс Саидов", "sex": "male", "origin": "TJ"}]
    assert set(bench.score_entry(fields, entry.expected).values()) == {bench.RIGHT}
    fields["attempted"] = False
    fields["victims"][0]["origin"] = "RU-DA"
    scores = bench.score_entry(fields, entry.expected)
    assert (scores["attempted"], scores["victim_origin"]) == (bench.WRONG, bench.WRONG)


def test_a_day_where_the_text_gives_only_a_month_is_wrong(
    bench: ModuleType, entries: dict[str, Any]
) -> None:
    entry = entries["ru005_october_last_year_month"]
    fields = _draft_fields(entry.expected)
    assert bench.score_field(fields, entry.expected, "date") == bench.RIGHT
    fields.update(date="2015-10-20", date_precision="day")
    assert bench.score_field(fields, entry.expected, "date") == bench.WRONG
    fields.update(date="2016-05-23", date_precision="day")  # the publication day
    assert bench.score_field(fields, entry.expected, "date") == bench.WRONG


def test_a_victim_with_the_wrong_sex_or_a_quoted_official_makes_the_victims_wrong(
    bench: ModuleType, entries: dict[str, Any]
) -> None:
    entry = entries["ru002_national_unity_day_woman"]
    fields = _draft_fields(entry.expected)
    fields["victims"] = [{"name": "Руслан Кодзоев", "sex": "male"}]
    assert bench.score_field(fields, entry.expected, "victims") == bench.WRONG
    fields["victims"] = [
        {"name": "Руслана Кодзоева", "sex": "female"},
        {"name": "Олег Сафронов", "sex": "male"},
    ]
    assert bench.score_field(fields, entry.expected, "victims") == bench.WRONG


def test_the_summary_counts_not_produced_as_a_miss_and_reports_it_apart(
    bench: ModuleType, entries: dict[str, Any]
) -> None:
    chosen = [entries["ru002_national_unity_day_woman"], entries["ru005_october_last_year_month"]]
    drafts = {entry.id: _draft_fields(entry.expected) for entry in chosen}
    drafts[chosen[1].id]["killed"] = 5
    figures = bench.summarise(chosen, drafts)
    assert figures["fields"]["killed"] == {"accuracy": 0.5, "not_produced": 0.0}
    assert figures["fields"]["perpetrators"] == {"accuracy": 0.0, "not_produced": 1.0}
    assert figures["entirely_right"] == 0.0
    assert figures["entirely_right_where_produced"] == 0.5


def test_the_bench_reads_every_field_the_drafting_produces_today(
    bench: ModuleType, entries: dict[str, Any]
) -> None:
    entry = entries["ru001_borovichi_origin_later_report"]
    fields = extract_draft(entry.text.strip(), published=entry.published).fields()
    produced = {
        field
        for field in bench.FIELDS
        if bench.score_field(fields, entry.expected, field) != bench.NOT_PRODUCED
    }
    assert produced >= set(bench.FIELDS) - {"perpetrators", "attempted", "victim_origin"}
