"""The model a run's data supports: comparisons, blocking rules and training passes chosen by
what the reports give, and the notes training leaves when it must do otherwise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from dozor.analysis import linkage
from dozor.analysis.linkage.model import (
    NO_REPORT,
    ONE_LIST,
    ONE_REPORT,
    PREDICTION_RULES,
    PRIOR_ASSUMED,
    LeftOut,
    Plan,
    availability,
    plan_for,
)
from dozor.analysis.linkage.prepare import features_from_reports, reports_frame
from dozor.demo.generator import demo_generate


@pytest.fixture(scope="module")
def demo() -> list[tuple[str, str, dict[str, Any]]]:
    dataset = demo_generate(size=60, seed=5)
    return [(f"{r.source_list}:{r.external_id}", r.source_list, r.parsed) for r in dataset.reports]


def _without(
    records: list[tuple[str, str, dict[str, Any]]],
    *fields: str,
    only: Callable[[str], bool] = lambda source: True,
) -> pd.DataFrame:
    return reports_frame(
        (
            report_id,
            source,
            {k: v for k, v in parsed.items() if not (k in fields and only(source))},
        )
        for report_id, source, parsed in records
    )


def _plan(frame: pd.DataFrame) -> Plan:
    return plan_for(availability(features_from_reports(frame)))


def _joined(plan: Plan) -> set[str]:
    return {column for rule in plan.prediction_rules for column in rule.needs}


def test_with_everything_given_the_model_is_the_full_one(demo: list[Any]) -> None:
    plan = _plan(_without(demo))
    assert plan.left_out == ()
    assert plan.prediction_rules == tuple(
        rule for rule in PREDICTION_RULES if not any(c.startswith("undated") for c in rule.needs)
    )
    assert [rule.name for rule in plan.training_rules][:2] == ["day_region", "name_month"]


def test_without_dates_no_rule_joins_on_a_day_and_undated_reports_meet_by_name_or_place(
    demo: list[Any],
) -> None:
    plan = _plan(_without(demo, "date"))
    assert LeftOut("date", NO_REPORT) in plan.left_out
    assert not _joined(plan) & {"day_start", "day_exact", "month", "year"}
    assert {"undated_name_key", "undated_region"} <= _joined(plan)


def test_without_names_no_rule_joins_on_a_name(demo: list[Any]) -> None:
    plan = _plan(_without(demo, "victims"))
    assert {LeftOut("victims", NO_REPORT), LeftOut("victim_ages", NO_REPORT)} <= set(plan.left_out)
    assert "name_key" not in _joined(plan)
    assert all("name_key" not in rule.needs for rule in plan.training_rules)


def test_a_comparison_one_report_gives_is_left_out(demo: list[Any]) -> None:
    frame = _without(demo, "victims")
    frame.at[0, "victims"] = [{"name": "Анна Петрова", "sex": "female", "age": 30}]
    left_out = set(_plan(frame).left_out)
    assert LeftOut("victims", ONE_REPORT) in left_out


def test_one_list_leaves_out_the_comparison_of_lists(demo: list[Any]) -> None:
    frame = _without(demo)
    frame["source"] = "ngo"
    assert LeftOut("source", ONE_LIST) in _plan(frame).left_out


def test_the_lists_that_lack_a_field_are_named(demo: list[Any]) -> None:
    frame = _without(demo, "date", only=lambda source: source == "press")
    # The demo's partner writes in English and names no targeted organisation.
    assert availability(features_from_reports(frame)).lacking == {
        "date": ("press",),
        "target_organisation": ("partner",),
    }


def test_only_counts_and_types_are_refused_naming_what_to_map(demo: list[Any]) -> None:
    frame = _without(demo, "date", "region", "locality", "victims", "title", "summary")
    with pytest.raises(linkage.LinkageInputError, match="map a people field named `victims`"):
        _plan(frame)


def test_dates_without_place_type_or_names_are_refused_naming_what_to_map(
    demo: list[Any],
) -> None:
    frame = _without(demo, "region", "locality", "victims", "incident_type")
    with pytest.raises(linkage.LinkageInputError, match="Linkage cannot pair these"):
        _plan(frame)


def test_an_undated_report_is_scored_against_a_dated_one_of_its_place_and_type() -> None:
    parsed = {"region": "RU-MOW", "incident_type": "arson", "killed": 0, "injured": 1}
    frame = reports_frame(
        [
            ("a", "ngo", {**parsed, "date": "2020-01-01"}),
            ("b", "press", dict(parsed)),
            ("c", "press", {**parsed, "region": "RU-SPE", "date": "2020-01-01"}),
        ]
    )
    from splink import DuckDBAPI

    from dozor.analysis.linkage.model import comparison_count

    features = features_from_reports(frame)
    table = DuckDBAPI().register(features)
    assert comparison_count(table, plan_for(availability(features))) == 1


def test_when_no_near_certain_rule_finds_a_pair_the_prior_is_one_in_the_reports(
    demo: list[Any],
) -> None:
    frame = _without(demo, "victims")
    # Each report one day apart from the others: no two share a day, place and type.
    frame["date"] = [
        f"20{10 + n // 300}-{1 + n // 28 % 12:02d}-{1 + n % 28:02d}" for n in range(len(frame))
    ]
    result = linkage.link_reports(frame)
    assert result.coverage is not None
    assert any(note.code == PRIOR_ASSUMED for note in result.coverage.notes)
    assert result.model["probability_two_random_records_match"] == pytest.approx(1 / len(frame))


def test_a_text_column_of_dates_with_gaps_reads_its_gaps_as_no_date() -> None:
    # pandas keeps such a column as text with NaN: "date nan is not a date" stopped linkage.
    frame = reports_frame([(1, "a", {"date": "2020-01-01"}), (2, "b", {"region": "RU-MOW"})])
    features = features_from_reports(frame)
    assert features["day_start"].isna().tolist() == [False, True]


def test_a_report_without_counts_has_no_number_harmed() -> None:
    frame = reports_frame([(1, "a", {"killed": 0}), (2, "a", {"injured": 2}), (3, "a", {})])
    assert features_from_reports(frame)["harmed"].tolist()[:2] == [0, 2]
    assert pd.isna(features_from_reports(frame)["harmed"].iloc[2])
